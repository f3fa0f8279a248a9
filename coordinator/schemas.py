"""Request bodies, validated at the edge with pydantic; errors name the field and the reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from capacity.errors import InvalidInput, MalformedBody

__all__ = [
    "AuditQuery",
    "CancelIn",
    "CapacityBatchIn",
    "CapacityUpdateIn",
    "DispatchQuery",
    "ProviderStatusIn",
    "RequestIn",
    "ReserveIn",
    "TrajectoryPatch",
    "field_path",
    "read_json",
    "validate",
]

_M = TypeVar("_M", bound=BaseModel)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CapacityUpdateIn(_In):
    """One capacity report from a provider."""

    provider_id: StrictStr = Field(min_length=1, max_length=100)
    care_type: StrictStr = Field(min_length=1, max_length=100)
    available: StrictInt = Field(ge=0, le=100_000, description="Units free now, as the provider counts them")
    total: StrictInt | None = Field(
        default=None, ge=0, le=100_000, description="Units in service now; defaults to the last known total"
    )
    reported_at: AwareDatetime = Field(description="When the provider counted (ISO 8601 with offset)")
    valid_for_minutes: StrictInt | None = Field(
        default=None, ge=1, le=24 * 60, description="How long the report stays fresh; default 60"
    )


class CapacityBatchIn(_In):
    """Several reports at once; applied all together or not at all."""

    updates: list[CapacityUpdateIn] = Field(min_length=1)


class ProviderStatusIn(_In):
    """Stop (no new patients) or open a provider."""

    status: Literal["open", "stop"]
    reason: StrictStr = Field(default="", max_length=300)
    until: AwareDatetime | None = Field(default=None, description="Expected end of the stop; it lifts by itself")


# A PC4 (6211) or a full postcode (6211 AB, 6211AB); the letters are resolved away to the PC4.
_POSTCODE = r"^\s*[1-9][0-9]{3}(\s?[A-Za-z]{2})?\s*$"


class DispatchQuery(_In):
    """Query of a dispatch lookup: where (a coordinate, postcode, place or address) and a care type."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    postcode: str | None = Field(
        default=None, pattern=_POSTCODE, description="PC4 (6211) or full postcode (6211 AB, resolved to its PC4)"
    )
    place: str | None = Field(default=None, max_length=100, description="a town or village of the region")
    address: str | None = Field(default=None, max_length=200, description="an address (when a geocoder is set up)")
    care_type: str = Field(min_length=1, max_length=100)
    limit: int = Field(default=5, ge=1, le=50)
    include_excluded: bool = False


class LocationIn(_In):
    """Where the patient is: a coordinate, a postcode (PC4 or full), a place name or an address."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    postcode: str | None = Field(default=None, pattern=_POSTCODE)
    place: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)


class FlagsIn(_In):
    """What the matcher needs to know of the patient beyond the triage."""

    can_return_home: bool = Field(default=True, description="ELV laag only if the patient can go home afterwards")
    wlz_indication: bool = Field(default=False, description="has a Wlz indication (crisis bed)")
    psychogeriatric: bool = Field(default=False, description="needs a psychogeriatric (PG) place")
    frail_elderly: bool = Field(default=False, description="frail elderly: home first, then ELV, then hospital")


class RequestIn(_In):
    """A new acute request, as the triage nurse enters it. Pseudonymous: no name, no BSN."""

    patient_ref: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    age: StrictInt = Field(ge=0, le=120)
    location: LocationIn
    complaint: StrictStr = Field(min_length=1, max_length=64)
    answers: dict[str, bool] = Field(default_factory=dict)
    hospital_override: StrictStr | None = Field(
        default=None,
        min_length=3,
        max_length=300,
        description="a clinician's reason to allow hospital care despite a 'no hospital admission' wish",
    )
    context: dict[str, bool | int] = Field(default_factory=dict)
    flags: FlagsIn = Field(default_factory=FlagsIn)


class ReserveIn(_In):
    """The proposal a nurse reserves."""

    provider_id: StrictStr = Field(min_length=1, max_length=100)
    care_type: StrictStr = Field(min_length=1, max_length=100)


class CancelIn(_In):
    """Why a request is cancelled (optional)."""

    reason: StrictStr = Field(default="", max_length=300)


class TeamMemberIn(_In):
    """One member of the patient's care team."""

    role: Literal["gp", "regiebehandelaar", "district_nurse", "case_manager", "poh_o"]
    name: StrictStr = Field(min_length=1, max_length=200, description="practice or professional")
    practitioner: StrictStr | None = Field(default=None, max_length=64, description="e.g. an AGB code; tokens carry it")
    organisation: StrictStr | None = Field(default=None, max_length=200)
    contact: StrictStr | None = Field(default=None, max_length=200, description="tel: or mailto:")


class HintsIn(_In):
    """Care-plan hints that matter in acute care."""

    preferred_providers: list[StrictStr] | None = None
    home_first: bool | None = None
    no_hospital_admission: bool | None = None
    acp_wishes: list[StrictStr] | None = Field(default=None, description="advance care planning wishes")
    mobility: StrictStr | None = Field(default=None, max_length=100)
    psychogeriatric: bool | None = None
    wlz_indication: bool | None = None
    can_return_home: bool | None = None
    sharing_objection: bool | None = Field(default=None, description="the patient objects to sharing their data")


class StopCriteriaIn(_In):
    """Seed 002's four stop criteria of the zorgtraject."""

    diagnostiek_afgerond: bool | None = None
    so_niet_meer_nodig: bool | None = None
    betrokkenen_en_afspraken_helder: bool | None = None
    huisarts_ondersteuning_afgesproken: bool | None = None


class TrajectoryPatch(_In):
    """Changes to a trajectory record; only the parts sent change."""

    care_team: list[TeamMemberIn] | None = None
    hints: HintsIn | None = None
    phase: Literal["intake", "startfase", "vervolgfase", "evaluation_due", "ended"] | None = None
    stop_criteria: StopCriteriaIn | None = None


class AuditQuery(_In):
    """Filters of the audit log."""

    patient_ref: str | None = Field(default=None, max_length=64)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    limit: int = Field(default=500, ge=1, le=10_000)


def field_path(loc: Sequence[int | str]) -> str:
    """``("updates", 3, "available")`` -> ``updates[3].available``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def validate(model: type[_M], data: Any, *, prefix: Sequence[int | str] = ()) -> _M:
    """Validate ``data`` as ``model``; InvalidInput naming the first bad field (all are listed in ``errors``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": field_path([*prefix, *e["loc"]]), "detail": _reason(e)} for e in exc.errors(include_url=False)
        ]
        first = errors[0]
        raise InvalidInput(f"{first['field']}: {first['detail']}", field=first["field"], errors=errors) from None


def _reason(e: Any) -> str:
    if e["type"] == "extra_forbidden":
        return "unknown field"
    if e["type"] == "missing":
        return "required field is missing"
    if e["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a JSON object"
    return str(e["msg"])


async def read_json(request: web.Request) -> Any:
    """The parsed JSON body; 415 for another content type, 400 for malformed JSON."""
    ctype = request.content_type
    if ctype not in ("application/json", "application/problem+json") and not ctype.endswith("+json"):
        raise web.HTTPUnsupportedMediaType(text=f"send Content-Type: application/json, not {ctype or 'nothing'}")
    raw = await request.read()
    if not raw:
        raise InvalidInput("the request body is empty; send a JSON object", field="body")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}", field="body") from None


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema of a request model, for the OpenAPI document."""
    return model.model_json_schema(ref_template="#/components/schemas/{model}")
