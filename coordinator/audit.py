"""The audit log of patient-data access (NEN 7513): one entry per read, write, search and export, allowed or not.

Writing the entry is part of the request: when it cannot be written the
request fails with 503 rather than go unlogged.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from capacity.model import utcnow
from capacity.store import Store
from capacity.view import iso

from .auth import Principal

__all__ = ["AuditLog"]


class AuditLog:
    """Writes NEN 7513 entries to the store."""

    def __init__(self, store: Store, region_id: str, instance: str, retention_days: int) -> None:
        self.store = store
        self.region_id = region_id
        self.instance = instance
        self.retention_days = retention_days

    async def record(
        self,
        request: web.Request,
        who: Principal,
        *,
        action: str,
        patient_ref: str | None,
        outcome: str,
        basis: str,
        resource: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one entry (raises StoreUnavailable when it cannot be written)."""
        now = utcnow()
        entry: dict[str, Any] = {
            "event_id": secrets.token_hex(10),
            "type": "patient-data-access",
            "action": action,  # create / read / update / search / export
            "at": iso(now),
            "outcome": outcome,  # allowed / denied
            "user": {"token_id": who.token_id, "role": who.role, "practitioner": who.practitioner},
            "access_point": request.remote,
            "patient_ref": patient_ref,
            "patient_id_type": "zcc-pseudonym",
            "source": f"zcc:{self.region_id}:{self.instance}",
            "basis": basis,  # admin / treatment_relationship / open_request / override / none
            "resource": resource or f"{request.method} {request.path}",
            "detail": detail,
        }
        await self.store.append_audit(entry, now, self.retention_days)
