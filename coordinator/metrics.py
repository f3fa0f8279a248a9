"""Prometheus metrics in a per-app registry, a latency middleware, and gauges read from the view.

Every family the service serves is listed in README.md (Metrics); the alert and recording rules in
config/prometheus/ and the dashboard in config/grafana/ use only these (tests check it against a
running app).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from capacity.clock import utcnow
from capacity.model import KINDS

if TYPE_CHECKING:
    from capacity.view import CapacityView

    from .requests import HoldEvent, Outcome

__all__ = [
    "LATENCY_BUCKETS",
    "PLACEMENT_BUCKETS",
    "STORE_BUCKETS",
    "URGENCIES",
    "Metrics",
    "ViewCollector",
    "setup_metrics",
]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Store calls: SQLite fsyncs and Redis round trips, from a fraction of a millisecond to a retried timeout.
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Request to confirmed placement: minutes (U2 within the hour) to the same day (U4).
URGENCIES = ("U0", "U1", "U2", "U3", "U4", "U5")
# Which outcomes each urgency can have (served at 0 from the start, so rates and panels have a series).
_OUTCOMES = (
    *(("U0", "escalated"), ("U1", "escalated"), ("U5", "advice")),
    *((u, o) for u in ("U2", "U3", "U4") for o in ("placed", "cancelled")),
)
PLACEMENT_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0)


class Metrics:
    """Every metric of one app, registered in the app's own registry (never the global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "zcc_capacity_updates",
            "Capacity reports by result (applied, stale_ignored)",
            ["result"],
            registry=r,
        )
        self.rejected = Counter(
            "zcc_capacity_updates_rejected", "Capacity reports refused, by reason", ["reason"], registry=r
        )
        self.http_latency = Histogram(
            "zcc_http_request_duration_seconds",
            "HTTP request latency by route name",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.store_errors = Counter(
            "zcc_store_errors", "Store operations that failed, by operation", ["op"], registry=r
        )
        for op in ("apply_updates", "expire_holds"):
            self.store_errors.labels(op)
        self.holds = Counter(
            "zcc_holds", "Hold transitions (taken, confirmed, released, expired), once each", ["event"], registry=r
        )
        for event in ("taken", "confirmed", "released", "expired"):
            self.holds.labels(event)  # every outcome is served from the start, at 0
        self.webhooks = Counter(
            "zcc_webhook_deliveries",
            "Webhook notifications (delivered, retried, failed, dropped)",
            ["result"],
            registry=r,
        )
        self.reconciled = Counter(
            "zcc_reconciled",
            "Half-done writes healed by the reconciliation (confirmed_hold, ended_hold, orphan_hold)",
            ["kind"],
            registry=r,
        )
        for kind in ("confirmed_hold", "ended_hold", "orphan_hold"):
            self.reconciled.labels(kind)
        for result in ("delivered", "retried", "failed", "dropped"):
            self.webhooks.labels(result)
        self.store_latency = Histogram(
            "zcc_store_operation_duration_seconds",
            "Store call latency by operation (store.method)",
            ["op"],
            buckets=STORE_BUCKETS,
            registry=r,
        )
        self.requests_created = Counter(
            "zcc_requests_created", "Requests triaged and stored, by urgency", ["urgency"], registry=r
        )
        self.requests_closed = Counter(
            "zcc_requests_closed",
            "Requests ended, by urgency and outcome (escalated, advice, placed, cancelled)",
            ["urgency", "outcome"],
            registry=r,
        )
        self.escalations = Counter(
            "zcc_escalations_112", "Requests triaged U0/U1 and escalated to 112, by urgency", ["urgency"], registry=r
        )
        self.placement_seconds = Histogram(
            "zcc_placement_seconds",
            "Time from a request's creation to its confirmed placement, by urgency",
            ["urgency"],
            buckets=PLACEMENT_BUCKETS,
            registry=r,
        )
        for urgency in URGENCIES:
            self.requests_created.labels(urgency)
        for urgency, outcome in _OUTCOMES:
            self.requests_closed.labels(urgency, outcome)
        for urgency in ("U0", "U1"):
            self.escalations.labels(urgency)
        for urgency in ("U2", "U3", "U4"):
            self.placement_seconds.labels(urgency)
        self._store_children: dict[str, Any] = {}

    # -- families that wait for their code (issue 12's audit spool, the provider feeds) ---------

    def watch_spool(self, depth: Callable[[], float]) -> None:
        """Serve ``zcc_audit_spool_depth`` (audit entries waiting for the store), read at scrape time."""
        Gauge(
            "zcc_audit_spool_depth", "Audit entries spooled locally, waiting for the store", registry=self.registry
        ).set_function(depth)

    def feed_outcomes(self) -> Counter:
        """Serve and return ``zcc_feed_polls_total{provider_id, result}`` (one per poll of a provider's feed)."""
        return Counter(
            "zcc_feed_polls",
            "Polls of providers' capacity feeds, by provider and result (applied, unchanged, failed, invalid)",
            ["provider_id", "result"],
            registry=self.registry,
        )

    def store_observer(self, op: str) -> Callable[[float], None]:
        """The observe function of one store operation (capacity.store.timing asks once per operation)."""
        child = self._store_children.get(op)
        if child is None:
            child = self._store_children[op] = self.store_latency.labels(op)
        observe: Callable[[float], None] = child.observe
        return observe

    # -- the request lifecycle's observer (coordinator.requests.LifecycleObserver) --------------

    def hold(self, event: HoldEvent) -> None:
        """A hold transition."""
        self.holds.labels(event).inc()

    def created(self, urgency: str) -> None:
        """A request stored."""
        self.requests_created.labels(urgency).inc()

    def closed(self, urgency: str, outcome: Outcome) -> None:
        """A request ended; an escalation to 112 is counted on its own as well."""
        self.requests_closed.labels(urgency, outcome).inc()
        if outcome == "escalated":
            self.escalations.labels(urgency).inc()

    def placed(self, urgency: str, seconds: float) -> None:
        """A placement confirmed, ``seconds`` after the request."""
        self.placement_seconds.labels(urgency).observe(seconds)

    def watch(self, view: CapacityView) -> None:
        """Expose the view's state as gauges computed at scrape time."""
        self.registry.register(ViewCollector(view))


class ViewCollector(Collector):
    """Gauges read from the capacity view when Prometheus scrapes, so they are never out of date."""

    def __init__(self, view: CapacityView) -> None:
        self.view = view

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges."""
        view, now = self.view, utcnow()
        available = GaugeMetricFamily(
            "zcc_capacity_available", "Units reported free (fresh entries)", labels=["care_type"]
        )
        held = GaugeMetricFamily("zcc_capacity_held", "Units held for requests", labels=["care_type"])
        free = GaugeMetricFamily("zcc_capacity_free", "Units free to hold (available - held)", labels=["care_type"])
        for ct, (a, h, f) in sorted(view.totals(now).items()):
            available.add_metric([ct], a)
            held.add_metric([ct], h)
            free.add_metric([ct], f)
        yield from (available, held, free)

        yield self._last_report_ages(now)

        oldest = GaugeMetricFamily(
            "zcc_capacity_oldest_fresh_age_seconds",
            "Age of the oldest still-fresh capacity report, per provider kind",
            labels=["kind"],
        )
        stale = GaugeMetricFamily("zcc_capacity_stale_entries", "Entries whose report has expired", labels=["kind"])
        ages: dict[str, float] = dict.fromkeys(KINDS, 0.0)
        stale_n: dict[str, int] = dict.fromkeys(KINDS, 0)
        for (pid, _), e in view.entries.items():
            p = view.region.providers.get(pid)
            if p is None:
                continue
            if e.stale(now) or e.reported_at is None:
                stale_n[p.kind] = stale_n.get(p.kind, 0) + 1
            else:
                ages[p.kind] = max(ages.get(p.kind, 0.0), (now - e.reported_at).total_seconds())
        for k in sorted(ages):
            oldest.add_metric([k], ages[k])
            stale.add_metric([k], stale_n.get(k, 0))
        yield from (oldest, stale)

        stops = sum(1 for s in view.statuses.values() if s.stopped(now))
        yield GaugeMetricFamily(
            "zcc_provider_stops_active", "Stops in force now (of a provider or of one of its care types)", value=stops
        )
        yield GaugeMetricFamily(
            "zcc_holds_active", "Holds not yet confirmed, released or expired", value=len(view.holds)
        )
        yield GaugeMetricFamily(
            "zcc_view_lag_seconds", "Delay of the last event reaching this view", value=view.lag_seconds
        )
        yield GaugeMetricFamily(
            "zcc_view_degraded", "1 while the view is cut off from the store", value=1 if view.degraded else 0
        )
        yield GaugeMetricFamily("zcc_view_events_applied", "Events applied to this view", value=view.events_applied)

    def _last_report_ages(self, now: datetime) -> Metric:
        """Seconds since the newest report of each provider kind and care type (fresh or not).

        A kind and care type that was never reported is left out: there is no "since" to tell,
        and zcc_capacity_stale_entries counts it.
        """
        view = self.view
        newest: dict[tuple[str, str], datetime] = {}
        for (pid, ct), e in view.entries.items():
            p = view.region.providers.get(pid)
            if p is None or e.reported_at is None:
                continue
            key = (p.kind, ct)
            if key not in newest or e.reported_at > newest[key]:
                newest[key] = e.reported_at
        family = GaugeMetricFamily(
            "zcc_capacity_last_report_age_seconds",
            "Seconds since the newest capacity report, per provider kind and care type",
            labels=["kind", "care_type"],
        )
        for (kind, ct), at in sorted(newest.items()):
            family.add_metric([kind, ct], max(0.0, (now - at).total_seconds()))
        return family


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_metrics(app: web.Application, metrics: Metrics) -> None:
    """Install the latency middleware; routes are labelled by name, never by raw path."""

    # Label children are looked up once per (route, method, status), not per request.
    children: dict[tuple[str, str, str], Any] = {}
    histogram = metrics.http_latency

    @web.middleware
    async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        start = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            key = (request.match_info.route.name or "unmatched", request.method, str(status))
            child = children.get(key)
            if child is None:
                child = children[key] = histogram.labels(*key)
            child.observe(time.perf_counter() - start)

    app.middlewares.append(metrics_middleware)
