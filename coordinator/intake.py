"""The one path every capacity report takes, whatever its format (zcc JSON, FHIR MeasureReport, EDXL-HAVE).

Scope (a provider token writes only its own providers), the rules of ``capacity.ingest.check_update``,
duplicates in one report, the Idempotency-Key and the atomic apply by the capacity service are
applied here, so a report over FHIR or EDXL-HAVE is held to exactly the rules of
``POST /api/v1/capacity`` and gets the same per-entry ``applied`` / ``stale_ignored`` results.
Each report names where each of its values came from (``Field``), so an error points at the
JSON field, the FHIRPath expression or the XML element the sender wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import Forbidden, InvalidInput, StoreUnavailable, ZccError
from capacity.ingest import check_update
from capacity.state import UpdateResult

from .idempotency import idempotency_key
from .keys import CAPACITY, METRICS, SETTINGS
from .metrics import Metrics
from .tokens import Principal

__all__ = ["REJECT_REASONS", "Report", "apply_reports", "reject"]

#: Metric label of a rejected report, by the field the rule named.
REJECT_REASONS = {
    "provider_id": "unknown_provider",
    "care_type": "care_type_not_offered",
    "available": "available_over_total",
    "reported_at": "reported_in_future",
}


@dataclass(frozen=True, slots=True)
class Report:
    """One capacity report in zcc's terms, with ``where(name)`` giving the sender's path of each field."""

    provider_id: str
    care_type: str
    available: int
    total: int | None
    reported_at: datetime
    valid_for_minutes: int | None
    where: Callable[[str], str]


def reject(metrics: Metrics, reason: str, exc: ZccError) -> ZccError:
    """Count a rejected report by reason and hand the error back to be raised."""
    metrics.rejected.labels(reason).inc()
    return exc


def _rule_of(exc: InvalidInput, report: Report) -> str:
    """The metric reason of a rule's error, by which of the report's fields it named."""
    for name, reason in REJECT_REASONS.items():
        if exc.field == report.where(name):
            return reason
    return "invalid"


async def apply_reports(
    request: web.Request, who: Principal, reports: Sequence[Report], body: object
) -> tuple[list[UpdateResult], bool]:
    """Check every report (all first), then apply them in one atomic write; the results and whether a replay.

    ``body`` is the request body as parsed, for the Idempotency-Key's fingerprint.
    """
    app = request.app
    settings, capacity, metrics = app[SETTINGS], app[CAPACITY], app[METRICS]
    view = capacity.view
    now = utcnow()
    updates = []
    seen: set[tuple[str, str]] = set()
    for r in reports:
        if not who.may_write_provider(r.provider_id):
            scope = f"; it is scoped to {', '.join(sorted(who.providers))}" if who.providers else ""
            raise reject(
                metrics,
                "forbidden",
                Forbidden(f"this token may not report for {r.provider_id!r}{scope}", field=r.where("provider_id")),
            )
        if (r.provider_id, r.care_type) in seen:
            raise reject(
                metrics,
                "invalid",
                InvalidInput(f"{r.provider_id} {r.care_type} appears twice in one batch", field=r.where("care_type")),
            )
        seen.add((r.provider_id, r.care_type))
        known = view.entries.get((r.provider_id, r.care_type))
        try:
            updates.append(
                check_update(
                    view.region,
                    provider_id=r.provider_id,
                    care_type=r.care_type,
                    available=r.available,
                    total=r.total,
                    known_total=known.total if known else None,
                    reported_at=r.reported_at,
                    valid_for_minutes=r.valid_for_minutes or settings.default_valid_minutes,
                    now=now,
                    max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
                    prefix="\0",
                )
            )
        except InvalidInput as exc:
            # check_update names its field after a marker prefix: put the sender's own path there instead.
            name = (exc.field or "").removeprefix("\0")
            located = InvalidInput(exc.detail, field=r.where(name)) if exc.field else exc
            raise reject(metrics, _rule_of(located, r), located) from None

    idem = idempotency_key(request, who, body)
    try:
        results, replay = await capacity.report(updates, idem)
    except StoreUnavailable as exc:
        metrics.store_errors.labels("apply_updates").inc()
        raise reject(metrics, "store_unavailable", exc) from None
    except ZccError as exc:
        raise reject(metrics, "idempotency", exc) from None
    if not replay:
        for res in results:
            metrics.updates.labels(res.status).inc()
    return results, replay
