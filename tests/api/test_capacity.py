"""The capacity API over real HTTP against the real app (embedded store)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.keys import STORES

from ..http_helpers import Client, auth, iso, make_app, report, token
from ..regions import tiny_region


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await aiohttp_client(make_app(f"sqlite:///{tmp_path}/zcc.db", tiny_region()))


async def board(client: Client, tok: str, **params: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/capacity", headers=auth(tok), params=params)
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


def entry(data: dict[str, Any], pid: str, ct: str) -> dict[str, Any]:
    return next(e for e in data["entries"] if (e["provider_id"], e["care_type"]) == (pid, ct))


async def events_count(client: Client) -> int:
    """Events of capacity and requests (a token's creation is an event too, and is not counted)."""
    events = await client.app[STORES].events.events_after("0", 100_000)
    return sum(1 for e in events if not e.type.startswith("token."))


async def test_health_ready_and_openapi_need_no_token(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["degraded"] is False
    spec = await (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/capacity", "/api/v1/capacity/stream", "/api/v1/providers"} <= set(spec["paths"])


async def test_openapi_document_is_valid_openapi_31(client: Client) -> None:
    from openapi_spec_validator import validate

    spec = await (await client.get("/api/v1/openapi.json")).json()
    validate(spec)
    # every route the app serves is documented
    served = {r.resource.canonical for r in client.app.router.routes() if r.resource is not None and r.method != "HEAD"}
    assert served <= set(spec["paths"])


async def test_provider_posts_and_board_shows_it(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    reader = await token(client.app, "dispatch")
    resp = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 3, 5), headers=auth(prov))
    assert resp.status == 200
    assert await resp.json() == {"results": [{"provider_id": "vvt-a", "care_type": "elv_hoog", "status": "applied"}]}
    data = await board(client, reader)
    assert data["region"] == "tiny" and data["degraded"] is False
    e = entry(data, "vvt-a", "elv_hoog")
    assert (e["available"], e["held"], e["total"], e["free"], e["stale"]) == (3, 0, 5, 3, False)
    # never reported: stale, availability unknown
    e2 = entry(data, "vvt-c", "elv_hoog")
    assert e2["stale"] is True and e2["free"] is None and e2["reported_at"] is None


async def test_batch_is_applied_together(client: Client) -> None:
    admin = await token(client.app, "admin")
    body = {
        "updates": [
            report("vvt-a", "elv_hoog", 1, 5),
            report("zh-e", "seh", 2, 4),
            report("hap-b", "hap_consult", 6),
        ]
    }
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin))
    assert resp.status == 200
    assert [r["status"] for r in (await resp.json())["results"]] == ["applied"] * 3
    data = await board(client, admin)
    assert entry(data, "zh-e", "seh")["available"] == 2
    assert entry(data, "hap-b", "hap_consult")["total"] == 6  # defaulted to the configured total


async def test_board_filters(client: Client) -> None:
    admin = await token(client.app, "admin")
    assert {e["care_type"] for e in (await board(client, admin, care_type="elv_hoog"))["entries"]} == {"elv_hoog"}
    assert {e["kind"] for e in (await board(client, admin, kind="hospital,hap"))["entries"]} == {
        "hospital",
        "hap",
    }
    assert {e["provider_id"] for e in (await board(client, admin, provider="vvt-a"))["entries"]} == {"vvt-a"}
    resp = await client.get("/api/v1/capacity", headers=auth(admin), params={"care_type": "nonsense"})
    assert resp.status == 422 and (await resp.json())["field"] == "care_type"


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        (report("vvt-a", "elv_hoog", 6, 5), 422, "available", "more than total"),
        (report("vvt-a", "elv_hoog", -1, 5), 422, "available", "greater than or equal"),
        (report("vvt-a", "elv_hoog", 6), 422, "available", "more than total (5)"),
        (report("vvt-zz", "elv_hoog", 1, 5), 422, "provider_id", "unknown provider"),
        (report("vvt-a", "warp_drive", 1, 5), 422, "care_type", "unknown care type"),
        (report("vvt-a", "seh", 1, 5), 422, "care_type", "does not offer"),
        ({"provider_id": "vvt-a", "care_type": "elv_hoog", "available": 1}, 422, "reported_at", "missing"),
        (report("vvt-a", "elv_hoog", 1, 5) | {"available": "1"}, 422, "available", "integer"),
        (
            report("vvt-a", "elv_hoog", 1, 5) | {"reported_at": "2026-11-23T14:00:00"},
            422,
            "reported_at",
            "offset",
        ),
        (report("vvt-a", "elv_hoog", 1, 5) | {"reported_at": "yesterday"}, 422, "reported_at", "ISO 8601"),
        (report("vvt-a", "elv_hoog", 1, 5, at=utcnow() + timedelta(hours=1)), 422, "reported_at", "future"),
        (
            report("vvt-a", "elv_hoog", 1, 5) | {"valid_for_minutes": 0},
            422,
            "valid_for_minutes",
            "greater than",
        ),
        (report("vvt-a", "elv_hoog", 1, 5) | {"availble": 1}, 422, "availble", "unknown field"),
        ({"updates": []}, 422, "updates", "at least 1"),
        (
            {"updates": [report("vvt-a", "elv_hoog", 1, 5), report("zh-e", "seh", 9, 4)]},
            422,
            "updates[1].available",
            "more than total",
        ),
        (
            {"updates": [report("vvt-a", "elv_hoog", 1, 5), report("vvt-a", "elv_hoog", 2, 5)]},
            422,
            "updates[1].care_type",
            "twice",
        ),
        ([1, 2], 422, "body", "object"),
    ],
)
async def test_bad_updates_are_refused_naming_the_field_and_change_nothing(
    client: Client, body: Any, status: int, field: str, words: str
) -> None:
    admin = await token(client.app, "admin")
    before = await board(client, admin)
    n_events = await events_count(client)
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin))
    assert resp.status == status
    assert resp.content_type == "application/problem+json"
    problem = await resp.json()
    assert problem["field"] == field, problem
    assert words in problem["detail"], problem
    after = await board(client, admin)
    assert [e | {"age_seconds": 0} for e in after["entries"]] == [e | {"age_seconds": 0} for e in before["entries"]]
    assert await events_count(client) == n_events


async def test_malformed_json_wrong_type_and_oversized_body(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    client = await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), max_body_bytes=4096))
    admin = await token(client.app, "admin")
    resp = await client.post(
        "/api/v1/capacity",
        data=b'{"provider_id": ',
        headers=auth(admin, **{"Content-Type": "application/json"}),
    )
    assert resp.status == 400 and "not valid JSON" in (await resp.json())["detail"]
    resp = await client.post(
        "/api/v1/capacity", data=b"available=3", headers=auth(admin, **{"Content-Type": "text/plain"})
    )
    assert resp.status == 415 and resp.content_type == "application/problem+json"
    big = {"updates": [report("vvt-a", "elv_hoog", 1, 5)] * 200}
    resp = await client.post("/api/v1/capacity", json=big, headers=auth(admin))
    assert resp.status == 413 and "4096" in (await resp.json())["detail"]
    assert await events_count(client) == 0


async def test_batch_over_the_limit_is_refused(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    client = await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), max_batch=2))
    admin = await token(client.app, "admin")
    body = {
        "updates": [
            report("vvt-a", "elv_hoog", 1, 5),
            report("zh-e", "seh", 1),
            report("hap-b", "hap_consult", 1),
        ]
    }
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin))
    assert resp.status == 422 and (await resp.json())["field"] == "updates"


async def test_older_report_is_stale_ignored(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    now = utcnow()
    await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 4, 5, at=now), headers=auth(prov))
    resp = await client.post(
        "/api/v1/capacity",
        json=report("vvt-a", "elv_hoog", 0, 5, at=now - timedelta(minutes=10)),
        headers=auth(prov),
    )
    assert (await resp.json())["results"][0]["status"] == "stale_ignored"
    assert entry(await board(client, prov), "vvt-a", "elv_hoog")["available"] == 4


async def test_idempotency_key_returns_first_response_and_applies_once(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    body = report("vvt-a", "elv_hoog", 4, 5)
    first = await client.post("/api/v1/capacity", json=body, headers=auth(prov, **{"Idempotency-Key": "abc-1"}))
    n = await events_count(client)
    second = await client.post("/api/v1/capacity", json=body, headers=auth(prov, **{"Idempotency-Key": "abc-1"}))
    assert first.status == second.status == 200
    assert await first.json() == await second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await events_count(client) == n
    other = await client.post(
        "/api/v1/capacity",
        json=report("vvt-a", "elv_hoog", 1, 5),
        headers=auth(prov, **{"Idempotency-Key": "abc-1"}),
    )
    assert other.status == 422 and (await other.json())["field"] == "Idempotency-Key"
    assert entry(await board(client, prov), "vvt-a", "elv_hoog")["available"] == 4


async def test_expired_report_reads_stale_and_not_free(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    old = utcnow() - timedelta(minutes=30)
    resp = await client.post(
        "/api/v1/capacity", json=report("vvt-a", "elv_hoog", 4, 5, at=old, minutes=20), headers=auth(prov)
    )
    assert resp.status == 200
    e = entry(await board(client, prov), "vvt-a", "elv_hoog")
    assert e["stale"] is True and e["free"] is None and e["available"] == 4


async def test_auth_rules(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    dispatch = await token(client.app, "dispatch")
    resp = await client.get("/api/v1/capacity")
    assert resp.status == 401 and resp.content_type == "application/problem+json"
    assert "Bearer" in resp.headers["WWW-Authenticate"]
    assert (await client.get("/api/v1/capacity", headers=auth("zcc_not-a-token"))).status == 401
    assert (await client.get("/api/v1/capacity", headers={"Authorization": "Basic abc"})).status == 401
    # a provider token writes only its own providers
    resp = await client.post("/api/v1/capacity", json=report("vvt-c", "elv_hoog", 1, 10), headers=auth(prov))
    assert resp.status == 403 and (await resp.json())["field"] == "provider_id"
    mixed = {"updates": [report("vvt-a", "elv_hoog", 1, 5), report("vvt-c", "elv_hoog", 1, 10)]}
    resp = await client.post("/api/v1/capacity", json=mixed, headers=auth(prov))
    assert resp.status == 403 and (await resp.json())["field"] == "updates[1].provider_id"
    assert entry(await board(client, prov), "vvt-a", "elv_hoog")["reported_at"] is None  # nothing applied
    # dispatch reads but never writes
    resp = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 1, 5), headers=auth(dispatch))
    assert resp.status == 403
    assert (await client.get("/api/v1/providers", headers=auth(dispatch))).status == 200


async def test_stop_and_open_a_provider(client: Client) -> None:
    prov = await token(client.app, "provider", "zh-e")
    other = await token(client.app, "provider", "vvt-a")
    until = utcnow() + timedelta(hours=2)
    url = "/api/v1/providers/zh-e/status"
    resp = await client.post(url, json={"status": "stop", "reason": "SEH vol", "until": iso(until)}, headers=auth(prov))
    assert resp.status == 200 and (await resp.json())["status"] == "stop"
    e = entry(await board(client, prov), "zh-e", "seh")
    assert e["stop"]["reason"] == "SEH vol"
    providers = (await (await client.get("/api/v1/providers", headers=auth(prov))).json())["providers"]
    assert next(p for p in providers if p["id"] == "zh-e")["stop"]["reason"] == "SEH vol"
    assert (await client.post(url, json={"status": "stop", "reason": "x"}, headers=auth(other))).status == 403
    bad = await client.post(url, json={"status": "stop", "reason": ""}, headers=auth(prov))
    assert bad.status == 422 and (await bad.json())["field"] == "reason"
    past = await client.post(
        url,
        json={"status": "stop", "reason": "x", "until": iso(utcnow() - timedelta(hours=1))},
        headers=auth(prov),
    )
    assert past.status == 422 and (await past.json())["field"] == "until"
    assert (
        await client.post("/api/v1/providers/nope/status", json={"status": "open"}, headers=auth(prov))
    ).status == 404
    resp = await client.post(url, json={"status": "open"}, headers=auth(prov))
    assert resp.status == 200
    assert entry(await board(client, prov), "zh-e", "seh")["stop"] is None


async def test_unknown_route_and_method_are_problems(client: Client) -> None:
    admin = await token(client.app, "admin")
    resp = await client.get("/api/v1/nothing", headers=auth(admin))
    assert resp.status == 404 and resp.content_type == "application/problem+json"
    resp = await client.delete("/api/v1/capacity", headers=auth(admin))
    assert resp.status == 405 and resp.content_type == "application/problem+json"


async def test_metrics_count_updates_and_show_gauges(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 3, 5), headers=auth(prov))
    await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 9, 5), headers=auth(prov))
    await client.get("/api/v1/capacity", headers=auth(prov))
    text = await (await client.get("/metrics")).text()
    assert 'zcc_capacity_updates_total{result="applied"} 1.0' in text
    assert 'zcc_capacity_updates_rejected_total{reason="available_over_total"} 1.0' in text
    assert 'zcc_capacity_available{care_type="elv_hoog"} 3.0' in text
    assert 'route="capacity_get"' in text and 'route="capacity_post"' in text
    assert "zcc_capacity_oldest_fresh_age_seconds" in text and "zcc_view_lag_seconds" in text
    assert 'zcc_capacity_stale_entries{kind="hospital"} 1.0' in text


async def test_stream_sends_board_then_live_changes(client: Client) -> None:
    prov = await token(client.app, "provider", "vvt-a")
    resp = await client.get("/api/v1/capacity/stream", headers=auth(prov), params={"care_type": "elv_hoog"})
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")

    async def next_event() -> tuple[str, Any]:
        name, data = "", None
        while True:
            line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and name:
                return name, data

    name, data = await next_event()
    assert name == "board" and {e["care_type"] for e in data["entries"]} == {"elv_hoog"}
    await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 2, 5), headers=auth(prov))
    name, data = await next_event()
    assert name == "entry" and (data["provider_id"], data["available"], data["stale"]) == ("vvt-a", 2, False)
    resp.close()
