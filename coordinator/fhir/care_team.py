"""The ``CareTeam`` of the trajectory with its ``PractitionerRole``, ``Practitioner`` and ``Organization`` entries.

One PractitionerRole per care-team member (``code`` = the role, ``telecom`` from
``contact``); a Practitioner with an AGB identifier
(``http://fhir.nl/fhir/NamingSystem/agb-z``) only when ``practitioner`` is set; an
Organization per named ``organisation``. CareTeam participants reference the
PractitionerRole (its ``display`` is the member's name). References to health
professionals point to the PractitionerRole (which points to the Practitioner), as the
Nictiz Acute Zorg IG does; care-team roles are text and zcc codes (no national code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .builder import Builder
from .codes import ROLE_LABEL, practitioner_identifier
from .datatypes import JSONDict, period, telecom
from .organization import care_team_org

__all__ = ["care_team", "practitioner"]


def care_team(
    b: Builder,
    members: Iterable[Mapping[str, Any]],
    *,
    ended: bool,
    started_at: Any,
    ended_at: Any,
) -> tuple[JSONDict, JSONDict | None, JSONDict | None]:
    """The CareTeam, and the regiebehandelaar's PractitionerRole and organisation (if any)."""
    participants: list[JSONDict] = []
    manager: JSONDict | None = None
    manager_org: JSONDict | None = None
    for index, member in enumerate(members):
        role = str(member.get("role", ""))
        label = ROLE_LABEL.get(role, role)
        role_concept = {"coding": [b.coding("care-team-role", role, label)], "text": label}
        name = member.get("name") if isinstance(member.get("name"), str) else None
        body: JSONDict = {"active": not ended, "code": [role_concept]}
        code = member.get("practitioner")
        if isinstance(code, str) and code:
            body["practitioner"] = practitioner(b, code, name)
        org_ref: JSONDict | None = None
        organisation = member.get("organisation")
        if isinstance(organisation, str) and organisation:
            org_ref = care_team_org(b, organisation)
            body["organization"] = org_ref
        contact_point = telecom(member.get("contact"))
        if contact_point:
            body["telecom"] = [contact_point]
        key = f"{b.trajectory_key}/{index}/{role}/{code or ''}/{name or ''}"
        role_ref = b.add("PractitionerRole", key, body)
        if name:
            role_ref["display"] = name
        participants.append({"role": [role_concept], "member": role_ref})
        if role == "regiebehandelaar" and manager is None:
            manager, manager_org = role_ref, org_ref
    team: JSONDict = {
        "status": "inactive" if ended else "active",
        "name": "Team zorgtraject kwetsbare ouderen",
        "subject": b.ref("Patient", b.patient_ref),
        "period": period(started_at, ended_at),
    }
    if participants:
        team["participant"] = participants
    return b.add("CareTeam", b.trajectory_key, team), manager, manager_org


def practitioner(b: Builder, code: str, name: str | None) -> JSONDict:
    """A reference to the Practitioner with this AGB (or BIG, or zcc) code, added once per code."""
    body: JSONDict = {"identifier": [practitioner_identifier(code, b.region_system("practitioner"))]}
    if name:
        body["name"] = [{"text": name}]
    ref = b.add("Practitioner", code, body)
    if name:
        ref["display"] = name
    return ref
