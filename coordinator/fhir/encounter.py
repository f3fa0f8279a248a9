"""The ``Encounter`` per placement: the visit or stay the ZCC confirmed.

``status`` planned: the ZCC confirmed the place, the care has not started (cancelled
when the request was cancelled after it); ``serviceProvider`` -> the provider,
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

__all__ = ["encounter"]


def encounter(
    b: Builder,
    *,
    request_id: str,
    cancelled: bool,
    complaint: Any,
    placement: Mapping[str, Any],
    sr_ref: JSONDict,
    episode: JSONDict,
) -> JSONDict:
    """Add the Encounter of a request's placement and return the reference to it."""
    care_type = str(placement.get("care_type", ""))
    code = encounter_class(care_type)
    body: JSONDict = {
        "identifier": [{"system": b.region_system("placement"), "value": request_id}],
        # Confirmed by the ZCC, not yet started; a later cancel of the request cancels the visit/stay.
        "status": "cancelled" if cancelled else "planned",
        "class": {"system": V3_ACT_CODE, "code": code, "display": CLASS_DISPLAY[code]},
        "type": [b.care_type_concept(care_type)],
        "subject": b.ref("Patient", b.patient_ref),
        "episodeOfCare": [episode],
        "basedOn": [sr_ref],
    }
    if isinstance(complaint, str) and complaint:
        body["reasonCode"] = [{"text": complaint}]
    body["serviceProvider"] = provider(b, str(placement["provider_id"]))
    return b.add("Encounter", f"{request_id}/placement", body)
