"""A small valid region file (each check test breaks one thing in it), the problem at a field, wall-clock times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from capacity.model import CareType
from capacity.region import check_region

__all__ = ["AMS", "local", "problems_at", "utc", "valid_region"]

AMS = ZoneInfo("Europe/Amsterdam")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """An aware datetime on the Amsterdam wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def valid_region() -> dict[str, Any]:
    """A small region that passes every check; each test below breaks one thing."""
    night = [{"days": "mon-sun", "from": "23:00", "to": "07:00"}]
    return {
        "region": {"id": "test", "name": "Testregio", "timezone": "Europe/Amsterdam"},
        "locations": [
            {"id": "maastricht", "name": "Maastricht", "lat": 50.85, "lon": 5.69, "population": 122000},
            {"id": "meerssen", "name": "Meerssen", "lat": 50.88, "lon": 5.75},
            {"id": "heerlen", "name": "Heerlen", "lat": 50.89, "lon": 5.98},
        ],
        "roads": [
            {"from": "maastricht", "to": "meerssen", "minutes": 11},
            {"from": "meerssen", "to": "heerlen", "minutes": 15.5},
        ],
        "providers": [
            {
                "id": "zh-a",
                "name": "Ziekenhuis A",
                "kind": "hospital",
                "location": "maastricht",
                "hours": "24/7",
                "care_types": {"seh": 4, "admission_geriatrics": {"total": 10}},
            },
            {
                "id": "vvt-a",
                "name": "VVT A",
                "kind": "vvt",
                "location": "meerssen",
                "hours": "24/7",
                "care_types": {
                    "elv_hoog": {"total": 5, "eligibility": {"psychogeriatric": True}},
                    "wijkverpleging_spoed": {"total": 2, "hours": night},
                },
            },
            {
                "id": "hap-a",
                "name": "Huisartsenpost A",
                "kind": "hap",
                "location": "heerlen",
                "hours": [
                    {"days": "mon-fri", "from": "17:00", "to": "08:00"},
                    {"days": "sat,sun", "from": "00:00", "to": "24:00"},
                ],
                "care_types": {"hap_consult": 3},
            },
        ],
    }


def problems_at(data: object, care_types: dict[str, CareType], field: str) -> str:
    """The one problem reported at ``field`` (lower-cased detail); fails if there is none."""
    errors = check_region(data, care_types)
    at = [e for e in errors if e.field == field]
    assert len(at) == 1, f"expected one problem at {field}, got {[str(e) for e in errors]}"
    return at[0].detail.lower()
