"""The forecast of free places per care type over the next hours (no patient data: counts of places only)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from capacity.errors import InvalidInput
from capacity.messages import msg

from ..auth import require
from ..jsonio import json_response
from ..keys import CAPACITY, FORECAST
from ..schemas import validate

__all__ = ["FORECAST_ROLES", "ForecastQuery", "get_forecast"]

#: Who may read the forecast: every role that works with the board, not providers.
FORECAST_ROLES = ("triage", "ops", "admin", "dispatch")


class ForecastQuery(BaseModel):
    """Query of a forecast: one care type (or every care type of the region) and the hours ahead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    care_type: str | None = Field(
        default=None, min_length=1, max_length=100, description="A care type; every care type when left out"
    )
    hours: int = Field(default=8, ge=1, le=24, description="Hours ahead, 1 to 24")


async def get_forecast(request: web.Request) -> web.Response:
    """Per care type and whole hour: the expected free places and the chance the care type is full in the region."""
    require(request, *FORECAST_ROLES)
    q = validate(ForecastQuery, dict(request.query))
    region = request.app[CAPACITY].region
    if q.care_type is not None and q.care_type not in region.care_types:
        raise InvalidInput(msg("error.unknown_care_type", value=q.care_type), field="care_type")
    offered = sorted({offer.care_type for _, offer in region.offers()})
    if q.care_type is not None and q.care_type not in offered:
        raise InvalidInput(msg("error.care_type_not_offered", care_type=q.care_type), field="care_type")
    care_types = [q.care_type] if q.care_type is not None else offered
    try:
        answer = await request.app[FORECAST].forecast(care_types, q.hours)
    except TimeoutError:
        raise web.HTTPServiceUnavailable(
            text="the forecast took too long; try again in a moment", headers={"Retry-After": "5"}
        ) from None
    return json_response(answer)
