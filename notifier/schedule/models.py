"""What the reminder engine plans: who is assigned, each occurrence, each unit's track through it,
every reminder that fell due (unique per step: a step is never emitted twice), and the digests
that gather a recipient's reminders for one send time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class RoundStatus(StrEnum):
    """An occurrence's standing, and a track's ``done_status`` (reported or done)."""

    OPEN = "open"
    REPORTED = "reported"  # a lead unit said it is done; the office has not confirmed
    DONE = "done"
    CANCELLED = "cancelled"  # the plan no longer has this period


class DigestStatus(StrEnum):
    OPEN = "open"  # still gathering reminders
    SEALED = "sealed"  # its deliveries are written
    WITHDRAWN = "withdrawn"  # a notice made moot before it was sent


class RequestStatus(StrEnum):
    """An extension request's standing."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExplanationStatus(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"


class Assignment(SQLModel, table=True):
    """A unit's part in a task (groups expanded), lead or coordinating."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=20)
    active: bool = True


class Occurrence(SQLModel, table=True):
    """One round of a task: the only one for a one-off task, one per period for a recurring one."""

    __tablename__ = "occurrence"
    __table_args__ = (UniqueConstraint("task_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    period: str = Field(max_length=20)  # "once", "continuous", "2026", "2026-Q4", "2026-11", "2026-H2"
    window_start: date | None = None
    due: date | None = None
    status: str = Field(default=RoundStatus.OPEN, max_length=20)
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    done_by: str | None = Field(default=None, max_length=200)
    # An approved extension (gia hạn): the deadline from then on, whatever the plan's words say.
    extended_due: date | None = None


class Track(SQLModel, table=True):
    """One assignment through one occurrence. ``next_at`` is when its next step falls due (UTC);
    None when nothing more is to come. The scan reads only tracks whose ``next_at`` has passed."""

    __tablename__ = "track"
    __table_args__ = (
        UniqueConstraint("assignment_id", "occurrence_id"),
        Index("ix_track_next_at", "next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    next_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    next_step: str | None = Field(default=None, max_length=40)
    last_day: date | None = None  # the day of the last step emitted (or skipped as past)
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    done_status: str | None = Field(default=None, max_length=20)  # RoundStatus.REPORTED or DONE


class Reminder(SQLModel, table=True):
    """A step that fell due: one item of one digest. ``key`` makes each step happen once."""

    __tablename__ = "reminder"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    track_id: int | None = Field(default=None, foreign_key="track.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    subject_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    task_id: int = Field(foreign_key="task.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    role: str = Field(max_length=20)
    step: str = Field(max_length=40)
    state: str = Field(max_length=20)
    due: date | None = None
    digest_id: int | None = Field(default=None, foreign_key="digest.id", index=True)
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class ScheduleMark(SQLModel, table=True):
    """The last period a periodic job (the weekly summary) was produced for: it runs once per period."""

    __tablename__ = "schedule_mark"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    period: str = Field(max_length=40)
    at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class Digest(SQLModel, table=True):
    __tablename__ = "digest"
    __table_args__ = (Index("ix_digest_status_send_at", "status", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=20)  # a Role
    # reminder, leadership, summary, report, notice, decision, explain, explanation
    kind: str = Field(default="reminder", max_length=20)
    period: str | None = Field(default=None, max_length=20)  # a report's period: 2026-Q4
    send_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=DigestStatus.OPEN, max_length=20)
    # A follow-up chain across channels: while set, the next channel is tried at this time unless
    # the digest is acknowledged (``follow_up_step``: how many channels were tried after the first).
    follow_up_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))
    follow_up_step: int = 0
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class ProgressEvent(SQLModel, table=True):
    """What happened to an occurrence, in order, never changed afterwards: the deadline it was given
    (``due``), a unit's completion or the whole occurrence's (``done``, ``reported``), a reopening,
    a cancellation. The periodic report replays these up to a period's end, so the same period
    gives the same figures however late it is asked for (the occurrence row holds only now)."""

    __tablename__ = "progress_event"
    __table_args__ = (Index("ix_progress_event_occurrence_at", "occurrence_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # None: the whole occurrence
    kind: str = Field(max_length=20)  # due, done, reported, reopened, cancelled
    due: date | None = None  # for "due": the deadline from then on
    by: str | None = Field(default=None, max_length=200)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ExtensionRequest(SQLModel, table=True):
    """A unit's request for more time on one occurrence of a task (đề nghị gia hạn), and the
    decision on it: who asked, by which way, why; who decided, when, and what."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    old_due: date | None = None
    requested_due: date
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    requested_by: str = Field(max_length=200)
    requested_via: str = Field(max_length=20)  # office, web, telegram, zalo, email
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=RequestStatus.PENDING, max_length=20)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    approved_due: date | None = None
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The message that tells the unit the decision (a digest of kind "notice").
    notice_digest_id: int | None = Field(default=None, foreign_key="digest.id")
    # The message that asks leadership to decide (kind "decision"), when leadership decides.
    decision_digest_id: int | None = Field(default=None, foreign_key="digest.id", index=True)


class ExplanationRequest(SQLModel, table=True):
    """A request that the lead unit explain an overdue task (yêu cầu giải trình), and its answer:
    who asked, by which way, when the answer is due; who answered, how, what. The messages it made:
    the question to the unit, the answer to leadership, the escalation when no answer came."""

    __tablename__ = "explanation_request"

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    question: str = Field(default="", sa_column=Column(Text, nullable=False))
    asked_by: str = Field(max_length=200)
    asked_via: str = Field(max_length=20)  # office, web, telegram, zalo
    asked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    answer_by: date  # the last working day for the answer; the next one escalates
    status: str = Field(default=ExplanationStatus.WAITING, max_length=20)
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    answered_by: str | None = Field(default=None, max_length=200)
    answered_via: str | None = Field(default=None, max_length=20)
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    question_digest_id: int | None = Field(default=None, foreign_key="digest.id", index=True)
    answer_digest_id: int | None = Field(default=None, foreign_key="digest.id")
    escalation_digest_id: int | None = Field(default=None, foreign_key="digest.id")

