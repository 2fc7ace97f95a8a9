"""GET /metrics: the service's state in Prometheus' text format (no client library: a handful of
gauges read from the database, which is the truth whichever replica answers)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC

from sqlmodel import Session, col, func, select
from starlette.responses import PlainTextResponse, Response

from notifier.clock import wall_time
from notifier.reports.log import status_record
from notifier.reports.operations import operations
from notifier.schedule.models import ExplanationRequest, ExplanationStatus, ExtensionRequest, RequestStatus
from notifier.web.context import WebContext

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def metrics(context: WebContext) -> Response:
    status = status_record(context.engine, context.clock(), frozenset())
    daemon = status.daemon
    lines = _gauge(
        "notifier_deliveries",
        "Deliveries by status.",
        {f'status="{name}"': count for name, count in status.deliveries.items()},
    )
    lines += _gauge("notifier_digests_waiting", "Digests open, not sealed yet.", {"": status.digests_waiting})
    lines += _gauge(
        "notifier_failing_links", "Unit links that fail or lack their channel.", {"": len(status.failing_links)}
    )
    lines += _gauge("notifier_daemon_up", "1 while the daemon beats (within 3 minutes).", {"": int(daemon.alive)})
    lines += _gauge(
        "notifier_daemon_problem", "1 while the daemon reports a problem.", {"": int(bool(daemon.problem))}
    )
    if daemon.beat_at:
        # real time: liveness
        age = (wall_time() - daemon.beat_at.astimezone(UTC)).total_seconds()
        lines += _gauge("notifier_daemon_heartbeat_age_seconds", "Seconds since the daemon's last beat.", {"": age})
    if daemon.tick_seconds is not None:
        lines += _gauge("notifier_tick_duration_seconds", "How long the last tick took.", {"": daemon.tick_seconds})
    lines += _gauge("notifier_requests_waiting", "Extension requests and explanations waiting.", _waiting(context))
    lines += _operations(context)
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)


def _operations(context: WebContext) -> list[str]:
    seen = operations(context.engine)
    lines = _gauge(
        "notifier_channel_deliveries",
        "Deliveries by channel and status.",
        {f'channel="{channel}",status="{status}"': n for (channel, status), n in sorted(seen.by_channel.items())},
    )
    # On the service's clock, like the rows' creation times it is measured from.
    age = (context.clock() - seen.oldest_waiting_at).total_seconds() if seen.oldest_waiting_at else 0.0
    lines += _gauge(
        "notifier_oldest_waiting_delivery_age_seconds", "Age of the oldest delivery not sent yet.", {"": max(age, 0)}
    )
    lines += _gauge(
        "notifier_deliveries_retrying", "Deliveries waiting for a retry (a failure or a 429).", {"": seen.retrying}
    )
    lines += _gauge(
        "notifier_lease_expires_in_seconds",
        "Leases (one bot poller across replicas): who holds each, and for how long yet.",
        # real time: leases expire on the machine's clock
        {f'lease="{x.name}",holder="{x.holder}"': (x.expires_at - wall_time()).total_seconds() for x in seen.leases},
    )
    return lines


def _waiting(context: WebContext) -> dict[str, int]:
    with Session(context.engine) as session:
        extensions = session.exec(
            select(func.count(col(ExtensionRequest.id))).where(ExtensionRequest.status == RequestStatus.PENDING)
        ).one()
        explanations = session.exec(
            select(func.count(col(ExplanationRequest.id))).where(ExplanationRequest.status == ExplanationStatus.WAITING)
        ).one()
    return {'kind="extension"': extensions, 'kind="explanation"': explanations}


def _gauge(name: str, help_text: str, values: Mapping[str, float]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in values.items():
        lines.append(f"{name}{{{labels}}} {value:g}" if labels else f"{name} {value:g}")
    return lines
