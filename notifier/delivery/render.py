"""A digest as its reader sees it: items grouped by urgency, rendered by the channel's template."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from sqlmodel import Session

from notifier.delivery.summary_view import summary_view
from notifier.plans.identity import plan_of
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.digest_view import digest_view
from notifier.schedule.digests import ITEM_KINDS
from notifier.schedule.models import Digest
from notifier.text import labels


@cache
def environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    # What a person reads: Vietnam time, and words for internal names (labels.py).
    env.filters.update(
        vn_time=labels.vn_time,
        vn_date=labels.vn_date,
        delivery_status=lambda name: labels.label(labels.DELIVERY_STATUS, name),
        channel=lambda name: labels.label(labels.CHANNEL, name),
        ack_action=lambda name: labels.label(labels.ACK_ACTION, name),
        deadline_kind=lambda name: labels.label(labels.DEADLINE_KIND, name),
        item_state=lambda name: labels.label(labels.ITEM_STATE, name),
        file_format=lambda name: labels.label(labels.FILE_FORMAT, name),
        step=labels.step_label,
        plan_of=plan_of,
    )
    return env


def render_digest(
    session: Session,
    digest: Digest,
    calendar: WorkingCalendar,
    templates: Path,
    folder: str,
    context: dict[str, Any] | None = None,
    part: str | None = None,
) -> str:
    """The message a digest becomes on one channel (its reminders, the weekly summary, or a kind
    whose values the caller gives: the periodic report), or one further ``part`` of it
    (templates/<folder>/<kind>.part-<part>.{html,txt}.j2)."""
    kind = "digest" if digest.kind in ITEM_KINDS else digest.kind
    values: dict[str, Any] = dict(context or {})
    if kind == "summary":
        values["summary"] = summary_view(session, digest, calendar)
    elif kind == "digest":
        values["digest"] = digest_view(session, digest, calendar)
    name = kind if part is None else f"{kind}.part-{part}"
    return template(templates, folder, name).render(**values).strip()


def template(templates: Path, folder: str, kind: str) -> Template:
    """templates/<channel>/<kind>.html.j2 (escaped for HTML) or <kind>.txt.j2 (plain)."""
    return environment(templates).select_template([f"{folder}/{kind}.html.j2", f"{folder}/{kind}.txt.j2"])
