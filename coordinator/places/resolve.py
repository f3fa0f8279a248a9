"""Where the patient is, from what the caller gave: a coordinate, a postcode (PC4 or full), a place name or an address.

One of these, in this order of preference when several are given: ``lat``/``lon``, ``postcode``,
``place``, ``address``. A full postcode is resolved to its PC4 area and the answer says so; an
address goes to the geocoder when one is configured, and falls back to the PC4 table (the
postcode in the address) or a place name in it when the geocoder cannot answer, saying so. Every
refusal is an InvalidInput naming the field (``location.place`` in an intake).

The answer's ``resolution`` is for a person: a stable ``code`` with ``params`` and a Dutch
``text``. An address is never put into it, logged or stored: only the coordinate it gave.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from capacity.errors import InvalidInput, StoreUnavailable
from capacity.jsontypes import JSONObject
from capacity.messages import msg

from .geocoder import Geocoder, GeocoderUnavailable
from .names import PlaceIndex, parse_postcode

__all__ = ["Resolved", "Where", "resolve_location"]

_LOGGER = logging.getLogger(__name__)

_POSTCODE_IN_TEXT = re.compile(r"\b([1-9][0-9]{3})\s?([A-Za-z]{2})\b")

_TEXTS = {
    "coordinates": "Locatie uit de opgegeven coördinaten.",
    "pc4": "Locatie: midden van postcodegebied {pc4}.",
    "postcode_to_pc4": "Volledige postcode {postcode} herleid tot postcodegebied {pc4}; locatie is het midden daarvan.",
    "place": "Locatie: {place} ({municipality}).",
    "address": "Locatie van het adres volgens {service}.",
    "address_pc4_fallback": "Adresservice niet beschikbaar ({reason}); locatie is het midden van postcodegebied "
    "{pc4} uit het adres.",
    "address_place_fallback": "Adresservice niet beschikbaar ({reason}); locatie is {place} uit het adres.",
    "address_not_found_pc4": "Adres niet gevonden; locatie is het midden van postcodegebied {pc4} uit het adres.",
}


@dataclass(frozen=True, slots=True)
class Resolved:
    """A coordinate and how it was found."""

    lat: float
    lon: float
    code: str
    params: Mapping[str, str] = field(default_factory=dict)
    pc4: str | None = None
    place: str | None = None

    @property
    def text(self) -> str:
        """The Dutch sentence for the triage nurse or dispatcher."""
        return _TEXTS[self.code].format(**self.params)

    def to_json(self) -> JSONObject:
        """The ``resolution`` object of an answer."""
        return {"code": self.code, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True, slots=True)
class Where:
    """What the caller gave, as the request's fields (all optional)."""

    lat: float | None = None
    lon: float | None = None
    postcode: str | None = None
    place: str | None = None
    address: str | None = None


def _from_pc4(pc4: str, postcodes: Mapping[str, tuple[float, float, str]], field: str) -> tuple[float, float, str]:
    hit = postcodes.get(pc4)
    if hit is None:
        raise InvalidInput(msg("place.postcode_outside", pc4=pc4), field=field)
    return hit


async def resolve_location(
    where: Where,
    postcodes: Mapping[str, tuple[float, float, str]],
    places: Callable[[], Awaitable[PlaceIndex]],
    geocoder: Geocoder | None,
    *,
    prefix: str = "",
) -> Resolved:
    """The coordinate of ``where``; InvalidInput naming the field (with ``prefix``) when it cannot be had."""
    if where.lat is not None or where.lon is not None:
        if where.lat is None or where.lon is None:
            missing = "lat" if where.lat is None else "lon"
            raise InvalidInput(msg("place.lat_and_lon"), field=prefix + missing)
        if where.postcode is None and where.place is None and where.address is None:
            return Resolved(where.lat, where.lon, "coordinates")
    if where.postcode is not None:
        pc4, full = parse_postcode(where.postcode, prefix + "postcode")
        lat, lon, name = _from_pc4(pc4, postcodes, prefix + "postcode")
        if full is None:
            return Resolved(lat, lon, "pc4", {"pc4": pc4}, pc4=pc4, place=name)
        return Resolved(lat, lon, "postcode_to_pc4", {"postcode": full, "pc4": pc4}, pc4=pc4, place=name)
    if where.place is not None:
        match = (await places()).find(where.place, prefix + "place")
        params = {"place": match.name, "municipality": match.municipality}
        return Resolved(match.lat, match.lon, "place", params, place=match.name)
    if where.address is not None:
        return await _from_address(where.address, postcodes, places, geocoder, prefix + "address")
    if where.lat is not None and where.lon is not None:
        return Resolved(where.lat, where.lon, "coordinates")
    raise InvalidInput(msg("place.where"), field=(prefix.rstrip(".") or "lat"))


async def _from_address(
    address: str,
    postcodes: Mapping[str, tuple[float, float, str]],
    places: Callable[[], Awaitable[PlaceIndex]],
    geocoder: Geocoder | None,
    field: str,
) -> Resolved:
    """An address through the geocoder, else the postcode or place in it from the tables."""
    text = address.strip()
    if not text:
        raise InvalidInput(msg("place.address_empty"), field=field)
    if geocoder is None:
        raise InvalidInput(msg("place.no_geocoder"), field=field)
    reason = ""
    try:
        hit = await geocoder.geocode(text)
    except GeocoderUnavailable as exc:
        # The reason only: the address itself is patient data and stays out of the log.
        _LOGGER.warning("geocoder unavailable, falling back to the PC4 table: %s", exc)
        hit, reason = None, "geen antwoord"
    else:
        if hit is not None:
            pc4 = hit.postcode[:4] if hit.postcode else None
            return Resolved(hit.lat, hit.lon, "address", {"service": "PDOK Locatieserver"}, pc4=pc4)
    in_text = _POSTCODE_IN_TEXT.search(text)
    if in_text is not None and in_text[1] in postcodes:
        lat, lon, name = postcodes[in_text[1]]
        code = "address_pc4_fallback" if reason else "address_not_found_pc4"
        params = {"pc4": in_text[1], **({"reason": reason} if reason else {})}
        return Resolved(lat, lon, code, params, pc4=in_text[1], place=name)
    if reason:
        index = await places()
        for part in reversed([p for p in re.split(r",", text) if p.strip()]):
            words = re.sub(r"[0-9]{4}\s?[A-Za-z]{2}", " ", part).strip()
            try:
                match = index.find(words, field)
            except InvalidInput:
                continue
            return Resolved(match.lat, match.lon, "address_place_fallback", {"place": match.name, "reason": reason})
    if reason:
        raise StoreUnavailable(
            "the address service does not answer and the address holds no known postcode or place; "
            "give a postcode or a place"
        )
    raise InvalidInput(msg("place.address_not_found"), field=field)
