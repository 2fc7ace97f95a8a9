"""`python -m tests.kill_points ARGS…` runs notifier as `python -m notifier ARGS…` does, but dies
by SIGKILL at the send's point named in NOTIFIER_TEST_KILL_AT=point[:n] (the n-th time it passes
there): how the crash tests cut a send short without a hook in the service's own code."""

from __future__ import annotations

import os
import signal
import sys

from notifier.cli import main
from notifier.delivery import dispatch

_passed: dict[str, int] = {}


def die_at(name: str) -> None:
    point, _, nth = os.environ.get("NOTIFIER_TEST_KILL_AT", "").partition(":")
    if point != name:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if _passed[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    dispatch.crash_point = die_at
    sys.exit(main())
