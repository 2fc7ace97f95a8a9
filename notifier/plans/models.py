"""Plans, their tasks and who is assigned to each, as stored rows."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class TaskStatus(StrEnum):
    """A catalogue row's standing: open while the plan holds it; archived when a re-import dropped
    it or the plan was removed (the row stays for the log)."""

    OPEN = "open"
    ARCHIVED = "archived"


class Role(StrEnum):
    """Who a task, a track or a digest is for. Tasks name leads and coordinating units; digests also
    go to leadership (escalations) and to the office."""

    LEAD = "lead"
    COORDINATING = "coordinating"
    LEADERSHIP = "leadership"
    OFFICE = "office"


class Plan(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=100)
    number: str | None = Field(default=None, max_length=100)
    title: str = Field(sa_column=Column(Text, nullable=False))
    issuer: str | None = Field(default=None, max_length=300)
    issued_on: date | None = None
    year: int | None = None
    decision: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    # Set by `notifier plans remove`: its tasks are archived, the rows stay for the log; importing
    # the plan again brings it back.
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class Task(SQLModel, table=True):
    """One catalogue row. ``key`` is its identity for ever, across re-imports."""

    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    position: int
    number: str = Field(max_length=50)
    # Where the row sits in the catalogue now ("3.3.a", "I.1", "1.2#2"); the key keeps the first one.
    path: str = Field(max_length=200)
    parent: str | None = Field(default=None, max_length=50)
    section: str | None = Field(default=None, max_length=50)
    section_title: str | None = Field(default=None, sa_column=Column(Text))
    title: str = Field(sa_column=Column(Text, nullable=False))
    lead_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    coordinating_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    unit_note: str = Field(default="", sa_column=Column(Text, nullable=False))
    deadline_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    deadline_kind: str = Field(max_length=20)
    window_start: date | None = None
    due: date | None = None
    due_day: int | None = None
    deadline_understood: bool = True
    # Set by `notifier tasks set-due`: survives re-import while the plan's words stay the same.
    due_set_by_office: bool = False
    extras: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_where: str = Field(default="", max_length=200)
    status: str = Field(default=TaskStatus.OPEN, max_length=20, index=True)
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class TaskUnit(SQLModel, table=True):
    """A unit named in a task's lead or coordinating cell; ``unit_id`` is None while unresolved."""

    __tablename__ = "task_unit"
    __table_args__ = (UniqueConstraint("task_id", "role", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    role: str = Field(max_length=20)
    position: int
    written: str = Field(sa_column=Column(Text, nullable=False))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)


class ImportRun(SQLModel, table=True):
    """Each applied import: which file, its checksum, and the report as shown."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    file_name: str = Field(max_length=500)
    file_format: str = Field(max_length=10)
    sha256: str = Field(max_length=64)
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
