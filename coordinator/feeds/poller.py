"""The feed poller: every provider with a ``feed:`` is fetched once per interval by one instance of many.

Each instance runs one task per feed. A task wakes a few times per interval and tries to claim the
feed's lease (``feed:<provider>``) for one interval; only the claimant polls, so the feed is fetched
at most once per interval whatever the number of instances. A failed poll extends the claimant's
lease to a jittered, doubling backoff. A poll sends ``If-None-Match`` / ``If-Modified-Since`` from
the last answer this instance saw, within a timeout; its reports go through the same checks as
``POST /api/v1/capacity`` and the capacity service, so an old report is ``stale_ignored`` and a feed
that fails simply stops refreshing its entries: they turn stale when their validity ends (a poll
never re-stamps a report). A document naming another provider is refused as a whole and counted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge

from capacity.clock import utcnow
from capacity.errors import InvalidInput, StoreUnavailable, ZccError
from capacity.ingest import check_update
from capacity.model import Feed, Region
from capacity.service import CapacityService, raise_if_cancelling
from capacity.state import CapacityUpdate
from capacity.store.interop import LeaseStore

from .formats import UnsupportedFormat, parser_for

__all__ = ["OUTCOMES", "FeedMetrics", "FeedPoller", "FeedSettings"]

_LOGGER = logging.getLogger(__name__)

#: How a poll ended (the ``result`` label of ``zcc_feed_polls_total``).
OUTCOMES = (
    "ok",
    "not_modified",
    "timeout",
    "unreachable",
    "http_error",
    "malformed",
    "invalid",
    "foreign",
    "unsupported",
    "store_unavailable",
)
_FAILURES = frozenset(OUTCOMES) - {"ok", "not_modified"}


class FeedMetrics:
    """Polls by provider and result (``Metrics.feed_outcomes``: served once a feed exists), the time of each
    feed's last successful poll, and reports refused for naming another provider."""

    def __init__(self, registry: CollectorRegistry, outcomes: Callable[[], Counter]) -> None:
        self._outcomes = outcomes
        self._polls: Counter | None = None
        self.last_success = Gauge(
            "zcc_feed_last_success_timestamp_seconds",
            "When this instance last polled the feed successfully (its start time until then)",
            ["provider_id"],
            registry=registry,
        )
        self.foreign = Counter(
            "zcc_feed_foreign_reports",
            "Reports refused because a feed named another provider, by the polled provider",
            ["provider_id"],
            registry=registry,
        )

    @property
    def polls(self) -> Counter:
        """``zcc_feed_polls_total{provider_id, result}``, registered on first use."""
        if self._polls is None:
            self._polls = self._outcomes()
        return self._polls


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """How polls behave: timeout, longest backoff, defaults of the capacity rules."""

    timeout_seconds: float = 10.0
    max_backoff_seconds: float = 900.0
    default_valid_minutes: int = 60
    max_clock_skew_seconds: int = 300


@dataclass
class _FeedState:
    """What this instance remembers of one feed between polls."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    url: str = ""
    last_outcome: str = ""


class FeedPoller:
    """Runs the feeds of the current region until cancelled (see the module docstring)."""

    def __init__(
        self,
        capacity: CapacityService,
        leases: LeaseStore,
        metrics: FeedMetrics,
        settings: FeedSettings,
        holder: str,
        *,
        region: Callable[[], Region] | None = None,
    ) -> None:
        self._capacity = capacity
        self._leases = leases
        self._metrics = metrics
        self._settings = settings
        self._holder = holder
        self._region = region or (lambda: capacity.region)
        self._states: dict[str, _FeedState] = {}
        self._tasks: dict[str, tuple[Feed, asyncio.Task[None]]] = {}

    async def run(self) -> None:
        """Keep one task per configured feed (a reloaded region file adds or stops some); cancel them at the end."""
        try:
            while True:
                self._reconcile()
                await asyncio.sleep(1.0)
        finally:
            tasks = [t for _, t in self._tasks.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.clear()

    def _reconcile(self) -> None:
        feeds = {p.id: p.feed for p in self._region().providers.values() if p.feed is not None}
        for pid, (feed, task) in list(self._tasks.items()):
            if feeds.get(pid) != feed or task.done():
                task.cancel()
                del self._tasks[pid]
        start = utcnow().timestamp()
        for pid, feed in feeds.items():
            if pid not in self._tasks:
                self._metrics.last_success.labels(pid).set(start)
                for outcome in OUTCOMES:
                    self._metrics.polls.labels(pid, outcome)
                self._tasks[pid] = (feed, asyncio.create_task(self._loop(pid, feed), name=f"zcc-feed-{pid}"))

    async def _loop(self, provider_id: str, feed: Feed) -> None:
        """Claim and poll one feed, for as long as it is configured."""
        timeout = aiohttp.ClientTimeout(total=min(self._settings.timeout_seconds, feed.every_seconds))
        interval_ms = int(feed.every_seconds * 1000)
        check = min(feed.every_seconds / 4, 5.0)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await asyncio.sleep(check * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)
                try:
                    if not await self._leases.claim(f"feed:{provider_id}", self._holder, interval_ms, utcnow()):
                        continue
                except StoreUnavailable as exc:
                    raise_if_cancelling()
                    _LOGGER.info("feed %s: cannot claim its lease now: %s", provider_id, exc.detail)
                    continue
                outcome = await self.poll(session, provider_id, feed)
                await self._after(provider_id, feed, outcome)

    async def _after(self, provider_id: str, feed: Feed, outcome: str) -> None:
        """Count the outcome; after a failure hold the lease for a jittered, doubling backoff."""
        state = self._states.setdefault(provider_id, _FeedState())
        state.last_outcome = outcome
        self._metrics.polls.labels(provider_id, outcome).inc()
        if outcome not in _FAILURES:
            state.failures = 0
            self._metrics.last_success.labels(provider_id).set(utcnow().timestamp())
            return
        state.failures += 1
        backoff = min(feed.every_seconds * 2 ** min(state.failures, 16), self._settings.max_backoff_seconds)
        backoff = max(feed.every_seconds, backoff * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
        try:
            await self._leases.extend(f"feed:{provider_id}", self._holder, int(backoff * 1000), utcnow())
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.info("feed %s: cannot extend its lease for the backoff: %s", provider_id, exc.detail)

    async def poll(self, session: aiohttp.ClientSession, provider_id: str, feed: Feed) -> str:
        """Fetch, parse, check and apply one feed document; the outcome (one of OUTCOMES)."""
        state = self._states.setdefault(provider_id, _FeedState())
        if state.url != feed.url:
            state.etag = state.last_modified = None
            state.url = feed.url
        headers = {"Accept": "application/json, text/csv, application/xml;q=0.9, */*;q=0.5"}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        if feed.token_env:
            token = os.environ.get(feed.token_env)
            if token:
                headers["Authorization"] = f"Bearer {token}"
            else:
                _LOGGER.warning(
                    "feed %s: environment variable %s is not set; polling without a token", provider_id, feed.token_env
                )
        try:
            async with session.get(feed.url, headers=headers, allow_redirects=False) as resp:
                if resp.status == 304:
                    return "not_modified"
                if resp.status != 200:
                    _LOGGER.warning("feed %s answered HTTP %s", provider_id, resp.status)
                    return "http_error"
                body = await resp.read()
                etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
                content_type = resp.headers.get("Content-Type", "")
        except TimeoutError:
            raise_if_cancelling()
            _LOGGER.warning("feed %s: no answer within the timeout", provider_id)
            return "timeout"
        except aiohttp.ClientError as exc:
            _LOGGER.warning("feed %s unreachable: %s", provider_id, exc)
            return "unreachable"
        outcome = await self._apply(provider_id, feed, body, content_type)
        if outcome == "ok":  # only a document that was applied is not fetched again
            state.etag, state.last_modified = etag, modified
        return outcome

    async def _apply(self, provider_id: str, feed: Feed, body: bytes, content_type: str) -> str:
        try:
            reports = parser_for(feed.format)(body, content_type, provider_id)
        except UnsupportedFormat as exc:
            _LOGGER.error("feed %s: %s", provider_id, exc)
            return "unsupported"
        except InvalidInput as exc:
            _LOGGER.warning("feed %s is malformed at %s: %s", provider_id, exc.field, exc.detail)
            return "malformed"
        foreign = sorted({r.provider_id for r in reports if r.provider_id != provider_id})
        if foreign:
            self._metrics.foreign.labels(provider_id).inc(len([r for r in reports if r.provider_id != provider_id]))
            _LOGGER.warning("feed %s reports for %s: refused", provider_id, ", ".join(foreign))
            return "foreign"
        view, now = self._capacity.view, utcnow()
        updates: list[CapacityUpdate] = []
        try:
            seen: set[str] = set()
            for r in reports:
                if r.care_type in seen:
                    raise InvalidInput(f"{r.care_type} appears twice", field=f"{r.field}care_type")
                seen.add(r.care_type)
                known = view.entries.get((provider_id, r.care_type))
                updates.append(
                    check_update(
                        view.region,
                        provider_id=provider_id,
                        care_type=r.care_type,
                        available=r.available,
                        total=r.total,
                        known_total=known.total if known else None,
                        reported_at=r.reported_at,
                        valid_for_minutes=r.valid_for_minutes or self._settings.default_valid_minutes,
                        now=now,
                        max_skew=timedelta(seconds=self._settings.max_clock_skew_seconds),
                        prefix=r.field,
                    )
                )
        except InvalidInput as exc:
            _LOGGER.warning("feed %s: report refused at %s: %s", provider_id, exc.field, exc.detail)
            return "invalid"
        try:
            results, _ = await self._capacity.report(updates)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.warning("feed %s: the store is unavailable: %s", provider_id, exc.detail)
            return "store_unavailable"
        except ZccError as exc:
            _LOGGER.warning("feed %s: refused by the store: %s", provider_id, exc.detail)
            return "invalid"
        _LOGGER.info(
            "feed %s: %d report(s) applied, %d stale_ignored",
            provider_id,
            sum(r.status == "applied" for r in results),
            sum(r.status == "stale_ignored" for r in results),
        )
        return "ok"
