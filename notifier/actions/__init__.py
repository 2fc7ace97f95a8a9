"""Every change to state, one function each: the command line, the office's pages and the chat
bots call these and nothing else to change what is stored. Each is one transaction that ends in
the track sync (``base.change``).

The modules load when first used (``actions.plans`` …): a command that changes no plan does not
import the plan readers, nor one that answers no chat the bots' code."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifier.actions import answers, explanations, extensions, links, plans, tasks, units, users

__all__ = ["answers", "explanations", "extensions", "links", "plans", "tasks", "units", "users"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"notifier.actions.{name}")
    raise AttributeError(f"module 'notifier.actions' has no attribute {name!r}")
