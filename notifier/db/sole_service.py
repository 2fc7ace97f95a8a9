"""SQLite is the single-process default: one `notifier run` per database file. A second one is
refused at once, naming the process that holds the file; with PostgreSQL, replicas share the
database and nothing is held here.

The lock is the kernel's (``flock`` on a file beside the database), so a process that ends in any
way, SIGKILL included, lets go of it: no stale lock to clear by hand after a crash."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from notifier.errors import ConfigError


@contextmanager
def sole_service(engine: Engine) -> Iterator[None]:
    """Hold the SQLite file for this process while the block runs (a no-op for PostgreSQL)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.run-lock").open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise ConfigError(
                f"một tiến trình «notifier run» khác ({holder}) đang chạy trên cơ sở dữ liệu {database}: "
                "SQLite chỉ cho một tiến trình. Dừng tiến trình kia, hoặc dùng PostgreSQL (DATABASE_URL) "
                "để chạy nhiều bản cùng lúc"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
