"""The triage board web page: its static files (served without auth: they hold no data) and the region map."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from capacity.errors import NotFound

from ..auth import require
from ..jsonio import json_response
from ..keys import CAPACITY, SETTINGS
from ..tokens import ROLES
from ..vendor import tile_origin

__all__ = ["STATIC_DIR", "index", "region_map", "static_file"]

#: The page's files: plain JavaScript modules and CSS, served as they are (no build step).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: What a static file name may look like (the route's pattern): one flat folder, known extensions only.
STATIC_NAME = r"[a-z0-9_-]+\.(?:js|css|svg)"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The page holds a bearer token in sessionStorage, so script injection is the threat that matters:
# only our own scripts and styles run, the page talks only to its own origin, nothing frames it.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate every load (ETag / Last-Modified make that cheap), so a new release shows at once.
    "Cache-Control": "no-cache",
}


def _file(path: Path, tiles: str | None = None) -> web.FileResponse:
    headers = {**_SECURITY_HEADERS, "Content-Type": _CONTENT_TYPES[path.suffix]}
    if tiles:
        # The base map's tiles are images from the one configured origin; nothing else is let in.
        csp = headers["Content-Security-Policy"]
        headers["Content-Security-Policy"] = csp.replace("img-src 'self' data:", f"img-src 'self' data: {tiles}")
    return web.FileResponse(path, headers=headers)


async def index(request: web.Request) -> web.FileResponse:
    """The triage board page."""
    return _file(STATIC_DIR / "index.html", tile_origin(request.app[SETTINGS].map_tiles))


async def static_file(request: web.Request) -> web.FileResponse:
    """One file of the page (the route's pattern admits only flat names with a known extension)."""
    name = request.match_info["name"]
    path = STATIC_DIR / name
    if not path.is_file():
        raise NotFound(f"no static file {name!r}", field="name")
    return _file(path)


async def region_map(request: web.Request) -> web.Response:
    """The region's locations, roads, care types and base map: what the page needs to draw its map (any role)."""
    who = require(request, *ROLES)
    region = request.app[CAPACITY].region
    settings = request.app[SETTINGS]
    tiles = settings.map_tiles if tile_origin(settings.map_tiles) else None
    return json_response(
        {
            "region": {"id": region.id, "name": region.name},
            # Who the token is, so the page shows a provider its own capacity form.
            "caller": {"role": who.role, "providers": sorted(who.providers)},
            "locations": [
                {
                    "id": loc.id,
                    "name": loc.name,
                    "lat": loc.lat,
                    "lon": loc.lon,
                    "kind": loc.kind,
                    "population": loc.population,
                }
                for loc in region.locations.values()
            ],
            "roads": [
                {
                    "from": road.a,
                    "to": road.b,
                    "minutes": road.minutes,
                    "tier": road.tier or None,
                    "ref": road.ref or None,
                    "oneway": road.oneway,
                }
                for road in region.roads
            ],
            "base_map": {"tiles": tiles, "attribution": settings.map_attribution if tiles else ""},
            "care_types": [
                {"id": ct.id, "name": ct.name, "kinds": sorted(ct.kinds), "unit": ct.unit}
                for ct in region.care_types.values()
            ],
        }
    )
