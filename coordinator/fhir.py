"""FHIR R4 export of a patient's trajectory record and its acute requests, as a pure function over plain dicts.

:func:`trajectory_bundle` turns one trajectory record (the zorgtraject of a frail
elderly patient), the acute requests of that patient and two lookup tables into one
FHIR ``Bundle`` (JSON as dicts). No I/O, no clock, no randomness: the same input
gives the same bundle, byte for byte once serialised with sorted keys.

FHIR version
    FHIR R4 (4.0.1), the version of the Dutch nl-core/zib2020 profiles and the
    Nictiz Acute Zorg IG. The tests validate every bundle with the R4B (4.3.0)
    models of ``fhir.resources`` 8.x (``fhir.resources.R4B``): that library's R4
    models (its 6.1 line) need pydantic 1, and zcc is on pydantic 2. R4B changed
    the medication-definition, evidence and subscription resources; the resources
    and elements emitted here are the same in R4 and R4B, and nothing here uses an
    element R4B added (the bundles were also checked once against the 4.0.1
    models of fhir.resources 6.1 in a separate environment).

Bundle type: ``collection``
    The export is a snapshot of a set of resources for a reader to keep or show,
    not the result of a search (``searchset`` implies ``search.mode``, a query and
    paging), not a ``document`` (that needs a Composition first and attestation)
    and not a ``transaction`` (that would tell a receiving server what to write).
    ``Bundle.timestamp`` is the record's ``updated_at``, so the export is stable.

Identity
    Every entry has ``fullUrl = urn:uuid:<uuid5>``, derived from ``base_url``,
    ``region_id``, the resource type and zcc's own id of the thing (patient_ref,
    request id, hold id, provider id, AGB code), and ``Resource.id`` is that uuid.
    Every literal reference is such a ``urn:uuid`` and resolves to an entry of the
    same bundle. Business identifiers use systems under ``base_url``:
    ``urn:zcc:<region>:patient-ref`` and so on (``/`` instead of ``:`` when
    ``base_url`` is an http(s) URL).

Resources and mappings
    ``Patient``
        Only ``identifier`` with the pseudonymous ``patient_ref``: no name, BSN,
        birth date, address or telecom. zcc never holds them.
    ``EpisodeOfCare`` (the zorgtraject)
        ``status`` from the phase (:data:`EPISODE_STATUS`): intake -> planned;
        startfase, vervolgfase, evaluation_due -> active; ended -> finished.
        ``period`` = started_at..ended_at, ``statusHistory`` holds the current
        status since ``phase_since``. ``type``: the trajectory kind and its phase
        (zcc codes). ``careManager`` -> the regiebehandelaar's PractitionerRole,
        ``managingOrganization`` -> that role's organisation, ``team`` -> CareTeam.
    ``CareTeam``, ``PractitionerRole``, ``Practitioner``, ``Organization``
        One PractitionerRole per care-team member (``code`` = the role, ``telecom``
        from ``contact``); a Practitioner with an AGB identifier
        (``http://fhir.nl/fhir/NamingSystem/agb-z``) only when ``practitioner`` is
        set; an Organization per named ``organisation``. CareTeam participants
        reference the PractitionerRole (its ``display`` is the member's name).
    ``CarePlan`` (the acute-care hints)
        ``status`` active, completed once the trajectory ended; ``intent`` plan.
        Activities: preferred providers (``detail.performer`` -> their
        Organizations), home first, no hospital admission (``detail.doNotPerform``
        = true on SNOMED 32485007 *ziekenhuisopname*), the evaluation rhythm
        (``scheduledTiming``: the next evaluation, then monthly; the first comes 3
        months after the start, per the ZN uitgangspunten zorgtraject kwetsbare
        patiënten). Notes: each ACP wish, mobility, the flags (psychogeriatric, Wlz
        indication, can return home, sharing objection), a due evaluation and the
        stop criteria.

        Why no ``Consent`` for "no hospital admission" and the ACP wishes: the zib
        that fits (TreatmentDirective2, nl-core as Consent) records an agreement,
        dated and with its parties, made by the patient and a professional. zcc
        holds a hint copied from the care plan, without those parties or dates;
        exporting it as a Consent would make zcc look like the source of a
        treatment directive. The authoritative directive stays with the GP and the
        specialist ouderengeneeskunde; zcc exports what it acts on, as a plan.
    ``ServiceRequest`` per request (the acute referral)
        ``status`` (:data:`REQUEST_STATUS`): open, reserved -> active; placed ->
        completed; cancelled -> revoked; escalated, advice -> completed with a note
        (112 took over, or advice was enough). ``intent`` order. ``priority``
        (:data:`PRIORITY`): U0, U1 -> stat; U2 -> asap; U3 -> urgent; U4, U5 ->
        routine (FHIR's order routine < urgent < asap < stat follows the NTS levels;
        U0/U1 are never placed by zcc but keep their weight). ``code`` = the
        complaint; ``reasonCode`` = the triage reasons; ``orderDetail`` = the NTS
        urgency and the acceptable care types; ``authoredOn`` = created_at;
        ``occurrencePeriod`` = created_at .. created_at + target_minutes (the
        window care should start in). ``requester`` = the ZCC, ``performer`` = the
        placed provider, ``supportingInfo`` -> the CarePlan.
    ``Task`` per hold and per placement (a ReferralTask)
        ``status`` from the hold (:data:`HOLD_TASK_STATUS`), following the FHIR
        Task state machine (https://hl7.org/fhir/R4/task.html#statemachine):
        held -> accepted (the provider's published capacity is its standing
        agreement to take the patient, and the place is set aside: the owner has
        agreed and not started; no one is still evaluating, so not *received*);
        confirmed -> completed (the referral is done; the care itself is the
        Encounter); released -> cancelled (zcc abandoned the reservation);
        expired -> failed (attempted, ran out before confirmation). A placement
        without a matching hold gives a completed Task. ``intent`` order;
        ``focus`` and ``basedOn`` -> the ServiceRequest; ``owner`` -> the provider
        Organization; ``requester`` -> the ZCC; ``restriction.period.end`` =
        held_until; ``businessStatus`` and ``statusReason`` in Dutch; ``output`` ->
        the Encounter once placed.
    ``Encounter`` per placement
        ``status`` planned: the ZCC confirmed the place, the care has not started
        (cancelled when the request was cancelled after it);
        ``serviceProvider`` -> the provider, ``basedOn`` -> the ServiceRequest,
        ``episodeOfCare`` -> the EpisodeOfCare. ``class`` from v3 ActCode
        (:func:`encounter_class`), as the zib Contact's ContactType: hap_consult ->
        AMB; hap_visit, wijkverpleging_spoed, ggz_intensive_home -> HH (at home);
        ggz_crisis_assessment -> FLD (at home or on location); seh -> EMER; elv_*,
        crisis_bed, ggz_crisis_bed, admission_* -> IMP (a bed). An unknown care
        type falls back on its prefix (admission_/elv_ -> IMP, hap_ -> AMB), then
        AMB.

Alignment with Nictiz
    Aligned with the Nictiz Acute Zorg IG (nictiz.fhir.nl.r4.acutezorg): the
    referral is a ``ServiceRequest`` with ``intent`` order, the sending party as
    ``requester`` and the receiving provider as ``performer``, ``reasonCode`` for
    early triage; references to health professionals point to the PractitionerRole
    (which points to the Practitioner) and provider organisations are referenced as
    ``Organization`` directly, not through a Location. The Acute Zorg IG has no
    Task yet; the Task follows its ELZ sibling ``hg-ReferralTask``
    (nictiz.fhir.nl.r4.elz): ``intent`` order, ``code`` SNOMED 3457005 *verwijzen
    van patiënt*, ``focus`` -> the ServiceRequest, ``for``, ``requester``,
    ``owner`` -> an Organization, plus ``basedOn`` as the Acute Zorg workflow page
    sketches. It carries ``meta.tag`` ``ReferralTask`` rather than ``meta.profile``:
    zcc does not claim conformance to that beta profile. ``Encounter.class`` uses
    v3 ActEncounterCode like nl-core-Encounter; ``EpisodeOfCare`` status and period
    follow nl-core's zib ZorgEpisode guidance; AGB codes use the fhir.nl naming
    system.

    zcc's own: the export bundle as a whole (the Acute Zorg IG pushes one referral
    as a transaction), the Patient with only a pseudonym (nl-core-Patient is built
    around the BSN, name and birth date zcc never holds), the CarePlan hints, the
    hold-to-Task status mapping and its business statuses, the CareTeam, and every
    ``urn:zcc`` code and identifier system. No resource claims an nl-core or Acute
    Zorg profile in ``meta.profile``.

Left out: the record's event list (an audit trail: Provenance/AuditEvent would carry
it), earlier holds of a request that were released and replaced (only the current
hold and the placement are on the request), the triage staff member behind a request
(the ZCC organisation is the requester) and national codes for organisation types
and care-team roles (text and zcc codes only).

A record with ``hints.sharing_objection`` exports all the same: who may read it is
decided by the caller. The bundle then carries the security label *restricted*
(v3 Confidentiality R) and the CarePlan says so in a note.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

__all__ = [
    "ENCOUNTER_CLASS",
    "EPISODE_STATUS",
    "HOLD_TASK_STATUS",
    "PRIORITY",
    "REQUEST_STATUS",
    "encounter_class",
    "trajectory_bundle",
]

JSONDict: TypeAlias = dict[str, Any]

#: Trajectory phase -> EpisodeOfCare.status.
EPISODE_STATUS: Mapping[str, str] = {
    "intake": "planned",
    "startfase": "active",
    "vervolgfase": "active",
    "evaluation_due": "active",
    "ended": "finished",
}

#: Request status -> ServiceRequest.status.
REQUEST_STATUS: Mapping[str, str] = {
    "open": "active",
    "reserved": "active",
    "placed": "completed",
    "cancelled": "revoked",
    "escalated": "completed",
    "advice": "completed",
}

#: NTS urgency -> ServiceRequest/Task.priority (request-priority: routine < urgent < asap < stat).
PRIORITY: Mapping[str, str] = {
    "U0": "stat",
    "U1": "stat",
    "U2": "asap",
    "U3": "urgent",
    "U4": "routine",
    "U5": "routine",
}

#: Hold status -> Task.status (https://hl7.org/fhir/R4/task.html#statemachine).
HOLD_TASK_STATUS: Mapping[str, str] = {
    "held": "accepted",
    "confirmed": "completed",
    "released": "cancelled",
    "expired": "failed",
}

V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
SNOMED = "http://snomed.info/sct"
AGB_Z = "http://fhir.nl/fhir/NamingSystem/agb-z"
BIG = "http://fhir.nl/fhir/NamingSystem/big"

_CLASS_DISPLAY = {
    "AMB": "ambulatory",
    "EMER": "emergency",
    "FLD": "field",
    "HH": "home health",
    "IMP": "inpatient encounter",
}

#: Care type -> v3 ActCode encounter class, as the zib Contact's ContactType uses it.
ENCOUNTER_CLASS: Mapping[str, str] = {
    "hap_consult": "AMB",
    "hap_visit": "HH",
    "wijkverpleging_spoed": "HH",
    "elv_laag": "IMP",
    "elv_hoog": "IMP",
    "crisis_bed": "IMP",
    "seh": "EMER",
    "ggz_crisis_assessment": "FLD",
    "ggz_crisis_bed": "IMP",
    "ggz_intensive_home": "HH",
}
# Checked in order for care types not listed above; admission_<specialty> is open-ended by design.
_CLASS_BY_PREFIX = (("admission_", "IMP"), ("elv_", "IMP"), ("hap_", "AMB"))
_DEFAULT_CLASS = "AMB"

_ROLE_LABEL = {
    "gp": "Huisarts",
    "regiebehandelaar": "Regiebehandelaar (specialist ouderengeneeskunde)",
    "district_nurse": "Wijkverpleegkundige",
    "case_manager": "Casemanager",
    "poh_o": "Praktijkondersteuner ouderenzorg (POH-O)",
}

_PHASE_LABEL = {
    "intake": "Intake",
    "startfase": "Startfase",
    "vervolgfase": "Vervolgfase",
    "evaluation_due": "Evaluatie nodig",
    "ended": "Beëindigd",
}

_PROVIDER_KIND_LABEL = {
    "hap": "Huisartsenpost",
    "vvt": "VVT-organisatie (verpleging, verzorging en thuiszorg)",
    "hospital": "Ziekenhuis",
    "ggz": "GGZ-instelling",
}

_HOLD_BUSINESS_STATUS = {
    "held": "Plaats gereserveerd",
    "confirmed": "Plaatsing bevestigd",
    "released": "Reservering vrijgegeven",
    "expired": "Reservering verlopen",
}
_HOLD_STATUS_REASON = {
    "released": "Reservering door de ZCC vrijgegeven",
    "expired": "Reservering verlopen zonder bevestiging",
}

_STOP_CRITERIA_LABEL = {
    "diagnostiek_afgerond": "diagnostiek afgerond",
    "so_niet_meer_nodig": "specialist ouderengeneeskunde niet meer nodig",
    "betrokkenen_en_afspraken_helder": "betrokkenen en afspraken helder",
    "huisarts_ondersteuning_afgesproken": "ondersteuning huisarts afgesproken",
}

_FLAG_NOTES = (
    ("psychogeriatric", "Psychogeriatrische problematiek"),
    ("wlz_indication", "Wlz-indicatie"),
    ("can_return_home", "Kan na verblijf terug naar huis"),
    ("sharing_objection", "Bezwaar tegen gegevensdeling (toegang wordt elders bewaakt)"),
)

_AGB = re.compile(r"^(?:AGB[-: ]?)?(\d{8})$", re.IGNORECASE)
_BIG = re.compile(r"^BIG[-: ]?(\d{11})$", re.IGNORECASE)


def encounter_class(care_type: str) -> str:
    """The v3 ActCode encounter class (AMB, EMER, FLD, HH, IMP) for a care type."""
    if care_type in ENCOUNTER_CLASS:
        return ENCOUNTER_CLASS[care_type]
    for prefix, code in _CLASS_BY_PREFIX:
        if care_type.startswith(prefix):
            return code
    return _DEFAULT_CLASS


def trajectory_bundle(
    record: Mapping[str, Any],
    requests: Sequence[Mapping[str, Any]],
    *,
    providers: Mapping[str, Mapping[str, Any]],
    care_type_names: Mapping[str, str],
    region_id: str,
    base_url: str = "urn:zcc",
) -> JSONDict:
    """A FHIR R4 ``collection`` Bundle of one trajectory record and its requests (see the module docstring).

    ``providers`` maps provider id -> ``{"name", "kind"}``; ``care_type_names`` maps
    care type id -> Dutch name. Raises ValueError for a request of another patient
    or a phase, status or urgency this export has no mapping for, rather than
    export it with a guessed meaning.
    """
    patient_ref = record.get("patient_ref")
    if not isinstance(patient_ref, str) or not patient_ref:
        raise ValueError("trajectory record has no patient_ref")
    for request in requests:
        if not isinstance(request.get("id"), str) or not request["id"]:
            raise ValueError("a request has no id")
        if request.get("patient_ref") != patient_ref:
            raise ValueError(f"request {request.get('id')!r} belongs to another patient than the record")
    builder = _Builder(
        record,
        providers=providers,
        care_type_names=care_type_names,
        region_id=region_id,
        base_url=base_url,
    )
    builder.build(sorted(requests, key=lambda r: (str(r.get("created_at", "")), str(r.get("id", "")))))
    return builder.bundle()


class _Builder:
    """Collects the bundle's resources, each once, under a stable key; resolves references to fullUrls."""

    def __init__(
        self,
        record: Mapping[str, Any],
        *,
        providers: Mapping[str, Mapping[str, Any]],
        care_type_names: Mapping[str, str],
        region_id: str,
        base_url: str,
    ) -> None:
        self.record = record
        self.patient_ref: str = record["patient_ref"]
        self.providers = providers
        self.care_type_names = care_type_names
        self.region_id = region_id
        self.base_url = base_url.rstrip("/:")
        self._sep = ":" if self.base_url.startswith("urn:") else "/"
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.base_url}{self._sep}{region_id}")
        self._entries: dict[tuple[str, str], JSONDict] = {}
        self.hints: Mapping[str, Any] = record.get("hints") or {}
        self.ended = record.get("phase") == "ended"
        # The trajectory's own key: a patient may have a later trajectory, after this one ended.
        self.trajectory_key = f"{self.patient_ref}/{record.get('started_at', '')}"

    # --- naming -----------------------------------------------------------------

    def system(self, *parts: str) -> str:
        """An identifier or code system under base_url: urn:zcc:limburg:patient-ref, https://.../limburg/hold."""
        return self._sep.join((self.base_url, *parts))

    def region_system(self, name: str) -> str:
        return self.system(self.region_id, name)

    def full_url(self, resource_type: str, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self._namespace, f'{resource_type}/{key}')}"

    def ref(self, resource_type: str, key: str, display: str | None = None) -> JSONDict:
        """A reference to the resource of this type and key; it must be (or become) an entry."""
        out: JSONDict = {"reference": self.full_url(resource_type, key), "type": resource_type}
        if display:
            out["display"] = display
        return out

    def add(self, resource_type: str, key: str, body: JSONDict) -> JSONDict:
        """Add a resource (first one wins for a key) and return the reference to it."""
        if (resource_type, key) not in self._entries:
            resource: JSONDict = {
                "resourceType": resource_type,
                "id": self.full_url(resource_type, key).removeprefix("urn:uuid:"),
            }
            resource.update(body)
            self._entries[(resource_type, key)] = resource
        return self.ref(resource_type, key)

    def coding(self, code_system: str, code: str, display: str | None = None) -> JSONDict:
        out: JSONDict = {"system": self.system(code_system), "code": code}
        if display:
            out["display"] = display
        return out

    def care_type_concept(self, care_type: str) -> JSONDict:
        name = self.care_type_names.get(care_type, care_type)
        return {"coding": [self.coding("care-type", care_type, name)], "text": name}

    # --- shared resources -------------------------------------------------------

    def patient(self) -> JSONDict:
        # Only the pseudonym: nothing that identifies the person (no name, BSN, birth date, address).
        return self.add(
            "Patient",
            self.patient_ref,
            {"identifier": [{"system": self.region_system("patient-ref"), "value": self.patient_ref}]},
        )

    def provider(self, provider_id: str) -> JSONDict:
        info = self.providers.get(provider_id) or {}
        body: JSONDict = {
            "identifier": [{"system": self.region_system("provider"), "value": provider_id}],
            "active": True,
        }
        kind = info.get("kind")
        if isinstance(kind, str):
            label = _PROVIDER_KIND_LABEL.get(kind, kind)
            body["type"] = [{"coding": [self.coding("provider-kind", kind, label)], "text": label}]
        name = info.get("name")
        if isinstance(name, str):
            body["name"] = name
        ref = self.add("Organization", f"provider/{provider_id}", body)
        if isinstance(name, str):
            ref["display"] = name
        return ref

    def zcc(self) -> JSONDict:
        name = f"Zorgcoördinatiecentrum ROAZ-regio {self.region_id}"
        ref = self.add(
            "Organization",
            f"zcc/{self.region_id}",
            {
                "identifier": [{"system": self.system("region"), "value": self.region_id}],
                "active": True,
                "type": [{"text": "Zorgcoördinatiecentrum (ZCC)"}],
                "name": name,
            },
        )
        ref["display"] = name
        return ref

    def care_team_org(self, name: str) -> JSONDict:
        ref = self.add("Organization", f"care-team/{name}", {"active": True, "name": name})
        ref["display"] = name
        return ref

    # --- the trajectory -----------------------------------------------------------

    def build(self, requests: Sequence[Mapping[str, Any]]) -> None:
        self.patient()
        episode = self.episode_of_care()
        careplan = self.careplan()
        for request in requests:
            self.request(request, episode=episode, careplan=careplan)

    def care_team(self) -> tuple[JSONDict, JSONDict | None, JSONDict | None]:
        """The CareTeam, and the regiebehandelaar's PractitionerRole and organisation (if any)."""
        participants: list[JSONDict] = []
        manager: JSONDict | None = None
        manager_org: JSONDict | None = None
        for index, member in enumerate(self.record.get("care_team") or []):
            role = str(member.get("role", ""))
            label = _ROLE_LABEL.get(role, role)
            role_concept = {"coding": [self.coding("care-team-role", role, label)], "text": label}
            name = member.get("name") if isinstance(member.get("name"), str) else None
            body: JSONDict = {"active": not self.ended, "code": [role_concept]}
            practitioner = member.get("practitioner")
            if isinstance(practitioner, str) and practitioner:
                body["practitioner"] = self.practitioner(practitioner, name)
            org_ref: JSONDict | None = None
            organisation = member.get("organisation")
            if isinstance(organisation, str) and organisation:
                org_ref = self.care_team_org(organisation)
                body["organization"] = org_ref
            telecom = _telecom(member.get("contact"))
            if telecom:
                body["telecom"] = [telecom]
            key = f"{self.trajectory_key}/{index}/{role}/{practitioner or ''}/{name or ''}"
            role_ref = self.add("PractitionerRole", key, body)
            if name:
                role_ref["display"] = name
            participants.append({"role": [role_concept], "member": role_ref})
            if role == "regiebehandelaar" and manager is None:
                manager, manager_org = role_ref, org_ref
        team: JSONDict = {
            "status": "inactive" if self.ended else "active",
            "name": "Team zorgtraject kwetsbare ouderen",
            "subject": self.ref("Patient", self.patient_ref),
            "period": _period(self.record.get("started_at"), self.record.get("ended_at")),
        }
        if participants:
            team["participant"] = participants
        return self.add("CareTeam", self.trajectory_key, team), manager, manager_org

    def practitioner(self, code: str, name: str | None) -> JSONDict:
        body: JSONDict = {"identifier": [_practitioner_identifier(code, self.region_system("practitioner"))]}
        if name:
            body["name"] = [{"text": name}]
        ref = self.add("Practitioner", code, body)
        if name:
            ref["display"] = name
        return ref

    def episode_of_care(self) -> JSONDict:
        phase = self.record.get("phase")
        if not isinstance(phase, str) or phase not in EPISODE_STATUS:
            raise ValueError(f"trajectory phase {phase!r} has no EpisodeOfCare status")
        status = EPISODE_STATUS[phase]
        team, manager, manager_org = self.care_team()
        body: JSONDict = {
            "status": status,
            "type": [
                {
                    "coding": [
                        self.coding(
                            "trajectory-type",
                            "zorgtraject-kwetsbare-ouderen",
                            "Zorgtraject kwetsbare ouderen (GZSP)",
                        )
                    ],
                    "text": "Zorgtraject kwetsbare ouderen (GZSP)",
                },
                {
                    "coding": [self.coding("trajectory-phase", phase, _PHASE_LABEL[phase])],
                    "text": _PHASE_LABEL[phase],
                },
            ],
            "patient": self.ref("Patient", self.patient_ref),
            "period": _period(self.record.get("started_at"), self.record.get("ended_at")),
            "team": [team],
        }
        phase_since = self.record.get("phase_since")
        if phase_since:
            body["statusHistory"] = [{"status": status, "period": _period(phase_since, self.record.get("ended_at"))}]
        if manager_org is not None:
            body["managingOrganization"] = manager_org
        if manager is not None:
            body["careManager"] = manager
        return self.add("EpisodeOfCare", self.trajectory_key, body)

    def careplan(self) -> JSONDict:
        hints = self.hints
        activity_status = "completed" if self.ended else "in-progress"
        activities: list[JSONDict] = []

        preferred = [p for p in hints.get("preferred_providers") or [] if isinstance(p, str)]
        if preferred:
            refs = [self.provider(p) for p in preferred]
            names = ", ".join(r.get("display", p) for r, p in zip(refs, preferred, strict=True))
            activities.append(
                self._activity(
                    "preferred-providers",
                    "Voorkeursaanbieders",
                    activity_status,
                    f"Acute zorg bij voorkeur bij: {names}.",
                    performer=refs,
                )
            )
        if hints.get("home_first"):
            activities.append(
                self._activity(
                    "home-first",
                    "Thuis eerst",
                    activity_status,
                    "Acute zorg bij voorkeur thuis (visite, spoedwijkverpleging) vóór een opname.",
                )
            )
        if hints.get("no_hospital_admission"):
            activities.append(
                {
                    "detail": {
                        "code": {
                            "coding": [{"system": SNOMED, "code": "32485007", "display": "ziekenhuisopname"}],
                            "text": "Ziekenhuisopname",
                        },
                        "status": activity_status,
                        "doNotPerform": True,
                        "description": "Geen ziekenhuisopname: wens uit advance care planning.",
                    }
                }
            )
        activities.append(self._evaluation_activity())

        notes = [f"ACP-wens: {wish}" for wish in hints.get("acp_wishes") or [] if isinstance(wish, str) and wish]
        mobility = hints.get("mobility")
        if isinstance(mobility, str) and mobility:
            notes.append(f"Mobiliteit: {mobility}")
        for flag, label in _FLAG_NOTES:
            value = hints.get(flag)
            if isinstance(value, bool):
                notes.append(f"{label}: {'ja' if value else 'nee'}")
        due = self.record.get("evaluation_due") or {}
        if due.get("due"):
            notes.append(f"Evaluatie nodig: {due.get('reason') or 'zonder opgegeven reden'}")
        stop = self.record.get("stop_criteria") or {}
        if stop:
            met = sum(1 for key in _STOP_CRITERIA_LABEL if stop.get(key))
            parts = "; ".join(
                f"{label}: {'ja' if stop.get(key) else 'nee'}" for key, label in _STOP_CRITERIA_LABEL.items()
            )
            notes.append(f"Stopcriteria zorgtraject: {met} van {len(_STOP_CRITERIA_LABEL)} voldaan ({parts})")

        body: JSONDict = {
            "status": "completed" if self.ended else "active",
            "intent": "plan",
            "category": [{"text": "Afspraken acute zorg binnen het zorgtraject"}],
            "title": "Acute zorg: wensen en afspraken zorgtraject kwetsbare ouderen",
            "subject": self.ref("Patient", self.patient_ref),
            "period": _period(self.record.get("started_at"), self.record.get("ended_at")),
            "careTeam": [self.ref("CareTeam", self.trajectory_key)],
            "activity": activities,
        }
        created = self.record.get("created_at")
        if created:
            body["created"] = created
        if notes:
            body["note"] = [{"text": note} for note in notes]
        return self.add("CarePlan", self.trajectory_key, body)

    def _activity(
        self,
        code: str,
        label: str,
        status: str,
        description: str,
        *,
        performer: list[JSONDict] | None = None,
    ) -> JSONDict:
        detail: JSONDict = {
            "code": {"coding": [self.coding("care-plan-hint", code, label)], "text": label},
            "status": status,
            "description": description,
        }
        if performer:
            detail["performer"] = performer
        return {"detail": detail}

    def _evaluation_activity(self) -> JSONDict:
        """First evaluation 3 months after the start, then monthly (ZN uitgangspunten, at each declaration)."""
        due = self.record.get("evaluation_due") or {}
        next_evaluation = self.record.get("next_evaluation")
        description = "Evaluatie van het zorgtraject: eerst na 3 maanden, daarna maandelijks"
        description += f"; volgende evaluatie {next_evaluation}." if next_evaluation else "."
        detail: JSONDict = {
            "code": {
                "coding": [self.coding("care-plan-hint", "evaluation", "Evaluatie zorgtraject")],
                "text": "Evaluatie zorgtraject",
            },
            "description": description,
        }
        if self.ended:
            detail["status"] = "completed"
        elif due.get("due"):
            detail["status"] = "not-started"
            detail["statusReason"] = {"text": f"Evaluatie nodig: {due.get('reason') or 'zonder opgegeven reden'}"}
        else:
            detail["status"] = "scheduled"
        repeat: JSONDict = {"frequency": 1, "period": 1, "periodUnit": "mo"}
        timing: JSONDict = {"repeat": repeat}
        if next_evaluation:
            timing["event"] = [next_evaluation]
            repeat["boundsPeriod"] = {"start": next_evaluation}
        detail["scheduledTiming"] = timing
        return {"detail": detail}

    # --- requests -----------------------------------------------------------------

    def request(self, request: Mapping[str, Any], *, episode: JSONDict, careplan: JSONDict) -> None:
        request_id = str(request["id"])
        status = request.get("status")
        if not isinstance(status, str) or status not in REQUEST_STATUS:
            raise ValueError(f"request {request_id!r} has status {status!r}, which has no ServiceRequest status")
        triage: Mapping[str, Any] = request.get("triage") or {}
        urgency = triage.get("urgency")
        if urgency is not None and (not isinstance(urgency, str) or urgency not in PRIORITY):
            raise ValueError(f"request {request_id!r} has urgency {urgency!r}, which has no priority")
        placement: Mapping[str, Any] | None = request.get("placement")
        hold: Mapping[str, Any] | None = request.get("hold")
        sr_ref = self.ref("ServiceRequest", request_id)

        # Tasks and the Encounter first, so the ServiceRequest's performer and the Task's output resolve.
        encounter: JSONDict | None = None
        if placement:
            encounter = self.encounter(request, placement, sr_ref=sr_ref, episode=episode)
        placement_in_hold = bool(
            placement
            and hold
            and hold.get("provider_id") == placement.get("provider_id")
            and hold.get("care_type") == placement.get("care_type")
        )
        if hold:
            self.task(request, hold=hold, placement=placement if placement_in_hold else None, sr_ref=sr_ref)
        if placement and not placement_in_hold:
            self.task(request, hold=None, placement=placement, sr_ref=sr_ref)
        if encounter is not None:
            # The Task that carries the placement points at the Encounter it led to.
            key = self._task_key(request_id, hold if placement_in_hold else None)
            self._entries[("Task", key)]["output"] = [
                {"type": {"text": "Plaatsing (Encounter)"}, "valueReference": encounter}
            ]

        body: JSONDict = {
            "identifier": [{"system": self.region_system("request"), "value": request_id}],
            "status": REQUEST_STATUS[status],
            "intent": "order",
            "category": [{"text": "Acute zorgvraag (niet-levensbedreigend) via de ZCC"}],
        }
        if urgency is not None:
            body["priority"] = PRIORITY[urgency]
        complaint = request.get("complaint")
        if isinstance(complaint, str) and complaint:
            body["code"] = {"coding": [self.coding("complaint", complaint)], "text": complaint}
        details: list[JSONDict] = []
        target = triage.get("target_minutes")
        if urgency is not None:
            text = f"Urgentie {urgency} (NTS)"
            if isinstance(target, int | float):
                text += f", zorg binnen {int(target)} minuten"
            details.append({"coding": [self.coding("nts-urgency", urgency)], "text": text})
        details.extend(self.care_type_concept(ct) for ct in triage.get("care_types") or [])
        if details:
            body["orderDetail"] = details
        body["subject"] = self.ref("Patient", self.patient_ref)
        created = request.get("created_at")
        if isinstance(created, str) and created:
            body["authoredOn"] = created
            if isinstance(target, int | float):
                body["occurrencePeriod"] = {"start": created, "end": _plus_minutes(created, target)}
            else:
                body["occurrenceDateTime"] = created
        body["requester"] = self.zcc()
        if placement:
            body["performer"] = [self.provider(str(placement["provider_id"]))]
        reasons = [r for r in triage.get("reasons") or [] if isinstance(r, str) and r]
        if reasons:
            body["reasonCode"] = [{"text": r} for r in reasons]
        body["supportingInfo"] = [careplan]
        notes = self._request_notes(request, triage)
        if notes:
            body["note"] = [{"text": n} for n in notes]
        self.add("ServiceRequest", request_id, body)

    def _request_notes(self, request: Mapping[str, Any], triage: Mapping[str, Any]) -> list[str]:
        notes: list[str] = []
        status = request.get("status")
        if status == "escalated" or triage.get("escalate_112"):
            notes.append(
                f"Levensbedreigend ({triage.get('urgency', 'U0/U1')}): direct naar 112 verwezen; de ZCC plaatst niet."
            )
        if status == "advice":
            notes.append("Alleen advies gegeven (U5): geen plaats nodig.")
        if status == "cancelled":
            cancel = _last_history(request, "cancelled")
            detail = cancel.get("detail") if cancel else None
            notes.append(f"Geannuleerd{': ' + detail if isinstance(detail, str) and detail else ''}.")
        decided_by = triage.get("decided_by")
        if isinstance(decided_by, str) and decided_by:
            notes.append(f"Triage beslist door: {decided_by}.")
        return notes

    @staticmethod
    def _task_key(request_id: str, hold: Mapping[str, Any] | None) -> str:
        if hold is not None:
            return f"{request_id}/hold/{hold.get('hold_id', '')}"
        return f"{request_id}/placement"

    def task(
        self,
        request: Mapping[str, Any],
        *,
        hold: Mapping[str, Any] | None,
        placement: Mapping[str, Any] | None,
        sr_ref: JSONDict,
    ) -> JSONDict:
        """A ReferralTask for one hold (with its placement, if it was confirmed) or for a placement alone."""
        request_id = str(request["id"])
        source = hold if hold is not None else placement
        if source is None:
            raise ValueError(f"request {request_id!r}: a Task needs a hold or a placement")
        provider_id = str(source["provider_id"])
        care_type = str(source.get("care_type", ""))
        if hold is not None:
            hold_status = hold.get("status")
            if hold_status not in HOLD_TASK_STATUS:
                raise ValueError(f"hold of request {request_id!r} has status {hold_status!r}, which has no Task status")
            # A confirmed placement completes the Task whatever the hold says since.
            state = "confirmed" if placement is not None else str(hold_status)
        else:
            state = "confirmed"
        owner = self.provider(provider_id)
        care_name = self.care_type_names.get(care_type, care_type)
        body: JSONDict = {
            "meta": {
                "tag": [
                    {
                        "system": self.system("fhir-tag"),
                        "code": "ReferralTask",
                        "display": "ReferralTask (naar Nictiz hg-ReferralTask)",
                    }
                ]
            },
        }
        identifiers = [{"system": self.region_system("request"), "value": request_id}]
        if hold is not None and hold.get("hold_id"):
            identifiers.insert(0, {"system": self.region_system("hold"), "value": str(hold["hold_id"])})
        body["identifier"] = identifiers
        body["basedOn"] = [sr_ref]
        body["status"] = HOLD_TASK_STATUS[state]
        if state in _HOLD_STATUS_REASON:
            body["statusReason"] = {"text": _HOLD_STATUS_REASON[state]}
        body["businessStatus"] = {
            "coding": [self.coding("hold-status", state)],
            "text": _HOLD_BUSINESS_STATUS[state],
        }
        body["intent"] = "order"
        urgency = (request.get("triage") or {}).get("urgency")
        if isinstance(urgency, str) and urgency in PRIORITY:
            body["priority"] = PRIORITY[urgency]
        body["code"] = {
            "coding": [{"system": SNOMED, "code": "3457005", "display": "verwijzen van patiënt"}],
            "text": "ReferralTask: plaats voor acute zorg",
        }
        body["description"] = f"Plaats {care_name} bij {owner.get('display', provider_id)}"
        body["focus"] = sr_ref
        body["for"] = self.ref("Patient", self.patient_ref)
        reserved = _last_history(request, "reserved")
        authored = (reserved or {}).get("at") or (placement or {}).get("confirmed_at") or request.get("created_at")
        if authored:
            body["authoredOn"] = authored
        last = self._task_last_modified(request, state, placement)
        if last:
            body["lastModified"] = last
        body["requester"] = self.zcc()
        body["owner"] = owner
        if hold is not None and hold.get("held_until"):
            body["restriction"] = {"period": {"end": hold["held_until"]}}
        notes = [f"Zorgsoort: {care_name}"]
        travel = source.get("travel_minutes")
        if isinstance(travel, int | float):
            notes.append(f"Reistijd ca. {round(travel)} minuten")
        body["note"] = [{"text": n} for n in notes]
        return self.add("Task", self._task_key(request_id, hold), body)

    @staticmethod
    def _task_last_modified(request: Mapping[str, Any], state: str, placement: Mapping[str, Any] | None) -> Any:
        if state == "confirmed":
            return (placement or {}).get("confirmed_at") or (_last_history(request, "placed") or {}).get("at")
        action = {"held": "reserved", "released": "released", "expired": "hold_expired"}[state]
        return (_last_history(request, action) or {}).get("at")

    def encounter(
        self,
        request: Mapping[str, Any],
        placement: Mapping[str, Any],
        *,
        sr_ref: JSONDict,
        episode: JSONDict,
    ) -> JSONDict:
        request_id = str(request["id"])
        care_type = str(placement.get("care_type", ""))
        code = encounter_class(care_type)
        body: JSONDict = {
            "identifier": [{"system": self.region_system("placement"), "value": request_id}],
            # Confirmed by the ZCC, not yet started; a later cancel of the request cancels the visit/stay.
            "status": "cancelled" if request.get("status") == "cancelled" else "planned",
            "class": {"system": V3_ACT_CODE, "code": code, "display": _CLASS_DISPLAY[code]},
            "type": [self.care_type_concept(care_type)],
            "subject": self.ref("Patient", self.patient_ref),
            "episodeOfCare": [episode],
            "basedOn": [sr_ref],
        }
        complaint = request.get("complaint")
        if isinstance(complaint, str) and complaint:
            body["reasonCode"] = [{"text": complaint}]
        body["serviceProvider"] = self.provider(str(placement["provider_id"]))
        return self.add("Encounter", f"{request_id}/placement", body)

    # --- output -------------------------------------------------------------------

    def bundle(self) -> JSONDict:
        out: JSONDict = {
            "resourceType": "Bundle",
            "id": self.full_url("Bundle", self.trajectory_key).removeprefix("urn:uuid:"),
        }
        if self.hints.get("sharing_objection"):
            out["meta"] = {
                "security": [{"system": V3_CONFIDENTIALITY, "code": "R", "display": "restricted"}],
            }
        out["identifier"] = {"system": self.region_system("trajectory-export"), "value": self.trajectory_key}
        out["type"] = "collection"
        updated = self.record.get("updated_at")
        if updated:
            out["timestamp"] = updated
        out["entry"] = [
            {"fullUrl": self.full_url(resource_type, key), "resource": resource}
            for (resource_type, key), resource in _ordered(self._entries)
        ]
        return out


_TYPE_ORDER = (
    "Patient",
    "EpisodeOfCare",
    "CarePlan",
    "CareTeam",
    "PractitionerRole",
    "Practitioner",
    "ServiceRequest",
    "Task",
    "Encounter",
    "Organization",
)


def _ordered(entries: Mapping[tuple[str, str], JSONDict]) -> Iterable[tuple[tuple[str, str], JSONDict]]:
    """Entries by resource type (trajectory first, then requests, then organisations), in insertion order within."""
    rank = {name: i for i, name in enumerate(_TYPE_ORDER)}
    return sorted(entries.items(), key=lambda item: rank.get(item[0][0], len(rank)))


def _period(start: Any, end: Any) -> JSONDict:
    out: JSONDict = {}
    if start:
        out["start"] = start
    if end:
        out["end"] = end
    return out


def _plus_minutes(timestamp: str, minutes: float) -> str:
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    end = (moment + timedelta(minutes=minutes)).astimezone(UTC).replace(microsecond=0)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


def _telecom(contact: Any) -> JSONDict | None:
    """A ContactPoint from 'tel:+31...' or 'mailto:...'; anything else is kept as 'other'."""
    if not isinstance(contact, str) or not contact:
        return None
    if contact.startswith("tel:"):
        return {"system": "phone", "value": contact.removeprefix("tel:"), "use": "work"}
    if contact.startswith("mailto:"):
        return {"system": "email", "value": contact.removeprefix("mailto:"), "use": "work"}
    if contact.startswith(("https://", "http://")):
        return {"system": "url", "value": contact, "use": "work"}
    return {"system": "other", "value": contact, "use": "work"}


def _practitioner_identifier(code: str, fallback_system: str) -> JSONDict:
    """An AGB-Z (or BIG) identifier from 'AGB-01234567'; an unrecognised code stays in zcc's own system."""
    if match := _AGB.match(code.strip()):
        return {"system": AGB_Z, "value": match.group(1)}
    if match := _BIG.match(code.strip()):
        return {"system": BIG, "value": match.group(1)}
    return {"system": fallback_system, "value": code}


def _last_history(request: Mapping[str, Any], action: str) -> Mapping[str, Any] | None:
    """The last history entry of the request with this action, if any."""
    found: Mapping[str, Any] | None = None
    for entry in request.get("history") or []:
        if isinstance(entry, Mapping) and entry.get("action") == action:
            found = entry
    return found
