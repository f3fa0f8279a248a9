"""The board map's libraries (Leaflet and Leaflet.markercluster), installed from npm and served by zcc itself.

``npm ci`` (scripts/test, the Dockerfile's build stage, or by hand) installs the versions pinned in
package.json and package-lock.json into ``node_modules/``; zcc serves a fixed list of their files under
``/static/vendor/`` (no CDN, so the page's Content-Security-Policy stays ``'self'``). Without them the
page falls back to its own SVG map.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from capacity.errors import NotFound

from .keys import SETTINGS

__all__ = ["VENDOR_FILES", "VENDOR_NAME", "find_vendor_dir", "tile_origin", "vendor_file"]

_LOGGER = logging.getLogger(__name__)

#: The files the page may load, by the name it asks for: (npm package, path inside it).
VENDOR_FILES: dict[str, tuple[str, str]] = {
    "leaflet.js": ("leaflet", "dist/leaflet.js"),
    "leaflet.css": ("leaflet", "dist/leaflet.css"),
    "leaflet.markercluster.js": ("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    "MarkerCluster.css": ("leaflet.markercluster", "dist/MarkerCluster.css"),
    "MarkerCluster.Default.css": ("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
}

#: The route's pattern for a vendor file name (the list above decides what is served).
VENDOR_NAME = r"[A-Za-z0-9_.-]+\.(?:js|css)"

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def find_vendor_dir(configured: Path | None) -> Path | None:
    """The ``node_modules`` folder holding the map libraries: the configured one, else beside the packages,
    else ``<prefix>/share/zcc/node_modules`` (where the container image puts them); None when not installed."""
    beside = Path(__file__).resolve().parents[1] / "node_modules"
    shared = Path(sys.prefix) / "share" / "zcc" / "node_modules"
    for candidate in [configured] if configured is not None else [beside, shared]:
        if (candidate / "leaflet" / "dist" / "leaflet.js").is_file():
            return candidate
    return None


def tile_origin(url: str) -> str | None:
    """The origin (``https://host[:port]``) of a tile URL template, for the page's CSP; None when unusable."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or "{z}" not in url:
        _LOGGER.warning("map tile URL %r is no http(s) template with {z}/{x}/{y}: the map has no base map", url)
        return None
    return f"{parts.scheme}://{parts.netloc}"


async def vendor_file(request: web.Request) -> web.FileResponse:
    """One file of the map libraries, when installed (404 otherwise: the page then draws its SVG map)."""
    name = request.match_info["name"]
    entry = VENDOR_FILES.get(name)
    root = find_vendor_dir(request.app[SETTINGS].vendor_dir)
    if entry is None or root is None:
        raise NotFound(f"no vendor file {name!r} (install the map libraries with npm ci)", field="name")
    path = root / entry[0] / entry[1]
    if not path.is_file():
        raise NotFound(f"no vendor file {name!r} (install the map libraries with npm ci)", field="name")
    headers = {"Content-Type": _TYPES[path.suffix], "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return web.FileResponse(path, headers=headers)
