"""Webhook subscriptions against a local receiver: signed, retried after failures, listed, never leaking the secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpServer

from capacity.clock import utcnow

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, token
from ..regions import tiny_region
from .helpers import Receiver, signed

ClientFactory = Callable[..., Awaitable[Client]]
SECRET = "een-geheim-van-de-zcc-1234"
FAST: dict[str, Any] = {
    "webhook_first_backoff_seconds": 0.05,
    "subscription_refresh_seconds": 0.2,
    "event_check_seconds": 0.1,
}


async def _receiver(aiohttp_server: AiohttpServer, fail_first: int = 0) -> tuple[Receiver, str]:
    receiver = Receiver(fail_first)
    server = await aiohttp_server(receiver.app())
    return receiver, str(server.make_url("/hook"))


async def _client(aiohttp_client: ClientFactory, url: str) -> Client:
    return await aiohttp_client(make_app(url, tiny_region(), **FAST))


async def _subscribe(client: Client, tok: str, url: str, **extra: Any) -> dict[str, Any]:
    resp = await client.post("/api/v1/subscriptions", json={"url": url, "secret": SECRET, **extra}, headers=auth(tok))
    assert resp.status == 201, await resp.text()
    doc: dict[str, Any] = await resp.json()
    return doc


async def _stop(client: Client, provider: str, status: str = "stop") -> None:
    tok = await token(client.app, "admin")
    body = {"status": status, "reason": "SEH vol"} if status == "stop" else {"status": "open"}
    resp = await client.post(f"/api/v1/providers/{provider}/status", json=body, headers=auth(tok))
    assert resp.status == 200, await resp.text()


async def test_a_stop_and_a_reopening_arrive_signed_and_the_secret_is_never_shown_or_logged(
    aiohttp_client: ClientFactory, aiohttp_server: AiohttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver, hook = await _receiver(aiohttp_server)
    client = await _client(aiohttp_client, f"sqlite:///{tmp_path}/z.db")
    ops = await token(client.app, "ops")
    sub = await _subscribe(client, ops, hook, events=["provider.stopped", "provider.reopened"])
    assert "secret" not in sub and sub["events"] == ["provider.stopped", "provider.reopened"]
    listed = await (await client.get("/api/v1/subscriptions", headers=auth(ops))).json()
    assert [s["id"] for s in listed["subscriptions"]] == [sub["id"]]
    assert SECRET not in json.dumps(listed)
    one = await client.get(f"/api/v1/subscriptions/{sub['id']}", headers=auth(ops))
    assert one.status == 200 and SECRET not in await one.text()

    await _stop(client, "zh-e")
    await _stop(client, "zh-e", "open")

    def arrived() -> None:
        assert [e["event"] for e in receiver.events()] == ["provider.stopped", "provider.reopened"]

    await eventually(arrived, what="the stop and the reopening at the receiver")
    for headers, body in receiver.calls:
        assert signed(SECRET, body, headers["X-Zcc-Signature"])
    stopped = receiver.events("provider.stopped")[0]
    assert stopped["data"]["provider_id"] == "zh-e" and stopped["data"]["reason"] == "SEH vol"
    assert stopped["subscription_id"] == sub["id"] and stopped["region"] == "tiny"
    assert all(SECRET not in r.getMessage() for r in caplog.records)


async def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(
    aiohttp_client: ClientFactory, aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    receiver, hook = await _receiver(aiohttp_server, fail_first=2)
    client = await _client(aiohttp_client, f"sqlite:///{tmp_path}/z.db")
    ops = await token(client.app, "ops")
    sub = await _subscribe(client, ops, hook)
    await _stop(client, "hap-b")

    async def delivered() -> list[dict[str, Any]]:
        doc = await (await client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=auth(ops))).json()
        assert [(d["event"], d["status"], d["attempts"]) for d in doc["deliveries"]] == [
            ("provider.stopped", "delivered", 3)
        ]
        return list(doc["deliveries"])

    found = await eventually(delivered, what="the delivery recorded as delivered after three attempts")
    assert found[0]["last_status"] == 204
    assert len(receiver.calls) == 3 and len({b for _, b in receiver.calls}) == 1  # the same signed body each time


async def test_free_places_below_a_threshold_and_an_entry_going_stale(
    aiohttp_client: ClientFactory, aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    receiver, hook = await _receiver(aiohttp_server)
    client = await _client(aiohttp_client, f"sqlite:///{tmp_path}/z.db")
    ops = await token(client.app, "ops")
    prov = await token(client.app, "provider", "vvt-a", "vvt-c")
    await _subscribe(
        client, ops, hook, events=["capacity.below_threshold", "capacity.stale"], thresholds={"elv_hoog": 3}
    )
    ok = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 5), headers=auth(prov))
    assert ok.status == 200
    # Fresh for about one more second: it runs out while the test watches.
    short = report("vvt-c", "elv_hoog", 4, at=utcnow() - timedelta(seconds=59), minutes=1)
    assert (await client.post("/api/v1/capacity", json=short, headers=auth(prov))).status == 200
    ok = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 2), headers=auth(prov))
    assert ok.status == 200

    def below() -> None:
        events = receiver.events("capacity.below_threshold")
        assert events and events[-1]["data"] == {"care_type": "elv_hoog", "free": 2, "threshold": 3}

    await eventually(below, what="capacity.below_threshold")

    def stale() -> None:
        events = receiver.events("capacity.stale")
        assert [(e["data"]["provider_id"], e["data"]["care_type"]) for e in events] == [("vvt-c", "elv_hoog")]

    await eventually(stale, what="capacity.stale for the report that ran out")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x", "secret": SECRET}, "url"),
        ({"url": "https://example.org/x"}, "secret"),
        ({"url": "https://example.org/x", "secret": "kort"}, "secret"),
        ({"url": "https://example.org/x", "secret": SECRET, "events": ["provider.exploded"]}, "events[0]"),
        ({"url": "https://example.org/x", "secret": SECRET, "thresholds": {"ijs": 2}}, "thresholds.ijs"),
        ({"url": "https://example.org/x", "secret": SECRET, "thresholds": {"elv_hoog": 0}}, "thresholds.elv_hoog"),
        ({"url": "https://example.org/x", "secret": SECRET, "colour": "blue"}, "colour"),
        ({"url": "https://example.org/x", "secret": SECRET, "thresholds": None}, "thresholds"),
        ({"url": "https://example.org/x", "secret": SECRET, "events": None}, "events"),
    ],
)
async def test_bad_subscriptions_are_refused_naming_the_field(
    aiohttp_client: ClientFactory, tmp_path: Path, body: dict[str, Any], field: str
) -> None:
    client = await _client(aiohttp_client, f"sqlite:///{tmp_path}/z.db")
    ops = await token(client.app, "ops")
    resp = await client.post("/api/v1/subscriptions", json=body, headers=auth(ops))
    assert resp.status == 422
    problem = await resp.json()
    assert problem["field"] == field, problem
    assert SECRET not in json.dumps(problem)
    listed = await (await client.get("/api/v1/subscriptions", headers=auth(ops))).json()
    assert listed["subscriptions"] == []


async def test_only_ops_and_admin_manage_subscriptions(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await _client(aiohttp_client, f"sqlite:///{tmp_path}/z.db")
    body = {"url": "https://example.org/x", "secret": SECRET}
    for role in ("triage", "dispatch"):
        tok = await token(client.app, role)
        assert (await client.post("/api/v1/subscriptions", json=body, headers=auth(tok))).status == 403
        assert (await client.get("/api/v1/subscriptions", headers=auth(tok))).status == 403
    admin = await token(client.app, "admin")
    sub = await _subscribe(client, admin, "https://example.org/x")
    assert (await client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=auth(admin))).status == 200
    assert (await client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=auth(admin))).status == 204
    assert (await client.get(f"/api/v1/subscriptions/{sub['id']}", headers=auth(admin))).status == 404


@pytest.mark.redis
async def test_two_instances_deliver_each_event_once(
    aiohttp_client: ClientFactory, aiohttp_server: AiohttpServer, redis_url: str, tmp_path: Path
) -> None:
    receiver, hook = await _receiver(aiohttp_server)
    region = tiny_region()
    one = await aiohttp_client(make_app(redis_url, region, audit_spool_dir=tmp_path / "s1", **FAST))
    two = await aiohttp_client(make_app(redis_url, region, audit_spool_dir=tmp_path / "s2", **FAST))
    ops = await token(one.app, "ops")
    await _subscribe(one, ops, hook)

    def known_to_both() -> None:
        from coordinator.keys import CONNECTORS

        assert one.app[CONNECTORS].webhooks.subscriptions and two.app[CONNECTORS].webhooks.subscriptions

    await eventually(known_to_both, what="the subscription read by the second instance")
    await _stop(one, "zh-e")

    def stopped() -> None:
        assert len(receiver.events("provider.stopped")) == 1

    await eventually(stopped)
    await _stop(two, "zh-e", "open")

    def reopened() -> None:
        assert len(receiver.events("provider.reopened")) == 1

    await eventually(reopened)
    # Both instances saw both events; each arrived once.
    assert [json.loads(b)["event"] for _, b in receiver.calls] == ["provider.stopped", "provider.reopened"]


@pytest.mark.redis
async def test_a_neighbouring_regions_seh_stop_is_delivered(
    aiohttp_client: ClientFactory, aiohttp_server: AiohttpServer, redis_url: str, tmp_path: Path
) -> None:
    from coordinator.keys import CONNECTORS, ROUTING

    receiver, hook = await _receiver(aiohttp_server)
    neighbour = tiny_region("buur")
    theirs = await aiohttp_client(make_app(redis_url, neighbour, audit_spool_dir=tmp_path / "s1"))
    ours = await aiohttp_client(
        make_app(
            redis_url,
            tiny_region("thuis"),
            neighbours=(neighbour,),
            audit_spool_dir=tmp_path / "s2",
            neighbour_poll_seconds=0.1,
            **FAST,
        )
    )
    await _subscribe(ours, await token(ours.app, "ops"), hook, events=["neighbour.seh_stopped"])

    def neighbour_seen() -> None:
        assert ours.app[ROUTING].boards["buur"].read_at is not None
        assert "buur" in ours.app[CONNECTORS].detector._neighbour_stops  # its first sight is the baseline

    await eventually(neighbour_seen, what="the neighbour's board read")
    await _stop(theirs, "zh-e")

    def delivered() -> None:
        events = receiver.events("neighbour.seh_stopped")
        assert [(e["data"]["region"], e["data"]["provider_id"]) for e in events] == [("buur", "zh-e")]

    await eventually(delivered, what="neighbour.seh_stopped")
    await _stop(theirs, "vvt-a")  # not an SEH: no event
    await _stop(theirs, "zh-e", "open")
    await eventually(lambda: _seen_open(ours))
    assert len(receiver.events()) == 1


def _seen_open(client: Client) -> None:
    from coordinator.keys import ROUTING

    status = client.app[ROUTING].boards["buur"].statuses["zh-e"]
    assert status.status == "open"
