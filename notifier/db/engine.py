"""Database engine and schema upgrades.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE``: the write lock is taken up front, so two processes never
both read-then-write and one of them fail half-way. A check that only reads goes through
``read_only(engine)`` and does not wait for the write lock (WAL lets it read beside a writer).
PostgreSQL is used as is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from notifier.errors import ConfigError
from notifier.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


READ_ONLY = "notifier_read_only"  # an execution option: this transaction only reads


def make_engine(url: str, busy_seconds: float = 30.0) -> Engine:
    """``busy_seconds``: how long a SQLite transaction waits for another's write lock."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    _ensure_sqlite_folder(url)
    engine = create_engine(url, connect_args={"timeout": busy_seconds})
    event.listen(engine, "connect", _sqlite_on_connect(busy_seconds))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def read_only(engine: Engine) -> Engine:
    """The same database for reads that must not queue behind a writer (a poller's lease check)."""
    return engine.execution_options(**{READ_ONLY: True})


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(busy_seconds: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        busy = f"busy_timeout={int(busy_seconds * 1000)}"
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", busy, "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Any) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


_MIGRATION_LOCK = 727_002  # an arbitrary constant naming this lock for pg_advisory_xact_lock


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is there already."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together on a new database: one migrates, the others wait for it
            # (held to the commit below) and then find the schema up to date.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


def open_database(settings: Settings) -> Engine:
    """The database with its schema up to date; what stops that is named in one line (exit 2)."""
    try:
        engine = make_engine(settings.database_url, settings.sqlite_busy_seconds)
        upgrade_schema(engine)
    except OSError as exc:  # the SQLite file's folder cannot be made or written
        where = exc.filename or settings.data_dir
        raise ConfigError(
            f"NOTIFIER_DATA_DIR: không tạo hay ghi được thư mục dữ liệu «{where}» ({exc.strerror})"
        ) from None
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"DATABASE_URL: không mở được cơ sở dữ liệu {_shown(settings.database_url)}: {_first_line(exc)}"
        ) from None
    return engine


def _shown(url: str) -> str:
    """The address without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(địa chỉ không đọc được)"


def _first_line(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
