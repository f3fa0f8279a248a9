"""The audit log as CSV for the privacy officer's periodic review, streamed page by page."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiohttp import web

from capacity.jsontypes import JSONObject

__all__ = ["COLUMNS", "stream_csv", "wants_csv"]

#: The CSV header: one column per field of an entry (``user`` split into its parts), then its chain link.
COLUMNS = (
    "id",
    "at",
    "action",
    "outcome",
    "user_token_id",
    "user_role",
    "user_practitioner",
    "patient_ref",
    "patient_id_type",
    "basis",
    "resource",
    "access_point",
    "source",
    "detail",
    "event_id",
    "prev",
    "hash",
)
_ROWS_PER_WRITE = 200


def wants_csv(accept: str) -> bool:
    """Whether an Accept header asks for CSV (``text/csv`` listed with a non-zero quality)."""
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() == "text/csv":
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
    return False


def _cell(value: Any) -> str:
    """A cell's text; a leading ``=``, ``+``, ``-`` or ``@`` is quoted so a spreadsheet shows it, never runs it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(entry: Mapping[str, Any]) -> list[str]:
    user = entry.get("user") if isinstance(entry.get("user"), dict) else {}
    assert isinstance(user, dict)
    flat = dict(entry) | {f"user_{k}": v for k, v in user.items()}
    return [_cell(flat.get(c)) for c in COLUMNS]


async def stream_csv(request: web.Request, entries: AsyncIterator[JSONObject], filename: str) -> web.StreamResponse:
    """Write ``entries`` as ``text/csv`` (UTF-8, header first), a few hundred rows per write."""
    resp = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        }
    )
    await resp.prepare(request)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    async for entry in entries:
        writer.writerow(_row(entry))
        n += 1
        if n % _ROWS_PER_WRITE == 0:
            await resp.write(buf.getvalue().encode())
            buf.seek(0)
            buf.truncate()
    await resp.write(buf.getvalue().encode())
    await resp.write_eof()
    return resp
