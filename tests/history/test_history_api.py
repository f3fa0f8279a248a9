"""GET /api/v1/capacity/history through the real app: recorded from reports, gaps for stale stretches, bad input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from capacity.clock import from_ms, to_ms, utcnow
from capacity.store.interop import Sample, bucket_of
from coordinator.keys import CONNECTORS

from ..eventually import eventually
from ..http_helpers import Client, auth, iso, make_app, report, token
from ..regions import tiny_region

ClientFactory = Callable[..., Awaitable[Client]]
HOUR = 3_600_000


@pytest.fixture
async def client(aiohttp_client: ClientFactory, store_url: str) -> Client:
    """The app on each kind of store."""
    return await aiohttp_client(make_app(store_url, tiny_region()))


async def test_a_report_is_recorded_in_the_history(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    assert (
        await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 4), headers=auth(prov))
    ).status == 200
    store = client.app[CONNECTORS].stores.history
    now = to_ms(utcnow())

    async def recorded() -> None:
        got = await store.samples([("vvt-a", "elv_hoog")], 300, bucket_of(now - HOUR, 300), bucket_of(now + HOUR, 300))
        assert [(s.available, s.total) for s in got[("vvt-a", "elv_hoog")]][-1] == (4, 5)

    await eventually(recorded, what="the report in the 5-minute history")


async def test_history_sums_providers_per_step_with_gaps_for_stale_stretches(client: Client) -> None:
    store = client.app[CONNECTORS].stores.history
    t0 = (to_ms(utcnow()) // HOUR) * HOUR - 6 * HOUR  # six whole hours ago
    await store.record(
        [
            (("vvt-a", "elv_hoog"), Sample(t0, 1, 3, 1, 5, t0 + HOUR // 2)),  # fresh for 30 minutes
            (("vvt-a", "elv_hoog"), Sample(t0 + 2 * HOUR, 2, 2, 0, 5, t0 + 5 * HOUR)),
            (("vvt-c", "elv_hoog"), Sample(t0 + 3 * HOUR, 1, 7, 2, 10, t0 + 4 * HOUR)),
        ]
    )
    tok = await token(client.app, "triage")
    q = {"care_type": "elv_hoog", "from": iso(from_ms(t0)), "to": iso(from_ms(t0 + 5 * HOUR)), "step": "1h"}
    resp = await client.get("/api/v1/capacity/history", params=q, headers=auth(tok))
    assert resp.status == 200, await resp.text()
    doc = await resp.json()
    assert doc["step_seconds"] == 3600 and doc["care_type"] == "elv_hoog" and doc["entries"] == 2
    assert [(p["free"], p["held"], p["total"], p["reporting"]) for p in doc["points"]] == [
        (2, 1, 5, 1),
        (None, None, None, 0),  # vvt-a's report ran out at 00:30, nobody else reported: a gap
        (2, 0, 5, 1),
        (7, 2, 15, 2),
        (2, 0, 5, 1),  # vvt-c's ran out at 04:00 exactly
        (None, None, None, 0),  # vvt-a's ran out at 05:00
    ]
    one = await client.get(
        "/api/v1/capacity/history", params={**q, "provider": "vvt-c", "step": "60m"}, headers=auth(tok)
    )
    assert [p["free"] for p in (await one.json())["points"]] == [None, None, None, 5, None, None]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "care_type"),
        ({"care_type": "ijs"}, "care_type"),
        ({"provider": "nergens"}, "provider"),
        ({"care_type": "seh", "provider": "vvt-a"}, "care_type"),
        ({"care_type": "seh", "step": "7m"}, "step"),
        ({"care_type": "seh", "step": "vaak"}, "step"),
        ({"care_type": "seh", "from": "gisteren"}, "from"),
        ({"care_type": "seh", "to": "2026-01-01T00:00:00"}, "to"),
        ({"care_type": "seh", "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"care_type": "seh", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "step": "5m"}, "step"),
        ({"care_type": "seh", "kleur": "blauw"}, "kleur"),
    ],
)
async def test_bad_history_queries_name_the_field(client: Client, query: dict[str, str], field: str) -> None:
    tok = await token(client.app, "dispatch")
    resp = await client.get("/api/v1/capacity/history", params=query, headers=auth(tok))
    assert resp.status == 422
    assert (await resp.json())["field"] == field


async def test_the_default_is_the_last_24_hours_in_5_minute_steps(client: Client) -> None:
    tok = await token(client.app, "provider", "vvt-a")
    doc = await (await client.get("/api/v1/capacity/history?care_type=seh", headers=auth(tok))).json()
    assert doc["step_seconds"] == 300 and len(doc["points"]) in (288, 289)
    assert utcnow() - timedelta(minutes=5) <= datetime.fromisoformat(doc["to"].replace("Z", "+00:00")) <= utcnow()
