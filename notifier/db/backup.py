"""A copy of the whole database the office can keep: SQLite's online backup, consistent while the
service runs (a plain file copy taken mid-write may not open). PostgreSQL has its own tools."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from notifier.errors import InputError


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the SQLite database to ``target`` (which must not exist yet); returns its size in bytes."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database:
        raise InputError(
            "sao lưu bằng lệnh này chỉ cho SQLite; với PostgreSQL dùng: pg_dump --format=custom "
            "--file=notifier.dump <DATABASE_URL>"
        )
    if target.exists():
        raise InputError(f"tệp «{target}» đã có: chọn tên khác (không ghi đè bản sao lưu cũ)")
    if not target.parent.is_dir():
        raise InputError(f"không có thư mục «{target.parent}»")
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # page by page, while other connections go on writing
        finally:
            copy.close()
    finally:
        source.close()
    return target.stat().st_size
