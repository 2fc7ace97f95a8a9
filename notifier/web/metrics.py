"""GET /metrics: the service's state in Prometheus' text format (no client library: a handful of
gauges read from the database, which is the truth whichever replica answers)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select
from starlette.responses import PlainTextResponse, Response

from notifier.clock import wall_time
from notifier.reports.log import status_record
from notifier.schedule.models import ExplanationRequest, ExtensionRequest
from notifier.web.context import WebContext

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def metrics(context: WebContext) -> Response:
    status = status_record(context.engine, context.clock(), frozenset())
    daemon = status["daemon"]
    lines = _gauge(
        "notifier_deliveries",
        "Deliveries by status.",
        {f'status="{name}"': count for name, count in status["deliveries"].items()},
    )
    lines += _gauge("notifier_digests_waiting", "Digests open, not sealed yet.", {"": status["digests_waiting"]})
    lines += _gauge(
        "notifier_failing_links", "Unit links that fail or lack their channel.", {"": len(status["failing_links"])}
    )
    lines += _gauge("notifier_daemon_up", "1 while the daemon beats (within 3 minutes).", {"": int(daemon["alive"])})
    lines += _gauge(
        "notifier_daemon_problem", "1 while the daemon reports a problem.", {"": int(bool(daemon["problem"]))}
    )
    if daemon["beat_at"]:
        # real time: liveness
        age = (wall_time() - datetime.fromisoformat(daemon["beat_at"]).astimezone(UTC)).total_seconds()
        lines += _gauge("notifier_daemon_heartbeat_age_seconds", "Seconds since the daemon's last beat.", {"": age})
    lines += _gauge("notifier_requests_waiting", "Extension requests and explanations waiting.", _waiting(context))
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)


def _waiting(context: WebContext) -> dict[str, int]:
    with Session(context.engine) as session:
        extensions = session.exec(
            select(func.count(col(ExtensionRequest.id))).where(ExtensionRequest.status == "pending")
        ).one()
        explanations = session.exec(
            select(func.count(col(ExplanationRequest.id))).where(ExplanationRequest.status == "waiting")
        ).one()
    return {'kind="extension"': extensions, 'kind="explanation"': explanations}


def _gauge(name: str, help_text: str, values: Mapping[str, float]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in values.items():
        lines.append(f"{name}{{{labels}}} {value:g}" if labels else f"{name} {value:g}")
    return lines
