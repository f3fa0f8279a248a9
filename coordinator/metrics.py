"""Prometheus metrics in a per-app registry, a latency middleware, and gauges read from the view."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from capacity.clock import utcnow
from capacity.model import KINDS

if TYPE_CHECKING:
    from capacity.view import CapacityView

__all__ = ["Metrics", "ViewCollector", "setup_metrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


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
        self.holds = Counter(
            "zcc_holds", "Hold transitions (created, confirmed, released, expired)", ["event"], registry=r
        )
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
        self.audit_spool_pending = Gauge(
            "zcc_audit_spool_pending", "Audit entries in this instance's spool not yet in the store", registry=r
        )

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
        yield GaugeMetricFamily("zcc_provider_stops_active", "Providers under a stop now", value=stops)
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
