"""The region's figures after the placement over HTTP: JSON, or CSV with ``Accept: text/csv``."""

from __future__ import annotations

from aiohttp import web

from ..auth import require
from ..followup_schemas import IndicatorsQuery
from ..indicators import facts_of_records, figures, to_csv
from ..jsonio import json_response
from ..keys import CAPACITY, REQUESTS
from ..schemas import validate

__all__ = ["INDICATOR_ROLES", "get_indicators"]

#: Who reads the figures: aggregates only, no patient in them.
INDICATOR_ROLES = ("triage", "ops", "admin")


async def get_indicators(request: web.Request) -> web.Response:
    """Per provider kind and care type: within the window, to arrival, refusals, readmissions, length of stay."""
    require(request, *INDICATOR_ROLES)
    q = validate(IndicatorsQuery, dict(request.query))
    kinds = {p.id: p.kind for p in request.app[CAPACITY].region.providers.values()}
    records = await request.app[REQUESTS].list_all()
    result = figures(facts_of_records(records, kinds), q.from_, q.to)
    if "text/csv" in request.headers.get("Accept", ""):
        return web.Response(text=to_csv(result), content_type="text/csv", charset="utf-8")
    return json_response(result)
