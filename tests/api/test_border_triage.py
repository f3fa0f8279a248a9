"""Across the border in triage: with no place at home in the urgency window, proposals from the neighbouring region.

The shipped Limburg region with the shipped neighbouring file (config/regions/nijmegen-boxmeer.yaml) as
``--neighbour``; the neighbour's own service posts its capacity on the same Redis, which the home service reads.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_aiohttp import AiohttpClient

from capacity.model import Region
from capacity.region import load_care_types, load_region

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
GENNEP = {"lat": 51.6983, "lon": 5.9736}


@functools.cache
def regions() -> tuple[Region, Region]:
    """Limburg and its shipped neighbour across the border near Gennep and Mook."""
    care_types = load_care_types(None)
    return load_region(None, care_types), load_region(ROOT / "config/regions/nijmegen-boxmeer.yaml", care_types)


def answers_up_to(complaint: str, question: str) -> dict[str, bool]:
    """Every question of ``complaint`` before ``question`` answered no, and ``question`` yes."""
    protocol: Any = yaml.safe_load((ROOT / "config/triage.yaml").read_text(encoding="utf-8"))
    [c] = [c for c in protocol["complaints"] if c["id"] == complaint]
    ids: list[str] = [q["id"] for q in c["questions"]]
    return {q: q == question for q in ids[: ids.index(question) + 1]}


BODY: dict[str, Any] = {
    "patient_ref": "p-gennep",
    "age": 58,
    "location": GENNEP,
    "complaint": "buikpijn",
    "answers": answers_up_to("buikpijn", "buik_bloed"),  # U2: seh within the hour
}


async def post(client: Client, tok: str, *updates: dict[str, Any]) -> None:
    resp = await client.post("/api/v1/capacity", json={"updates": list(updates)}, headers=auth(tok))
    assert resp.status == 200, await resp.text()


async def test_triage_proposes_places_across_the_border_when_none_at_home_fits(
    aiohttp_client: AiohttpClient, redis_url: str
) -> None:
    home, neighbour = regions()
    client = await started(
        aiohttp_client, make_app(redis_url, home, neighbour_poll_seconds=0.1, neighbours=(neighbour,))
    )
    nb = await started(aiohttp_client, make_app(redis_url, neighbour))  # the neighbour's own service
    nurse, admin, nb_admin = (
        await token(client.app, "triage"),
        await token(client.app, "admin"),
        await token(nb.app, "admin"),
    )
    # Every SEH at home is full; across the border the Maasziekenhuis has room.
    await post(client, admin, *(report(p.id, "seh", 0, 6) for p in home.providers.values() if "seh" in p.offers))
    await post(nb, nb_admin, report("zh-maasziekenhuis", "seh", 2, 5), report("zh-radboudumc", "seh", 0, 12))

    async def proposed_across() -> dict[str, Any]:
        created = await client.post("/api/v1/requests", json=BODY, headers=auth(nurse))
        assert created.status == 201, await created.text()
        rec: dict[str, Any] = await created.json()
        assert rec["urgency"] == "U2" and rec["proposals"], rec
        return rec

    rec = await eventually(proposed_across, timeout=10, what="the neighbour's capacity read through the poll")
    first = rec["proposals"][0]
    assert (first["provider_id"], first["care_type"]) == ("zh-maasziekenhuis", "seh")
    assert (first["cross_region"], first["region"]) == (True, "nijmegen-boxmeer")
    assert first["region_name"] == "Nijmegen en Land van Cuijk (buurregio)"
    assert first["travel_minutes"] <= rec["target_minutes"]
    assert any(r.startswith("over de grens (Nijmegen en Land van Cuijk") for r in first["reasons"])
    assert all(p["cross_region"] for p in rec["proposals"])
    assert "zh-radboudumc" not in {p["provider_id"] for p in rec["proposals"]}  # full there too
    # zcc holds no place in another region: the nurse is told to reserve it through that region's ZCC.
    place = {"provider_id": "zh-maasziekenhuis", "care_type": "seh"}
    held = await client.post(f"/api/v1/requests/{rec['id']}/reserve", json=place, headers=auth(nurse))
    assert held.status == 409 and "over de grens" in (await held.json())["detail"]

    # As soon as a place at home fits the window, the home region is proposed and nothing across the border.
    await post(client, admin, report("zh-venlo", "seh", 2, 9))
    created = await client.post("/api/v1/requests", json=BODY | {"patient_ref": "p-gennep-2"}, headers=auth(nurse))
    again = await created.json()
    assert again["proposals"] and not any(p["cross_region"] for p in again["proposals"])
    assert again["proposals"][0]["provider_id"] == "zh-venlo"
