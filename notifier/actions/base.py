"""The shape of every action: one transaction that ends in the track sync."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.schedule.planner import sync_tracks
from notifier.schedule.policy import Policy, load_policy
from notifier.settings import Settings


@dataclass(frozen=True)
class Office:
    """What an action needs, whoever calls it: the database, the settings and policy, the clock,
    and who acts (a web user's name; None from the command line)."""

    engine: Engine
    settings: Settings
    policy: Policy
    clock: Callable[[], datetime]
    by: str | None = None

    @classmethod
    def load(cls, engine: Engine, settings: Settings, clock: Callable[[], datetime]) -> Office:
        """The command line's context, the policy read from its file; it acts as nobody in the audit."""
        return cls(engine, settings, load_policy(settings.policy_file), clock)

    def acting_as(self, by: str | None) -> Office:
        return Office(self.engine, self.settings, self.policy, self.clock, by)


class OfficeView:
    """For a context built around an ``Office`` (the chats', the pages'): its parts, read through it."""

    office: Office

    @property
    def engine(self) -> Engine:
        return self.office.engine

    @property
    def settings(self) -> Settings:
        return self.office.settings

    @property
    def policy(self) -> Policy:
        return self.office.policy

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.office.clock

    @property
    def templates(self) -> Path:
        return self.office.settings.templates_dir


@contextmanager
def change(office: Office, *, tracks: bool = True) -> Iterator[Session]:
    """A session whose work is committed together with the track sync, or not at all (an
    exception rolls everything back). Rows it returns keep their values after the commit.
    ``tracks=False`` only for a change no track depends on (which chat reaches a unit is read when
    a digest is sealed): the sync costs a pass over the whole plan, which a chat's /dangky or a
    group's new id should not wait for."""
    with Session(office.engine, expire_on_commit=False) as session:
        yield session
        if tracks:
            sync_tracks(session, office.policy, office.clock(), tasks=session.info.get(TOUCHED))
        session.commit()


TOUCHED = "notifier.touched_tasks"


def touched(session: Session, *task_ids: int | None) -> None:
    """Name the tasks a change touched: the track sync at its end then covers those tasks only
    (a change that names none syncs the whole plan: units, imports, removals)."""
    session.info.setdefault(TOUCHED, set()).update(t for t in task_ids if t is not None)


@contextmanager
def trial(office: Office) -> Iterator[Session]:
    """A session whose work is always rolled back: previews (an import's dry run)."""
    with Session(office.engine) as session:
        try:
            yield session
        finally:
            session.rollback()
