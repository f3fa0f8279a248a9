"""Where a patient is, said as a postcode or a place name: full postcodes to PC4, place names to coordinates.

A Dutch postcode is four digits and two letters (``6211 AB``); the PC4 table knows the
four-digit area, so a full postcode is resolved to its PC4 area's centroid, and the answer says
so. A place name is matched case- and accent-insensitively (``sint odilienberg`` finds
``Sint Odiliënberg``) against the region's towns (``Leudal (Heythuysen)`` answers to both names)
and the places of the PC4 table. A name two places share is ambiguous: the answer lists them,
each with its municipality (``Heide (venray)``), which then picks one. An unknown name gets the
closest known names as suggestions.
"""

from __future__ import annotations

import difflib
import re
import statistics
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from capacity.errors import InvalidInput
from capacity.messages import Message, msg
from capacity.model import Region

__all__ = ["PlaceIndex", "PlaceMatch", "normalise", "parse_postcode"]

_FULL = re.compile(r"([1-9][0-9]{3})\s?([A-Za-z]{2})")
_PC4 = re.compile(r"[1-9][0-9]{3}")
_QUALIFIED = re.compile(r"(.+?)\s*(?:\((.+)\)|,\s*(.+))")
_SUGGESTIONS = 5


def parse_postcode(raw: str, field: str) -> tuple[str, str | None]:
    """(PC4, the full postcode as ``6211 AB`` or None) of a PC4 or full postcode; InvalidInput naming ``field``."""
    text = raw.strip()
    if _PC4.fullmatch(text):
        return text, None
    full = _FULL.fullmatch(text)
    if full is None:
        raise InvalidInput(msg("place.bad_postcode", postcode=raw), field=field)
    return full[1], f"{full[1]} {full[2].upper()}"


def normalise(name: str) -> str:
    """A name as it is compared: lower case, accents and punctuation gone, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A place a name stands for: its name, municipality (a location id where known) and coordinate."""

    name: str
    municipality: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        """How a person tells it from another place of the same name: ``Heide (venray)``."""
        return f"{self.name} ({self.municipality})"


class PlaceIndex:
    """The region's towns and the PC4 table's places, by normalised name."""

    def __init__(
        self,
        region: Region,
        postcodes: Mapping[str, tuple[float, float, str]],
        municipalities: Mapping[str, str] | None = None,
    ) -> None:
        by_place: dict[tuple[str, str], list[tuple[float, float]]] = {}
        names: dict[tuple[str, str], str] = {}
        municipality_of = municipalities or {}
        for code, (lat, lon, place) in postcodes.items():
            key = (normalise(place), municipality_of.get(code, ""))
            by_place.setdefault(key, []).append((lat, lon))
            names.setdefault(key, place)
        self._places: dict[str, dict[str, PlaceMatch]] = {}
        # A town of the region is placed at its own coordinate, under its name and its seat's.
        for loc in region.locations.values():
            if loc.kind != "town":
                continue
            for name in _town_names(loc.name):
                self._add(PlaceMatch(name, loc.id, loc.lat, loc.lon))
        # Every other place at the median of its PC4 centroids.
        for place_key, points in by_place.items():
            lat = statistics.median(p[0] for p in points)
            lon = statistics.median(p[1] for p in points)
            self._add(PlaceMatch(names[place_key], place_key[1] or "?", lat, lon), keep_town=True)

    def _add(self, match: PlaceMatch, *, keep_town: bool = False) -> None:
        key = normalise(match.name)
        entries = self._places.setdefault(key, {})
        if keep_town and any(m.municipality == match.municipality for m in entries.values()):
            return  # the town itself (or the same place) is known already
        entries.setdefault(match.municipality, match)

    def __len__(self) -> int:
        return sum(len(v) for v in self._places.values())

    def find(self, raw: str, field: str) -> PlaceMatch:
        """The one place ``raw`` names; InvalidInput naming ``field`` when it is unknown or ambiguous."""
        text = raw.strip()
        if not text:
            raise InvalidInput(msg("place.empty"), field=field)
        qualified = _QUALIFIED.fullmatch(text)
        name, within = (qualified[1], qualified[2] or qualified[3]) if qualified else (text, None)
        entries = self._places.get(normalise(name))
        if entries is None and qualified:
            entries, within = self._places.get(normalise(text)), None
        if not entries:
            raise InvalidInput(self._unknown(raw, text), field=field)
        matches = list(entries.values())
        if within is not None:
            wanted = normalise(within)
            matches = [m for m in matches if normalise(m.municipality) == wanted or normalise(m.name) == wanted]
            if not matches:
                listed = ", ".join(sorted(m.label for m in entries.values()))
                raise InvalidInput(msg("place.not_in", place=name, within=within, known=listed), field=field)
        if len(matches) > 1:
            listed = ", ".join(sorted(m.label for m in matches))
            raise InvalidInput(msg("place.ambiguous", place=raw, known=listed), field=field)
        return matches[0]

    def _unknown(self, raw: str, text: str) -> Message:
        close = difflib.get_close_matches(normalise(text), list(self._places), n=_SUGGESTIONS, cutoff=0.75)
        labels = [m.label if len(self._places[c]) > 1 else m.name for c in close for m in self._places[c].values()]
        if labels:
            return msg("place.unknown_did_you_mean", place=raw, known=", ".join(labels[:_SUGGESTIONS]))
        return msg("place.unknown", place=raw)


def _town_names(name: str) -> list[str]:
    """'Leudal (Heythuysen)' answers to 'Leudal (Heythuysen)', 'Leudal' and 'Heythuysen'; 'Bergen (L.)' to 'Bergen'."""
    names = [name]
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if m:
        names.append(m[1])
        if len(m[2].rstrip(".")) > 2:
            names.append(m[2])
    return names
