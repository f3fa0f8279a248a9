"""The bodies the receiving provider posts after a placement (arrival, outcome, discharge), and the indicators query."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationInfo, field_validator

from .fields import AS_INT, Timestamp
from .records.stay import RefusalReason

__all__ = ["ArrivedIn", "DischargeIn", "IndicatorsQuery", "OutcomeIn"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArrivedIn(_In):
    """The patient arrived; ``at`` defaults to now."""

    at: Timestamp | None = Field(default=None, description="When the patient arrived (default: now)")


class OutcomeIn(_In):
    """What happened at the door: admitted, treated and home, referred on (where to), or refused (why)."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"outcome": {"const": "refused"}}},
                    "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
                },
                {
                    "if": {"properties": {"outcome": {"const": "referred_on"}}},
                    "then": {
                        "required": ["referred_to"],
                        "properties": {"referred_to": {"type": "string", "pattern": r"\S"}},
                    },
                },
            ]
        }
    )

    outcome: Literal["admitted", "treated_and_home", "referred_on", "refused"]
    at: Timestamp | None = Field(default=None, description="When (default: now)")
    referred_to: StrictStr | None = Field(
        default=None, min_length=1, max_length=200, validate_default=True, description="Where to, for referred_on"
    )
    reason: RefusalReason | None = Field(default=None, validate_default=True, description="Why, for refused")
    text: StrictStr | None = Field(default=None, max_length=300, description="Free text with a refusal")

    @field_validator("reason")
    @classmethod
    def _refusal_has_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") == "refused" and reason is None:
            raise ValueError("a refusal needs a reason from the list")
        return reason

    @field_validator("referred_to")
    @classmethod
    def _referral_says_where(cls, where: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") == "referred_on" and not (where or "").strip():
            raise ValueError("a referral says where to")
        return where


class DischargeIn(_In):
    """The patient left: when, where to, and optionally the free count the provider has after it."""

    destination: Literal["home", "home_with_district_nursing", "other_place", "deceased"]
    at: Timestamp | None = Field(default=None, description="When the patient left (default: now)")
    available: Annotated[StrictInt, Field(ge=0, le=100_000), AS_INT] | None = Field(
        default=None, description="Units free after the discharge, as the provider counts them (default: one more)"
    )


class IndicatorsQuery(_In):
    """The window of the figures: placements confirmed from ``from`` up to ``to`` (empty when ``to`` <= ``from``)."""

    from_: Timestamp | None = Field(default=None, alias="from", description="From this time (ISO 8601 with offset)")
    to: Timestamp | None = Field(default=None, description="Up to this time (ISO 8601 with offset)")
