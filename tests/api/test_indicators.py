"""The region's figures after placement over real HTTP on both stores: JSON, CSV, the window, and the metrics."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from capacity.clock import utcnow

from ..http_helpers import Client, auth, iso, token
from .test_followup import AT_B, client, hook, place, post, setup

__all__ = ["client", "hook"]


async def test_the_figures_follow_the_reports_as_json_csv_and_metrics(client: Client) -> None:
    _, nurse, vvt_a = await setup(client)
    first = await place(client, nurse)  # arrives, is admitted and discharged, then comes back within 30 days
    assert (await post(client, vvt_a, first, "arrived", {}))[0] == 200
    assert (await post(client, vvt_a, first, "discharge", {"destination": "home"}))[0] == 200
    second = await place(client, nurse, "p-0002")  # refused at the door
    assert (await post(client, vvt_a, second, "outcome", {"outcome": "refused", "reason": "other"}))[0] == 200
    body = {
        "patient_ref": "p-7f3a",
        "age": 86,
        "location": AT_B,
        "complaint": "dyspnoe",
        "answers": {
            "dys_ademt_niet": False,
            "dys_geen_zinnen": False,
            "dys_pijn_borst": False,
            "dys_copd_hartfalen": False,
            "dys_koorts_oudere": False,
            "dys_toenemend": False,
        },
    }
    assert (await client.post("/api/v1/requests", json=body, headers=auth(nurse))).status == 201

    ops = await token(client.app, "ops")
    resp = await client.get("/api/v1/indicators", headers=auth(ops))
    assert resp.status == 200, await resp.text()
    data = await resp.json()
    region = data["region"]
    assert (region["placements"], region["refusals_at_door"], region["discharges"]) == (2, 1, 1)
    assert region["readmissions_30d"] == 1 and region["within_window"] == 2 and region["within_window_share"] == 1.0
    assert region["request_to_arrival_minutes"]["n"] == 2 and region["length_of_stay_hours"]["n"] == 1
    (group,) = data["groups"]
    assert (group["provider_kind"], group["care_type"], group["placements"]) == ("vvt", "elv_hoog", 2)

    resp = await client.get("/api/v1/indicators", headers=auth(ops, Accept="text/csv"))
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(r["provider_kind"], r["care_type"]) for r in rows] == [("vvt", "elv_hoog"), ("all", "all")]
    assert rows[-1]["refusals_at_door"] == "1" and rows[-1]["readmissions_30d"] == "1"

    # the window: placements confirmed before it are not counted
    later = iso(utcnow() + timedelta(minutes=1))
    empty = await (await client.get("/api/v1/indicators", params={"from": later}, headers=auth(ops))).json()
    assert empty["region"]["placements"] == 0 and empty["groups"] == []
    resp = await client.get("/api/v1/indicators", params={"from": "gisteren"}, headers=auth(ops))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "from"
    assert (await client.get("/api/v1/indicators", headers=auth(vvt_a))).status == 403

    metrics = await (await client.get("/metrics")).text()
    assert 'zcc_refusals_at_door_total{care_type="elv_hoog",provider_kind="vvt"} 1.0' in metrics
    assert 'zcc_readmissions_30d_total{care_type="elv_hoog",provider_kind="vvt"} 1.0' in metrics
    assert 'zcc_followup_reports_total{report="discharged"} 1.0' in metrics
    assert 'zcc_placements_within_window_total{care_type="elv_hoog",provider_kind="vvt",within="yes"} 2.0' in metrics
    assert 'zcc_length_of_stay_seconds_count{care_type="elv_hoog",provider_kind="vvt"} 1.0' in metrics
    assert 'zcc_request_to_arrival_seconds_count{care_type="elv_hoog",provider_kind="vvt"} 2.0' in metrics
