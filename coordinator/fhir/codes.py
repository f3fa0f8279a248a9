"""Code systems, status mappings, Dutch display tables and practitioner identifiers (AGB, BIG) of the export."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .datatypes import JSONDict

__all__ = [
    "AGB_Z",
    "BIG",
    "CLASS_DISPLAY",
    "ENCOUNTER_CLASS",
    "EPISODE_STATUS",
    "FLAG_NOTES",
    "HOLD_BUSINESS_STATUS",
    "HOLD_STATUS_REASON",
    "HOLD_TASK_STATUS",
    "PHASE_LABEL",
    "PRIORITY",
    "PROVIDER_KIND_LABEL",
    "REQUEST_STATUS",
    "ROLE_LABEL",
    "SNOMED",
    "STOP_CRITERIA_LABEL",
    "V3_ACT_CODE",
    "V3_CONFIDENTIALITY",
    "encounter_class",
    "practitioner_identifier",
]

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

#: v3 ActCode encounter class -> its display.
CLASS_DISPLAY: Mapping[str, str] = {
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

#: Care-team role -> Dutch label.
ROLE_LABEL: Mapping[str, str] = {
    "gp": "Huisarts",
    "regiebehandelaar": "Regiebehandelaar (specialist ouderengeneeskunde)",
    "district_nurse": "Wijkverpleegkundige",
    "case_manager": "Casemanager",
    "poh_o": "Praktijkondersteuner ouderenzorg (POH-O)",
}

#: Trajectory phase -> Dutch label.
PHASE_LABEL: Mapping[str, str] = {
    "intake": "Intake",
    "startfase": "Startfase",
    "vervolgfase": "Vervolgfase",
    "evaluation_due": "Evaluatie nodig",
    "ended": "Beëindigd",
}

#: Provider kind -> Dutch label.
PROVIDER_KIND_LABEL: Mapping[str, str] = {
    "hap": "Huisartsenpost",
    "vvt": "VVT-organisatie (verpleging, verzorging en thuiszorg)",
    "hospital": "Ziekenhuis",
    "ggz": "GGZ-instelling",
}

#: Hold state -> Task.businessStatus text.
HOLD_BUSINESS_STATUS: Mapping[str, str] = {
    "held": "Plaats gereserveerd",
    "confirmed": "Plaatsing bevestigd",
    "released": "Reservering vrijgegeven",
    "expired": "Reservering verlopen",
}
#: Hold state -> Task.statusReason text, for the states that end a Task without a placement.
HOLD_STATUS_REASON: Mapping[str, str] = {
    "released": "Reservering door de ZCC vrijgegeven",
    "expired": "Reservering verlopen zonder bevestiging",
}

#: Stop criterion of the zorgtraject -> Dutch label, in the order the CarePlan note lists them.
STOP_CRITERIA_LABEL: Mapping[str, str] = {
    "diagnostiek_afgerond": "diagnostiek afgerond",
    "so_niet_meer_nodig": "specialist ouderengeneeskunde niet meer nodig",
    "betrokkenen_en_afspraken_helder": "betrokkenen en afspraken helder",
    "huisarts_ondersteuning_afgesproken": "ondersteuning huisarts afgesproken",
}

#: Boolean hint -> the label of its CarePlan note.
FLAG_NOTES: tuple[tuple[str, str], ...] = (
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


def practitioner_identifier(code: str, fallback_system: str) -> JSONDict:
    """An AGB-Z (or BIG) identifier from 'AGB-01234567'; an unrecognised code stays in zcc's own system."""
    if match := _AGB.match(code.strip()):
        return {"system": AGB_Z, "value": match.group(1)}
    if match := _BIG.match(code.strip()):
        return {"system": BIG, "value": match.group(1)}
    return {"system": fallback_system, "value": code}
