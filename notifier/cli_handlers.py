"""A command's function, found by name only when that command runs: the parser itself imports
nothing heavy (the database, the channels, the plan readers, the web), so `notifier --help` and
every command's own help start at once."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from notifier.clock import Clock
    from notifier.settings import Settings

Handler = Callable[[argparse.Namespace, "Settings", "Engine", "Clock"], int]


def command(module: str, name: str) -> Handler:
    """The handler ``name`` of ``module`` (notifier.cli_commands, notifier.cli_report …)."""

    def run(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
        handler: Handler = getattr(importlib.import_module(module), name)
        return handler(args, settings, engine, clock)

    return run
