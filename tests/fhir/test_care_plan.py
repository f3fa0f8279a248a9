"""The trajectory as EpisodeOfCare, CareTeam and CarePlan: care manager, team members, hints, sharing objection."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from .helpers import SCENARIOS, export, resolve, resources, sample_requests


def test_episode_of_care_links_care_manager_and_team() -> None:
    bundle = export()
    (episode,) = resources(bundle, "EpisodeOfCare")
    assert episode["type"][0]["text"] == "Zorgtraject kwetsbare ouderen (GZSP)"
    assert episode["type"][1]["text"] == "Vervolgfase"
    assert episode["statusHistory"] == [{"status": "active", "period": {"start": "2026-11-01T09:00:00Z"}}]
    manager = resolve(bundle, episode["careManager"])
    assert manager["resourceType"] == "PractitionerRole"
    assert manager["code"][0]["text"] == "Regiebehandelaar (specialist ouderengeneeskunde)"
    practitioner = resolve(bundle, manager["practitioner"])
    assert practitioner["identifier"] == [{"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": "03045678"}]
    assert resolve(bundle, manager["organization"])["name"] == "Zorggroep Noord-Limburg"
    assert resolve(bundle, episode["managingOrganization"])["name"] == "Zorggroep Noord-Limburg"
    (team,) = [resolve(bundle, t) for t in episode["team"]]
    assert team["resourceType"] == "CareTeam"
    roles = [p["role"][0]["text"] for p in team["participant"]]
    assert roles == [
        "Huisarts",
        "Regiebehandelaar (specialist ouderengeneeskunde)",
        "Wijkverpleegkundige",
        "Casemanager",
        "Praktijkondersteuner ouderenzorg (POH-O)",
    ]
    assert [p["member"]["display"] for p in team["participant"]][3] == "J. Hendriks, casemanager dementie"


def test_practitioners_only_for_members_with_an_agb_code() -> None:
    bundle = export()
    agb = sorted(p["identifier"][0]["value"] for p in resources(bundle, "Practitioner"))
    assert agb == ["01012345", "01098765", "03045678"]
    roles = resources(bundle, "PractitionerRole")
    assert len(roles) == 5
    telecoms = [r.get("telecom") for r in roles]
    assert telecoms[0] == [{"system": "phone", "value": "+31773512345", "use": "work"}]
    assert telecoms[3] == [{"system": "email", "value": "casemanagement@thuiszorgvenlo.example", "use": "work"}]
    assert telecoms[4] is None
    # The practice shared by the GP and the POH-O is one Organization.
    names = [o.get("name") for o in resources(bundle, "Organization")]
    assert names.count("Huisartsenpraktijk De Linde") == 1


def test_careplan_carries_the_hints() -> None:
    bundle = export()
    (careplan,) = resources(bundle, "CarePlan")
    assert careplan["status"] == "active"
    assert resolve(bundle, careplan["subject"])["resourceType"] == "Patient"
    details = {a["detail"]["code"]["text"]: a["detail"] for a in careplan["activity"]}
    preferred = details["Voorkeursaanbieders"]
    assert [resolve(bundle, p)["name"] for p in preferred["performer"]] == ["VVT Venlo-Blerick", "Huisartsenpost Venlo"]
    assert "Thuis eerst" in details
    no_admission = details["Ziekenhuisopname"]
    assert no_admission["doNotPerform"] is True
    assert no_admission["code"]["coding"][0]["code"] == "32485007"
    evaluation = details["Evaluatie zorgtraject"]
    assert evaluation["scheduledTiming"]["event"] == ["2026-12-01"]
    assert evaluation["scheduledTiming"]["repeat"]["period"] == 1
    assert evaluation["scheduledTiming"]["repeat"]["periodUnit"] == "mo"
    assert "3 maanden" in evaluation["description"]
    # The evaluation is due: not started, with the reason.
    assert evaluation["status"] == "not-started"
    assert evaluation["statusReason"]["text"] == "Evaluatie nodig: 3 acute events within 30 days"
    notes = [n["text"] for n in careplan["note"]]
    assert "ACP-wens: geen reanimatie" in notes
    assert "ACP-wens: niet beademen" in notes
    assert "Mobiliteit: rollator" in notes
    assert "Psychogeriatrische problematiek: nee" in notes
    assert "Wlz-indicatie: nee" in notes
    assert "Kan na verblijf terug naar huis: ja" in notes
    assert any(n.startswith("Stopcriteria zorgtraject: 2 van 4 voldaan") for n in notes)


def test_careplan_without_hints_keeps_only_the_evaluation_rhythm() -> None:
    bundle = SCENARIOS["intake_minimal"]()
    (careplan,) = resources(bundle, "CarePlan")
    assert [a["detail"]["code"]["text"] for a in careplan["activity"]] == ["Evaluatie zorgtraject"]
    assert "note" not in careplan
    (episode,) = resources(bundle, "EpisodeOfCare")
    assert "careManager" not in episode


def test_sharing_objection_still_exports_with_a_restricted_label() -> None:
    bundle = SCENARIOS["sharing_objection"]()
    Bundle.model_validate(bundle)
    assert bundle["meta"]["security"][0]["code"] == "R"
    (careplan,) = resources(bundle, "CarePlan")
    assert any(
        n["text"].startswith("Bezwaar tegen gegevensdeling") and n["text"].endswith(": ja") for n in careplan["note"]
    )
    assert len(resources(bundle, "ServiceRequest")) == len(sample_requests())
    assert "meta" not in export()
