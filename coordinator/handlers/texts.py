"""The labels and texts of the message catalogue in the reader's language, for the page (any role)."""

from __future__ import annotations

from aiohttp import web

from ..auth import require
from ..jsonio import json_response
from ..keys import LABELS
from ..texts import catalogue, current_language
from ..tokens import ROLES

__all__ = ["get_texts"]


async def get_texts(request: web.Request) -> web.Response:
    """Labels (kind -> id -> text) and every template of the catalogue, in the negotiated language."""
    require(request, *ROLES)
    lang = current_language()
    cat = catalogue()
    texts = {code: t for code, t in cat.texts(lang).items() if not code.startswith("label.")}
    return json_response({"language": lang, "labels": cat.labels(lang, request.app[LABELS]), "texts": texts})
