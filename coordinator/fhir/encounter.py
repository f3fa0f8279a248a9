"""The ``Encounter`` per placement: the visit or stay the ZCC confirmed.

``status`` follows what the receiving provider reported (issue 15): planned (the ZCC confirmed
the place, nobody arrived yet; cancelled when the request was cancelled after it), arrived,
in-progress (admitted), finished (treated and home, referred on, discharged), cancelled (refused at
the door). ``period`` runs from the arrival to the discharge; ``hospitalization.dischargeDisposition``
is HL7's discharge-disposition code with the Dutch words (home, other-hcf, exp, oth).
``serviceProvider`` -> the provider,
``basedOn`` -> the ServiceRequest, ``episodeOfCare`` -> the EpisodeOfCare. ``class``
from v3 ActCode (:func:`~.codes.encounter_class`), as the zib Contact's ContactType
and like nl-core-Encounter: hap_consult -> AMB; hap_visit, wijkverpleging_spoed,
ggz_intensive_home -> HH (at home); ggz_crisis_assessment -> FLD (at home or on
location); seh -> EMER; elv_*, crisis_bed, ggz_crisis_bed, admission_* -> IMP (a bed).
An unknown care type falls back on its prefix (admission_/elv_ -> IMP, hap_ -> AMB),
then AMB.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .builder import Builder
from .codes import CLASS_DISPLAY, V3_ACT_CODE, encounter_class
from .datatypes import JSONDict
from .organization import provider

__all__ = ["DISCHARGE_DISPOSITION", "encounter"]

DISCHARGE_DISPOSITION_SYSTEM = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
#: How a stay ended -> HL7 discharge-disposition code, its display, and the Dutch words.
DISCHARGE_DISPOSITION: dict[str, tuple[str, str, str]] = {
    "home": ("home", "Home", "Naar huis"),
    "home_with_district_nursing": ("home", "Home", "Naar huis met wijkverpleging"),
    "other_place": ("other-hcf", "Other healthcare facility", "Naar een andere plek"),
    "deceased": ("exp", "Expired", "Overleden"),
    "refused": ("oth", "Other", "Geweigerd aan de deur"),
}


def _status(cancelled: bool, stay: Mapping[str, Any] | None) -> str:
    """The Encounter's status from the stay the receiving provider reported."""
    if cancelled:
        return "cancelled"
    if not stay:
        return "planned"
    if stay.get("outcome") == "refused":
        return "cancelled"
    if stay.get("discharged_at"):
        return "finished"
    if stay.get("outcome"):
        return "in-progress"
    return "arrived" if stay.get("arrived_at") else "planned"


def _stay_elements(body: JSONDict, stay: Mapping[str, Any]) -> None:
    """Period and discharge disposition of a reported stay."""
    start, end = (
        stay.get("arrived_at"),
        stay.get("discharged_at") or (stay.get("outcome_at") if stay.get("outcome") == "refused" else None),
    )
    if isinstance(start, str) and start:
        body["period"] = {"start": start} | ({"end": end} if isinstance(end, str) and end else {})
    how = "refused" if stay.get("outcome") == "refused" else stay.get("destination")
    if isinstance(how, str) and how in DISCHARGE_DISPOSITION:
        code, display, words = DISCHARGE_DISPOSITION[how]
        if how == "refused" and stay.get("refusal_reason"):
            words += f": {stay['refusal_reason']}"
        body["hospitalization"] = {
            "dischargeDisposition": {
                "coding": [{"system": DISCHARGE_DISPOSITION_SYSTEM, "code": code, "display": display}],
                "text": words,
            }
        }


def encounter(
    b: Builder,
    *,
    request_id: str,
    cancelled: bool,
    complaint: Any,
    placement: Mapping[str, Any],
    sr_ref: JSONDict,
    episode: JSONDict,
    stay: Mapping[str, Any] | None = None,
    key: str = "placement",
) -> JSONDict:
    """Add the Encounter of a request's placement and return the reference to it."""
    care_type = str(placement.get("care_type", ""))
    code = encounter_class(care_type)
    body: JSONDict = {
        "identifier": [{"system": b.region_system("placement"), "value": request_id}],
        # As the receiving provider reported it; a later cancel of the request cancels the visit/stay.
        "status": _status(cancelled, stay),
        "class": {"system": V3_ACT_CODE, "code": code, "display": CLASS_DISPLAY[code]},
        "type": [b.care_type_concept(care_type)],
        "subject": b.ref("Patient", b.patient_ref),
        "episodeOfCare": [episode],
        "basedOn": [sr_ref],
    }
    if stay:
        _stay_elements(body, stay)
    if isinstance(complaint, str) and complaint:
        body["reasonCode"] = [{"text": complaint}]
    body["serviceProvider"] = provider(b, str(placement["provider_id"]))
    return b.add("Encounter", f"{request_id}/{key}", body)
