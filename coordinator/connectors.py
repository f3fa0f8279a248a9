"""The connectors of one app (issue 16): their stores, the feed poller, history, webhooks; no I/O here."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from capacity.model import Region
from capacity.service import CapacityService
from capacity.state import ProviderStatus
from capacity.store.interop import InteropStores

from .feeds.poller import FeedMetrics, FeedPoller, FeedSettings
from .history import HistoryRecorder, HistoryService
from .metrics import Metrics
from .routing_state import RoutingState
from .settings import Settings
from .subscriptions.delivery import Webhooks, WebhookSettings
from .subscriptions.detector import Detector

__all__ = ["Connectors", "build_connectors"]


@dataclass(frozen=True, slots=True)
class Connectors:
    """Everything the connectors share within one app."""

    stores: InteropStores
    poller: FeedPoller
    recorder: HistoryRecorder
    history: HistoryService
    webhooks: Webhooks
    detector: Detector
    holder: str


def build_connectors(
    settings: Settings,
    stores: InteropStores,
    capacity: CapacityService,
    routing: RoutingState,
    metrics: Metrics,
) -> Connectors:
    """Wire the connectors over ``stores``; the recorder and the detector follow the capacity service's log."""
    holder = secrets.token_hex(8)  # this instance, as lease holder
    poller = FeedPoller(
        capacity,
        stores.leases,
        FeedMetrics(metrics.registry, metrics.feed_outcomes),
        FeedSettings(
            timeout_seconds=settings.feed_timeout_seconds,
            max_backoff_seconds=settings.feed_max_backoff_seconds,
            default_valid_minutes=settings.default_valid_minutes,
            max_clock_skew_seconds=settings.max_clock_skew_seconds,
        ),
        holder,
    )
    recorder = HistoryRecorder(
        stores.history, capacity, fine_days=settings.history_fine_days, retention_days=settings.history_retention_days
    )
    capacity.add_listener("", recorder)
    webhooks = Webhooks(
        stores.subscriptions,
        stores.leases,
        holder,
        capacity.region.id,
        WebhookSettings(
            attempts=settings.webhook_attempts,
            first_backoff_seconds=settings.webhook_first_backoff_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
            refresh_seconds=settings.subscription_refresh_seconds,
        ),
    )

    def neighbours() -> Mapping[str, tuple[Region, Mapping[str, ProviderStatus]]]:
        return {
            r.id: (r, routing.boards[r.id].statuses)
            for r in routing.neighbours
            if r.id in routing.boards and routing.boards[r.id].read_at is not None
        }

    detector = Detector(capacity, webhooks, neighbours)
    capacity.add_listener("", detector)
    return Connectors(
        stores, poller, recorder, HistoryService(stores.history, recorder.keep_s), webhooks, detector, holder
    )
