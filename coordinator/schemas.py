"""Request bodies, validated at the edge with pydantic; errors name the field and the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from capacity.errors import InvalidInput

from .fields import AS_INT, JsonInt, PatientRef, Timestamp
from .jsonio import MAX_DEPTH, parse_json, read_json

__all__ = [
    "MAX_BATCH",
    "MAX_DEPTH",
    "AuditQuery",
    "CancelIn",
    "CapacityBatchIn",
    "CapacityUpdateIn",
    "DispatchQuery",
    "ProviderStatusIn",
    "RequestIn",
    "ReserveIn",
    "TrajectoryPatch",
    "capacity_updates",
    "field_path",
    "parse_json",
    "read_json",
    "validate",
]

_M = TypeVar("_M", bound=BaseModel)

#: Updates in one capacity batch at most (Settings.max_batch may set fewer).
MAX_BATCH = 500
# What JSON Schema's \S (ECMA-262) calls visible: anything but its white space and line terminators.
_VISIBLE = re.compile("[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
# Examples in the shipped Limburg region, for the document's readers and Schemathesis' examples phase.
_UPDATE_EXAMPLE: JsonDict = {
    "provider_id": "zh-maastricht",
    "care_type": "seh",
    "available": 3,
    "total": 12,
    "reported_at": "2026-11-23T14:00:00Z",
    "valid_for_minutes": 60,
}
_REQUEST_EXAMPLE: JsonDict = {
    "patient_ref": "p-7f3a",
    "age": 84,
    "location": {"lat": 50.85, "lon": 5.69},
    "complaint": "dyspnoe",
    "answers": {"dys_copd_hartfalen": True},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CapacityUpdateIn(_In):
    """One capacity report from a provider."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UPDATE_EXAMPLE]})

    provider_id: StrictStr = Field(min_length=1, max_length=100)
    care_type: StrictStr = Field(min_length=1, max_length=100)
    available: JsonInt = Field(ge=0, le=100_000, description="Units free now, as the provider counts them")
    total: Annotated[StrictInt, Field(ge=0, le=100_000), AS_INT] | None = Field(
        default=None, description="Units in service now; defaults to the last known total"
    )
    reported_at: Timestamp = Field(
        description="When the provider counted: ISO 8601 with seconds and offset, year 2000 or later, and at most "
        "the allowed clock skew (300 s by default) ahead of the service's clock"
    )
    valid_for_minutes: Annotated[StrictInt, Field(ge=1, le=24 * 60), AS_INT] | None = Field(
        default=None, description="How long the report stays fresh; default 60"
    )


class CapacityBatchIn(_In):
    """Several reports at once; applied all together or not at all."""

    updates: list[CapacityUpdateIn] = Field(min_length=1, max_length=MAX_BATCH)


class ProviderStatusIn(_In):
    """Stop (no new patients) or open a provider; a stop needs a reason the triage staff can read."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"status": {"const": "stop"}}},
            "then": {"required": ["reason"], "properties": {"reason": {"pattern": r"\S"}}},
        }
    )

    status: Literal["open", "stop"]
    reason: StrictStr = Field(default="", max_length=300, validate_default=True)
    until: Timestamp | None = Field(
        default=None, description="Expected end of the stop (in the future, at most 14 days ahead); it lifts by itself"
    )
    care_type: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Stop or open only this care type of the provider (e.g. seh), its other care types stay "
        "offered; without it the status is the whole provider's",
    )

    @field_validator("reason")
    @classmethod
    def _stop_has_reason(cls, reason: str, info: ValidationInfo) -> str:
        if info.data.get("status") == "stop" and not _VISIBLE.search(reason):
            raise ValueError("a stop needs a reason the triage staff can read")
        return reason


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
    urgency: Literal["U0", "U1", "U2", "U3", "U4", "U5"] | None = Field(
        default=None, description="U0/U1 (life-threatening): an SEH under a stop is still listed, marked (LNAZ)"
    )


class LocationIn(_In):
    """Where the patient is: a coordinate (lat and lon), a postcode (PC4 or full), a place name or an address."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["lat", "lon"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
                {"required": ["postcode"], "properties": {"postcode": {"type": "string"}}},
                {"required": ["place"], "properties": {"place": {"type": "string"}}},
                {"required": ["address"], "properties": {"address": {"type": "string"}}},
            ],
            # A coordinate is both numbers or neither (null counts as not given).
            "dependentSchemas": {
                "lat": {
                    "anyOf": [
                        {"properties": {"lat": {"type": "null"}}},
                        {"required": ["lon"], "properties": {"lon": {"type": "number"}}},
                    ]
                },
                "lon": {
                    "anyOf": [
                        {"properties": {"lon": {"type": "null"}}},
                        {"required": ["lat"], "properties": {"lat": {"type": "number"}}},
                    ]
                },
            },
        }
    )

    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180, validate_default=True)
    postcode: StrictStr | None = Field(default=None, pattern=_POSTCODE)
    place: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    address: StrictStr | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("lon")
    @classmethod
    def _both_or_neither(cls, lon: float | None, info: ValidationInfo) -> float | None:
        if (info.data.get("lat") is None) != (lon is None) and "lat" in info.data:
            raise ValueError("give both lat and lon")
        return lon

    @model_validator(mode="after")
    def _a_place(self) -> LocationIn:
        given = (self.lat, self.lon, self.postcode, self.place, self.address)
        if all(v is None for v in given):
            raise ValueError(
                "give location.lat and location.lon, or location.postcode, location.place or location.address"
            )
        return self


class FlagsIn(_In):
    """What the matcher needs to know of the patient beyond the triage."""

    can_return_home: StrictBool = Field(default=True, description="ELV laag only if the patient can go home afterwards")
    wlz_indication: StrictBool = Field(default=False, description="has a Wlz indication (crisis bed)")
    psychogeriatric: StrictBool = Field(default=False, description="needs a psychogeriatric (PG) place")
    frail_elderly: StrictBool = Field(default=False, description="frail elderly: home first, then ELV, then hospital")


class RequestIn(_In):
    """A new acute request, as the triage nurse enters it. Pseudonymous: no name, no BSN."""

    model_config = ConfigDict(json_schema_extra={"examples": [_REQUEST_EXAMPLE]})

    patient_ref: PatientRef
    age: JsonInt = Field(ge=0, le=120)
    location: LocationIn
    complaint: StrictStr = Field(min_length=1, max_length=64)
    answers: dict[str, StrictBool] = Field(default_factory=dict, description="question id -> true or false")
    hospital_override: StrictStr | None = Field(
        default=None,
        min_length=3,
        max_length=300,
        description="a clinician's reason to allow hospital care despite a 'no hospital admission' wish",
    )
    context: dict[str, StrictBool | JsonInt] = Field(default_factory=dict)
    flags: FlagsIn = Field(default_factory=FlagsIn)


class ReserveIn(_In):
    """The proposal a nurse reserves."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"provider_id": "vvt-maastricht-1", "care_type": "elv_hoog"}]}
    )

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
    home_first: StrictBool | None = None
    no_hospital_admission: StrictBool | None = None
    acp_wishes: list[StrictStr] | None = Field(default=None, description="advance care planning wishes")
    mobility: StrictStr | None = Field(default=None, max_length=100)
    psychogeriatric: StrictBool | None = None
    wlz_indication: StrictBool | None = None
    can_return_home: StrictBool | None = None
    sharing_objection: StrictBool | None = Field(default=None, description="the patient objects to sharing their data")


class StopCriteriaIn(_In):
    """Seed 002's four stop criteria of the zorgtraject."""

    diagnostiek_afgerond: StrictBool | None = None
    so_niet_meer_nodig: StrictBool | None = None
    betrokkenen_en_afspraken_helder: StrictBool | None = None
    huisarts_ondersteuning_afgesproken: StrictBool | None = None


def _not_null(schema: dict[str, Any]) -> None:
    """The schema of an optional field that may not be null (absent means unchanged): no null, no default."""
    schema.pop("default", None)
    kinds = [k for k in schema.pop("anyOf", []) if k != {"type": "null"}]
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds


class TrajectoryPatch(_In):
    """Changes to a trajectory record; only the parts sent change, and at least one is sent (none as null)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    care_team: list[TeamMemberIn] | None = Field(default=None, json_schema_extra=_not_null)
    hints: HintsIn | None = Field(default=None, json_schema_extra=_not_null)
    phase: Literal["intake", "startfase", "vervolgfase", "evaluation_due", "ended"] | None = Field(
        default=None, json_schema_extra=_not_null
    )
    stop_criteria: StopCriteriaIn | None = Field(default=None, json_schema_extra=_not_null)

    @model_validator(mode="before")
    @classmethod
    def _some_change(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data:
            raise ValueError("send at least one of care_team, hints, phase, stop_criteria")
        return data

    @field_validator("care_team", "hints", "phase", "stop_criteria", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it as it is")
        return value


class AuditQuery(_In):
    """Filters of the audit log."""

    patient_ref: PatientRef | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: int = Field(default=500, ge=1, le=10_000)


def capacity_updates(body: Any, max_batch: int = MAX_BATCH) -> tuple[list[CapacityUpdateIn], list[str]]:
    """The updates of a capacity body (one update, or ``{"updates": [...]}``) and each one's field prefix."""
    if isinstance(body, dict) and "updates" in body:
        items = body["updates"]
        if isinstance(items, list) and len(items) > max_batch:
            raise InvalidInput(f"at most {max_batch} updates per request, got {len(items)}", field="updates")
        parsed = validate(CapacityBatchIn, body).updates
        return parsed, [f"updates[{i}]." for i in range(len(parsed))]
    return [validate(CapacityUpdateIn, body)], [""]


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
    if e["type"] == "value_error":
        return str(e["msg"]).removeprefix("Value error, ")
    return str(e["msg"])


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema of a request model, for the OpenAPI document."""
    return model.model_json_schema(ref_template="#/components/schemas/{model}")
