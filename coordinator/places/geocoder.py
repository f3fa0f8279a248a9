"""Geocoding a patient's address: the interface, PDOK Locatieserver behind it, and the PC4 fallback.

PDOK Locatieserver (the Dutch government's free address service) answers ``GET <url>?q=...``
in a Solr-style envelope::

    {"response": {"numFound": 1, "start": 0, "maxScore": 12.3,
                  "docs": [{"type": "adres", "weergavenaam": "Tegelseweg 210, 5912BL Venlo",
                            "centroide_ll": "POINT(6.16 51.35)", "postcode": "5912BL", ...}]}}

``centroide_ll`` is WGS84 longitude then latitude. A lookup is bounded by a short timeout; a
slow, failing (5xx) or malformed answer is :class:`GeocoderUnavailable`, and the caller falls
back to the PC4 table and says so. Answers are cached (LRU with a time to live) in memory
only: an address is patient data, so it is never logged or stored, and it is sent only when
the deployment configures the service (``ZCC_GEOCODER_URL``; off by default).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from cachetools import TTLCache

__all__ = ["GeocodeHit", "Geocoder", "GeocoderUnavailable", "PdokGeocoder", "parse_pdok"]

_LOGGER = logging.getLogger(__name__)

_POINT = re.compile(r"POINT\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)")


class GeocoderUnavailable(Exception):
    """The geocoder did not answer in time, failed, or answered something that is not its format."""


@dataclass(frozen=True, slots=True)
class GeocodeHit:
    """Where an address is: its coordinate, the name the service gives it, and its postcode if known."""

    lat: float
    lon: float
    label: str
    postcode: str | None = None


class Geocoder(Protocol):
    """Turns an address into a coordinate."""

    async def geocode(self, address: str) -> GeocodeHit | None:
        """The best hit for ``address``, None when the service knows no such address.

        Raises :class:`GeocoderUnavailable` when the service cannot answer.
        """
        ...


def parse_pdok(body: Any) -> GeocodeHit | None:
    """The first document of a Locatieserver ``free`` answer; None when it found nothing.

    Raises :class:`GeocoderUnavailable` when ``body`` is not that format.
    """
    try:
        response = body["response"]
        docs = response["docs"]
        if not isinstance(docs, list):
            raise TypeError("docs is no list")
        if not docs:
            return None
        doc = docs[0]
        point = _POINT.fullmatch(str(doc["centroide_ll"]).strip())
        if point is None:
            raise ValueError("centroide_ll is no POINT(lon lat)")
        lon, lat = float(point[1]), float(point[2])
        postcode = doc.get("postcode")
        return GeocodeHit(lat, lon, str(doc.get("weergavenaam", "")), str(postcode) if postcode else None)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise GeocoderUnavailable(f"unexpected answer from the address service: {exc}") from None


class PdokGeocoder:
    """PDOK Locatieserver's ``free`` search, with a short timeout and a bounded in-memory cache."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        timeout: float = 1.0,
        cache_size: int = 1024,
        cache_seconds: float = 3600.0,
    ) -> None:
        self._session = session
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._cache: TTLCache[str, GeocodeHit | None] = TTLCache(maxsize=cache_size, ttl=cache_seconds)
        self.lookups = 0  # requests sent (cache misses), for tests and metrics

    async def geocode(self, address: str) -> GeocodeHit | None:
        """The best address hit (cached); GeocoderUnavailable when PDOK is slow, failing or malformed."""
        key = " ".join(address.casefold().split())
        if key in self._cache:
            return self._cache[key]
        params = {"q": address, "fq": "type:adres", "rows": "1", "fl": "weergavenaam,centroide_ll,postcode,type"}
        self.lookups += 1
        try:
            async with self._session.get(self._url, params=params, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise GeocoderUnavailable(f"the address service answered HTTP {resp.status}")
                body = await resp.json(content_type=None)
        except TimeoutError:
            raise GeocoderUnavailable("the address service did not answer in time") from None
        except aiohttp.ClientError as exc:
            raise GeocoderUnavailable(f"the address service cannot be reached ({type(exc).__name__})") from None
        except ValueError:
            raise GeocoderUnavailable("the address service answered no JSON") from None
        hit = parse_pdok(body)
        self._cache[key] = hit
        return hit
