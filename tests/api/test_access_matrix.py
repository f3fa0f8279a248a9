"""Who sees which patient data on which basis: every cell of one policy table, and its audit trail.

The table below is the policy (module docstring of coordinator.trajectories, and the README): for each
endpoint that touches patient data, each role, and each basis of access the caller can have to the
patient (on the care team, handling an open request of the patient, none), what the caller gets.
The test builds that situation against the real app, makes the call, and asserts the status, what the
answer shows, and that the call left exactly the audit entries the policy asks: one naming the patient
for a call on one patient; one per patient shown for a list (one without a patient when none is shown,
or when the list is refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from coordinator.keys import AUDIT

from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

ROLES = ("admin", "triage", "dispatch", "provider", "ops")
#: The caller's relation to the patient: on the care team; handling an open request of the patient; none;
#: the nurse (the same person, another token) who triaged and placed the patient, within the care access
#: window after the placement (ZCC_CARE_ACCESS_HOURS) and after it.
BASES = ("care_team", "open_request", "none", "placed_by_me", "placed_by_me_window_over")

#: What a call gets: ``full`` the whole record, ``hints`` only the care-plan hints, ``ok`` done (2xx),
#: ``deny`` 403, ``placed`` 409 (allowed, but a placed request cannot be cancelled).
Outcome = str

# fmt: off
#: (endpoint, role) -> outcome on each basis, in the order of BASES.
POLICY: dict[tuple[str, str], tuple[Outcome, ...]] = {
    ("trajectory.read",   "admin"):  ("full", "full",  "full", "full",   "full"),
    ("trajectory.read",   "triage"): ("full", "hints", "deny", "hints",  "deny"),
    ("trajectory.export", "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("trajectory.export", "triage"): ("ok",   "deny",  "deny", "deny",   "deny"),
    ("trajectory.update", "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("trajectory.update", "triage"): ("ok",   "deny",  "deny", "deny",   "deny"),
    ("request.read",      "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.read",      "triage"): ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.list",      "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.list",      "triage"): ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.optimize",  "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.optimize",  "triage"): ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.cancel",    "admin"):  ("ok",   "ok",    "ok",   "placed", "placed"),  # cancelling a cancelled one: no-op
    ("request.cancel",    "triage"): ("ok",   "ok",    "ok",   "placed", "placed"),
    ("request.create",    "admin"):  ("ok",   "ok",    "ok",   "ok",     "ok"),
    ("request.create",    "triage"): ("ok",   "ok",    "ok",   "ok",     "ok"),
}
# dispatch, provider and ops never touch patient data, whatever the basis (a practitioner id included).
POLICY |= {(endpoint, role): ("deny",) * len(BASES)
           for endpoint in {e for e, _ in POLICY} for role in ("dispatch", "provider", "ops")}
#: The legal basis the audit entry of a triage nurse's read of the record names, on each basis.
READ_BASIS = {"care_team": "treatment_relationship", "open_request": "open_request", "none": "none",
              "placed_by_me": "care_episode", "placed_by_me_window_over": "none"}
# fmt: on

#: Each endpoint: the HTTP call, its audit action, and whether it shows a list of patients.
ENDPOINTS: dict[str, tuple[str, str, str, bool]] = {
    "trajectory.read": ("GET", "/api/v1/trajectories/{ref}", "read", False),
    "trajectory.export": ("GET", "/api/v1/trajectories/{ref}/fhir", "export", False),
    "request.read": ("GET", "/api/v1/requests/{rid}", "read", False),
    "request.list": ("GET", "/api/v1/requests", "search", True),
    "request.optimize": ("POST", "/api/v1/optimize", "search", True),
    "trajectory.update": ("PATCH", "/api/v1/trajectories/{ref}", "update", False),
    "request.cancel": ("POST", "/api/v1/requests/{rid}/cancel", "update", False),
    "request.create": ("POST", "/api/v1/requests", "create", False),
}
STATUS = {"full": 200, "hints": 200, "ok": 200, "deny": 403, "placed": 409}

REF = "p-matrix"
PRACTITIONER = "AGB-77"
NURSE = "AGB-31"  # the triage nurse who placed the patient (bases placed_by_me*)
BODY = {"patient_ref": REF, "age": 86, "location": {"lat": 50.90, "lon": 5.72}, "complaint": "dyspnoe"}
BODIES: dict[str, Any] = {
    "trajectory.update": {"hints": {"mobility": "rollator"}},
    "request.create": BODY | {"answers": {"dys_copd_hartfalen": True}},
}


def test_the_policy_table_has_every_cell() -> None:
    assert set(POLICY) == {(e, r) for e in ENDPOINTS for r in ROLES}


@pytest.mark.parametrize("basis", BASES)
@pytest.mark.parametrize("role", ROLES)
async def test_access_matrix(aiohttp_client: AiohttpClient, tmp_path: Path, role: str, basis: str) -> None:
    hours = 0.0 if basis == "placed_by_me_window_over" else 24.0
    client = await started(
        aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), care_access_hours=hours)
    )
    rid = await situation(client, basis)
    providers = ("vvt-a",) if role == "provider" else ()
    practitioner = {"care_team": PRACTITIONER, "placed_by_me": NURSE, "placed_by_me_window_over": NURSE}.get(basis)
    tok = await token(client.app, role, *providers, practitioner=practitioner)
    column = BASES.index(basis)
    for endpoint, (method, path, action, lists) in ENDPOINTS.items():
        outcome = POLICY[endpoint, role][column]
        before = len(await client.app[AUDIT].entries(limit=10_000))
        url = path.format(ref=REF, rid=rid)
        resp = await client.request(method, url, json=BODIES.get(endpoint), headers=auth(tok))
        expected = 201 if endpoint == "request.create" and outcome == "ok" else STATUS[outcome]
        assert resp.status == expected, (endpoint, role, basis, await resp.text())
        if outcome in ("full", "hints"):
            shown = await resp.json()
            assert ("events" in shown and "care_team" in shown) == (outcome == "full"), (endpoint, shown)
            assert shown.get("limited", False) == (outcome == "hints")
        entries = await new_entries(client, before)
        logged = [(e["action"], e["outcome"], e["patient_ref"]) for e in entries]
        if (endpoint, role) == ("trajectory.read", "triage"):
            assert [e["basis"] for e in entries] == [READ_BASIS[basis]], (basis, entries)
        verdict = "denied" if outcome == "deny" else "allowed"
        if lists and outcome != "deny":
            patients: list[str | None] = [REF] if basis == "open_request" else [None]
            assert logged == [(action, verdict, p) for p in patients], (endpoint, role, basis)
        elif lists:
            assert logged == [(action, verdict, None)], (endpoint, role, basis)
        else:
            assert logged == [(action, verdict, REF)], (endpoint, role, basis, logged)


async def situation(client: Client, basis: str) -> str:
    """A record with a care team for the patient, capacity, and a request of the patient: open only on that basis,
    placed by the nurse on the placed_by_me bases."""
    admin = await token(client.app, "admin")
    team = {"care_team": [{"role": "gp", "name": "Praktijk De Linde", "practitioner": PRACTITIONER}]}
    plan = team | {"hints": {"no_hospital_admission": True}, "phase": "vervolgfase"}
    assert (await client.patch(f"/api/v1/trajectories/{REF}", json=plan, headers=auth(admin))).status == 200
    fill = {"updates": [report("vvt-a", "elv_hoog", 3, 5), report("zh-e", "seh", 3, 4)]}
    assert (await client.post("/api/v1/capacity", json=fill, headers=auth(admin))).status == 200
    placing = basis.startswith("placed_by_me")
    nurse = await token(client.app, "triage", practitioner=NURSE) if placing else admin
    created = await client.post("/api/v1/requests", json=BODIES["request.create"], headers=auth(nurse))
    rec = await created.json()
    rid: str = rec["id"]
    if placing:
        first = rec["proposals"][0]
        place = {"provider_id": first["provider_id"], "care_type": first["care_type"]}
        assert (await client.post(f"/api/v1/requests/{rid}/reserve", json=place, headers=auth(nurse))).status == 200
        assert (await client.post(f"/api/v1/requests/{rid}/confirm", headers=auth(nurse))).status == 200
    elif basis != "open_request":
        assert (await client.post(f"/api/v1/requests/{rid}/cancel", headers=auth(admin))).status == 200
    return rid


async def new_entries(client: Client, before: int) -> list[dict[str, Any]]:
    return (await client.app[AUDIT].entries(limit=10_000))[before:]
