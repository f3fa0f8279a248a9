"""Access that follows the care: the nurse who placed a patient keeps reading the record for a while, then not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient

from coordinator.keys import AUDIT

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

REF = "p-care"
BODY = {
    "patient_ref": REF,
    "age": 86,
    "location": {"lat": 50.90, "lon": 5.72},
    "complaint": "dyspnoe",
    "answers": {"dys_copd_hartfalen": True},
}


async def place(client: Client, nurse: str) -> None:
    """The nurse triages the patient and confirms the first proposal."""
    created = await client.post("/api/v1/requests", json=BODY, headers=auth(nurse))
    rec = await created.json()
    first = rec["proposals"][0]
    place = {"provider_id": first["provider_id"], "care_type": first["care_type"]}
    assert (await client.post(f"/api/v1/requests/{rec['id']}/reserve", json=place, headers=auth(nurse))).status == 200
    assert (await client.post(f"/api/v1/requests/{rec['id']}/confirm", headers=auth(nurse))).status == 200


async def test_the_placing_nurse_reads_the_record_until_the_window_closes_and_others_never(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    hours = 5.0 / 3600  # a five-second acute episode
    client = await started(
        aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), care_access_hours=hours)
    )
    admin = await token(client.app, "admin")
    fill = {"updates": [report("vvt-a", "elv_hoog", 3, 5), report("zh-e", "seh", 3, 4)]}
    assert (await client.post("/api/v1/capacity", json=fill, headers=auth(admin))).status == 200
    joke = await token(client.app, "triage")  # no practitioner id: the token is the person
    other = await token(client.app, "triage")
    await place(client, joke)
    read = await client.get(f"/api/v1/trajectories/{REF}", headers=auth(joke))
    assert read.status == 200
    shown = await read.json()
    assert shown["limited"] is True and shown["limited_because"] == "care_episode" and "events" not in shown
    assert (await client.get(f"/api/v1/trajectories/{REF}/fhir", headers=auth(joke))).status == 403
    assert (await client.get(f"/api/v1/trajectories/{REF}", headers=auth(other))).status == 403

    async def window_over() -> None:
        assert (await client.get(f"/api/v1/trajectories/{REF}", headers=auth(joke))).status == 403

    await eventually(window_over, timeout=20, what="the care access window closing")
    entries: list[Any] = await client.app[AUDIT].entries(patient_ref=REF, limit=1000)
    reads = [(e["outcome"], e["basis"]) for e in entries if e["action"] == "read" and e["resource"].endswith(REF)]
    assert reads[0] == ("allowed", "care_episode")
    assert ("denied", "none") in reads and reads[-1] == ("denied", "none")
