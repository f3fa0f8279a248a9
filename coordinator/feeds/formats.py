"""Feed formats: each turns a fetched document into capacity reports, or InvalidInput naming what is wrong.

``zcc-json`` is the body of ``POST /api/v1/capacity`` (one update or ``{"updates": [...]}``); ``csv`` a
table with a header row ``provider_id,care_type,available,total,reported_at,valid_for_minutes`` (``total``
and ``valid_for_minutes`` may be empty or left out). ``fhir-measurereport`` and ``edxl-have`` are parsed by
the FHIR and EDXL-HAVE connectors, which register their parser here with :func:`register_parser`; until
one is registered a feed of that format polls with the outcome ``unsupported``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from capacity.errors import InvalidInput

from ..schemas import capacity_updates

__all__ = ["FeedParser", "FeedReport", "UnsupportedFormat", "parser_for", "register_parser"]


@dataclass(frozen=True, slots=True)
class FeedReport:
    """One capacity report read from a feed, not yet checked against the region."""

    provider_id: str
    care_type: str
    available: int
    total: int | None
    reported_at: datetime
    valid_for_minutes: int | None
    field: str  # where in the document it came from, for error texts ("updates[2].", "row 3.")


#: A parser: (document bytes, the Content-Type it came with, the polled provider's id) -> reports.
#: The provider id is context (a document may leave it implicit); a report naming another provider is
#: refused by the poller, not by the parser.
FeedParser: TypeAlias = Callable[[bytes, str, str], list[FeedReport]]


class UnsupportedFormat(Exception):
    """No parser is registered for the feed's format."""


def _zcc_json(body: bytes, content_type: str, provider_id: str) -> list[FeedReport]:
    """The capacity API's own body."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"the feed is not JSON: {exc}", field="body") from None
    parsed, prefixes = capacity_updates(doc)
    return [
        FeedReport(u.provider_id, u.care_type, u.available, u.total, u.reported_at, u.valid_for_minutes, p)
        for u, p in zip(parsed, prefixes, strict=True)
    ]


_CSV_REQUIRED = ("provider_id", "care_type", "available", "reported_at")
_CSV_COLUMNS = (*_CSV_REQUIRED, "total", "valid_for_minutes")


def _whole(row: dict[str, str | None], name: str, where: str, *, low: int, high: int, required: bool) -> int | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidInput(f"{name} is empty", field=f"{where}{name}")
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} must be a whole number {low} to {high}, not {raw!r}", field=f"{where}{name}")
    return int(raw)


def _csv(body: bytes, content_type: str, provider_id: str) -> list[FeedReport]:
    """A header row, then one report per row."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the feed is not UTF-8 text", field="body") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in _CSV_REQUIRED if c not in header]
    if missing:
        raise InvalidInput(f"the CSV header lacks {', '.join(missing)}", field="header")
    unknown = [h for h in header if h not in _CSV_COLUMNS]
    if unknown:
        raise InvalidInput(f"unknown CSV column(s) {', '.join(unknown)}", field="header")
    reader.fieldnames = header
    out: list[FeedReport] = []
    for n, row in enumerate(reader, start=2):
        where = f"row {n}."
        if None in row:
            raise InvalidInput("more cells than columns", field=f"row {n}")
        pid, ct = (row.get("provider_id") or "").strip(), (row.get("care_type") or "").strip()
        if not pid:
            raise InvalidInput("provider_id is empty", field=f"{where}provider_id")
        if not ct:
            raise InvalidInput("care_type is empty", field=f"{where}care_type")
        available = _whole(row, "available", where, low=0, high=100_000, required=True)
        total = _whole(row, "total", where, low=0, high=100_000, required=False)
        valid = _whole(row, "valid_for_minutes", where, low=1, high=24 * 60, required=False)
        raw_at = (row.get("reported_at") or "").strip()
        try:
            at = datetime.fromisoformat(raw_at.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"reported_at {raw_at!r} is not ISO 8601", field=f"{where}reported_at") from None
        if at.tzinfo is None:
            raise InvalidInput("reported_at needs a UTC offset (Z or +01:00)", field=f"{where}reported_at")
        assert available is not None
        out.append(FeedReport(pid, ct, available, total, at, valid, where))
    if not out:
        raise InvalidInput("the CSV has no rows", field="body")
    return out


def _unsupported(name: str) -> FeedParser:
    def parse(body: bytes, content_type: str, provider_id: str) -> list[FeedReport]:
        raise UnsupportedFormat(f"no parser for feed format {name} is installed in this build")

    return parse


_PARSERS: dict[str, FeedParser] = {
    "zcc-json": _zcc_json,
    "csv": _csv,
    "fhir-measurereport": _unsupported("fhir-measurereport"),
    "edxl-have": _unsupported("edxl-have"),
}


def register_parser(fmt: str, parser: FeedParser) -> None:
    """Install the parser of ``fmt`` (the FHIR and EDXL-HAVE connectors call this)."""
    _PARSERS[fmt] = parser


def parser_for(fmt: str) -> FeedParser:
    """The parser of ``fmt`` (region files only name known formats)."""
    return _PARSERS[fmt]
