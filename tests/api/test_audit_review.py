"""Audit review: filters by time, person, patient and outcome; the CSV export; ``zcc audit verify`` on both stores."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from capacity.store import open_stores

from ..http_helpers import Client, auth, make_app, started, token
from ..regions import tiny_region


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


async def _accesses(client: Client) -> tuple[str, str]:
    """A few allowed and denied reads of two patients' records; the admin token and the nurse's practitioner."""
    admin = await token(client.app, "admin")
    nurse = await token(client.app, "triage", practitioner="AGB-777")
    for ref in ("p-1", "p-2"):
        assert (await client.get(f"/api/v1/trajectories/{ref}", headers=auth(nurse))).status == 403
        assert (await client.get(f"/api/v1/trajectories/{ref}", headers=auth(admin))).status in (200, 404)
    return admin, "AGB-777"


async def test_filters_by_person_patient_outcome_and_time(client: Client) -> None:
    admin, nurse_id = await _accesses(client)

    async def entries(**params: str) -> list[dict[str, object]]:
        resp = await client.get("/api/v1/audit", params=params, headers=auth(admin))
        assert resp.status == 200, await resp.text()
        got: list[dict[str, object]] = (await resp.json())["entries"]
        return got

    denied = await entries(outcome="denied")
    assert {(e["patient_ref"], e["outcome"]) for e in denied} == {("p-1", "denied"), ("p-2", "denied")}
    by_nurse = await entries(person=nurse_id)
    assert len(by_nurse) == 2 and all(e["user"]["practitioner"] == nurse_id for e in by_nurse)  # type: ignore[index]
    one = await entries(patient_ref="p-2", outcome="allowed")
    # the admin's read, then this very search of the audit (audited before it runs)
    assert [(e["patient_ref"], e["action"]) for e in one] == [("p-2", "read"), ("p-2", "search")]
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert await entries(since=later) == []
    assert (await client.get("/api/v1/audit", params={"outcome": "maybe"}, headers=auth(admin))).status == 422
    every = await entries()
    assert all(len(str(e["hash"])) == 64 for e in every)


async def test_csv_export_streams_every_matching_entry(client: Client) -> None:
    admin, _ = await _accesses(client)
    resp = await client.get("/api/v1/audit", params={"outcome": "denied"}, headers=auth(admin, Accept="text/csv"))
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(r["patient_ref"], r["outcome"], r["user_role"], r["user_practitioner"]) for r in rows] == [
        ("p-1", "denied", "triage", "AGB-777"),
        ("p-2", "denied", "triage", "AGB-777"),
    ]
    assert all(len(r["hash"]) == 64 and r["at"] for r in rows)


def _zcc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coordinator.cli", *args], capture_output=True, text=True, check=False, timeout=60
    )


async def test_zcc_audit_verify_finds_an_altered_entry(store_url: str) -> None:
    stores = open_stores(store_url, "limburg")
    await stores.backend.open()
    try:
        now = utcnow()
        for i in range(6):
            body = json.dumps({"action": "read", "patient_ref": "p-1", "n": i})
            await stores.audit.append(body, now + timedelta(milliseconds=i), "p-1", 30)
        fourth = (await stores.audit.chain())[3]
    finally:
        await stores.backend.close()
    ok = _zcc("audit", "verify", "--store", store_url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"checked": 6, "before_chain": 0, "intact": True}

    forged = json.dumps({"action": "read", "patient_ref": "p-2", "n": 3})  # someone hides whose record it was
    if store_url.startswith("sqlite"):
        db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        db.execute("UPDATE audit SET data = ? WHERE id = ?", (forged, int(fourth.id)))
        db.commit()
        db.close()
    else:
        r = redis.Redis.from_url(store_url, decode_responses=True)
        key = "zcc:{limburg}:audit"
        members: list[tuple[str, float]] = r.zrange(key, 0, -1, withscores=True)  # type: ignore[assignment]
        member, score = next(m for m in members if m[0].startswith(fourth.id + " "))
        r.zrem(key, member)
        r.zadd(key, {member.rsplit(" ", 1)[0].rsplit(" {", 1)[0] + " " + forged: score})
        r.close()
    bad = _zcc("audit", "verify", "--store", store_url)
    assert bad.returncode == 3, bad.stderr
    report = json.loads(bad.stdout)
    assert report["intact"] is False
    assert report["broken"] == {
        "seq": fourth.seq,
        "id": fourth.id,
        "code": "altered",
        "detail": "the stored text does not match its hash",
    }
    assert f"#{fourth.seq}" in bad.stderr
