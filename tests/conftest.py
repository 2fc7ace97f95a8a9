"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
settings pointing at a temporary data folder, and the plans the tests read."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from notifier.clock import Clock, install, parse_vietnam_time
from notifier.db.engine import make_engine, upgrade_schema
from notifier.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "notifier" / "samples" / "ke-hoach-dan-van-2026-thai-tan.txt"
REAL_PLANS = Path(__file__).resolve().parent / "fixtures" / "real"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PINNED_NOW = "2026-11-26T08:00"  # a Thursday in the sample plan's year, before the tests' usual 27/11 08:00


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'notifier.sqlite3'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def workdir(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with its own config/ and the environment pointing at the test database."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("NOTIFIER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NOTIFIER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NOTIFIER_BEFORE_DATE_MEANS", raising=False)
    # Time never decides a test's outcome: every command runs on this clock unless it says --now.
    monkeypatch.setenv("NOTIFIER_NOW", PINNED_NOW)
    return tmp_path


@pytest.fixture(autouse=True)
def process_clock() -> Iterator[Clock]:
    """Rows made outside a command stamp with the pinned clock too; each test starts afresh (a
    command a test ran installed its own clock)."""
    yield install(Clock(parse_vietnam_time(PINNED_NOW)))


@pytest.fixture
def settings(workdir: Path) -> Settings:
    return load_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()
