"""/metrics tells the truth: every hold transition once, requests by urgency and outcome, store latency."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.keys import METRICS

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region
from .helpers import act, create, scrape

VVT_A = {"provider_id": "vvt-a", "care_type": "elv_hoog"}


async def fill(client: Client, *reports: dict[str, object]) -> None:
    admin = await token(client.app, "admin")
    resp = await client.post("/api/v1/capacity", json={"updates": list(reports)}, headers=auth(admin))
    assert resp.status == 200, await resp.text()


async def holds(client: Client) -> dict[str, float]:
    s = await scrape(client)
    return {e: s.get("zcc_holds_total", event=e) or 0.0 for e in ("taken", "confirmed", "released", "expired")}


async def test_the_holds_counter_counts_each_transition_once_not_each_replay(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    assert await holds(client) == {"taken": 0, "confirmed": 0, "released": 0, "expired": 0}
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 4, 5))

    placed = await create(client, nurse)
    key = {"Idempotency-Key": "k-1"}
    for _ in range(2):  # the replayed reservation answers the same hold and takes nothing more
        status, _ = await act(client, nurse, placed["id"], "reserve", VVT_A, **key)
        assert status == 200
    for _ in range(2):  # a repeated confirm answers the same placement
        status, body = await act(client, nurse, placed["id"], "confirm")
        assert status == 200 and body["status"] == "placed"

    released = await create(client, nurse, patient_ref="p-2")
    assert (await act(client, nurse, released["id"], "reserve", VVT_A))[0] == 200
    for _ in range(2):
        assert (await act(client, nurse, released["id"], "release"))[0] == 200

    cancelled = await create(client, nurse, patient_ref="p-3")
    assert (await act(client, nurse, cancelled["id"], "reserve", VVT_A))[0] == 200
    for _ in range(2):
        assert (await act(client, nurse, cancelled["id"], "cancel", {"reason": "elders"}))[0] == 200

    assert await holds(client) == {"taken": 3, "confirmed": 1, "released": 2, "expired": 0}
    s = await scrape(client)
    assert s.get("zcc_holds_active") == 0


async def test_an_expired_hold_is_counted_once(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), hold_ttl_seconds=0.5)
    client = await started(aiohttp_client, app)
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 4, 5))
    req = await create(client, nurse)
    assert (await act(client, nurse, req["id"], "reserve", VVT_A))[0] == 200

    async def expired() -> None:
        assert (await holds(client))["expired"] == 1

    await eventually(expired, what="the expiry task counted the hold")
    assert await holds(client) == {"taken": 1, "confirmed": 0, "released": 0, "expired": 1}


async def test_requests_by_urgency_and_outcome_escalations_and_time_to_placement(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 4, 5))
    u1 = await create(client, nurse, answers={"dys_ademt_niet": False, "dys_geen_zinnen": True})
    assert u1["urgency"] == "U1"
    u2 = await create(client, nurse, patient_ref="p-9")
    assert (await act(client, nurse, u2["id"], "reserve", VVT_A))[0] == 200
    assert (await act(client, nurse, u2["id"], "confirm"))[0] == 200
    s = await scrape(client)
    assert s.get("zcc_requests_created_total", urgency="U1") == 1
    assert s.get("zcc_requests_created_total", urgency="U2") == 1
    assert s.get("zcc_requests_closed_total", urgency="U1", outcome="escalated") == 1
    assert s.get("zcc_requests_closed_total", urgency="U2", outcome="placed") == 1
    assert s.get("zcc_requests_closed_total", urgency="U2", outcome="cancelled") == 0
    assert s.get("zcc_escalations_112_total", urgency="U1") == 1
    assert s.get("zcc_placement_seconds_count", urgency="U2") == 1
    assert s.get("zcc_placement_seconds_bucket", urgency="U2", le="60.0") == 1  # placed within the test's minute


async def test_store_latency_by_operation_and_the_age_of_the_last_report(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    nurse = await token(client.app, "triage")
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    await fill(client, report("vvt-a", "elv_hoog", 4, 5, at=two_minutes_ago), report("vvt-c", "elv_hoog", 1, 10))
    req = await create(client, nurse)
    assert (await act(client, nurse, req["id"], "reserve", VVT_A))[0] == 200
    s = await scrape(client)
    # Tokens are resolved from the grants in memory: read once at start, never per request.
    for op in ("capacity.apply_updates", "capacity.hold", "records.put_request", "tokens.all"):
        assert s.sum("zcc_store_operation_duration_seconds_count", op=op) >= 1, op
    # The follower's blocking read of the log is a wait, not a latency: not timed.
    assert not any(ls["op"] == "events.events_after" for ls in s.series("zcc_store_operation_duration_seconds_count"))

    age = s.get("zcc_capacity_last_report_age_seconds", kind="vvt", care_type="elv_hoog")
    assert age is not None and age < 60  # vvt-c's report is the newest of vvt elv_hoog
    assert s.get("zcc_capacity_last_report_age_seconds", kind="hap", care_type="hap_consult") is None  # never
    assert s.get("zcc_capacity_free", care_type="elv_hoog") == 4  # 3 + 1, one of vvt-a's held


async def test_the_spool_depth_is_served_from_the_start_and_the_feed_family_once_asked_for(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    app = make_app(f"sqlite:///{tmp_path}/z.db", tiny_region())
    metrics = app[METRICS]
    client = await aiohttp_client(app)
    first = await scrape(client)
    assert first.get("zcc_audit_spool_depth") == 0  # the audit spool (issue 12) watches it from the start
    assert "zcc_feed_polls" not in first.families
    metrics.feed_outcomes().labels("vvt-a", "applied").inc()
    s = await scrape(client)
    assert s.get("zcc_feed_polls_total", provider_id="vvt-a", result="applied") == 1
