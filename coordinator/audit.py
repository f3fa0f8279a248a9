"""The audit log of patient-data access (NEN 7513): one entry per read, write, search and export, allowed or not.

Writing the entry is part of the request: it is made durable in the instance's audit spool (an
fsynced local file, ``coordinator.audit_spool``) before the access goes on, and reaches the store
from there, so a store outage neither loses it nor blocks the request. When the spool cannot be
written the request fails with 503 rather than go unlogged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from capacity.clock import to_ms, utcnow
from capacity.jsontypes import JSONObject
from capacity.store import AuditStore

from .audit_spool import AuditSpool
from .deadline import current_budget
from .records import ActorRef, Instant

__all__ = ["AuditEntry", "AuditLog"]


class AuditEntry(BaseModel):
    """One NEN 7513 entry: who (person, role), what (action on which patient's data), when, from where, outcome."""

    model_config = ConfigDict(extra="forbid")

    event_id: str
    type: Literal["patient-data-access"] = "patient-data-access"
    action: str  # create / read / update / search / export
    at: Instant
    outcome: Literal["allowed", "denied"]
    user: ActorRef
    access_point: str | None
    patient_ref: str | None
    patient_id_type: str = "zcc-pseudonym"
    source: str
    basis: str  # admin / treatment_relationship / open_request / care_episode / override / none
    resource: str
    detail: str = ""


class AuditLog:
    """Writes NEN 7513 entries through the spool into the audit store, and reads them back for review."""

    def __init__(
        self, store: AuditStore, spool: AuditSpool, region_id: str, instance: str, retention_days: int
    ) -> None:
        self._store = store
        self.spool = spool
        self.region_id = region_id
        self.instance = instance
        self.retention_days = retention_days

    async def record(
        self,
        who: ActorRef,
        *,
        action: str,
        patient_ref: str | None,
        outcome: Literal["allowed", "denied"],
        basis: str,
        resource: str,
        access_point: str | None,
        detail: str = "",
    ) -> None:
        """Append one entry, durable in the spool before this returns (AuditUnavailable when it cannot be)."""
        now = utcnow()
        entry = AuditEntry(
            event_id=secrets.token_hex(10),
            action=action,
            at=now,
            outcome=outcome,
            user=who,
            access_point=access_point,
            patient_ref=patient_ref,
            source=f"zcc:{self.region_id}:{self.instance}",
            basis=basis,
            resource=resource,
            detail=detail,
        )
        await self.spool.append(entry.event_id, to_ms(now), patient_ref, self.retention_days, entry.model_dump_json())

    async def entries(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[JSONObject]:
        """Entries as the API shows them (each with its store id), oldest first; this instance's own first shipped."""
        b = current_budget()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(b.remaining() if b is not None else 3.0):
                await self.spool.flushed(self.spool.appended)
        rows = await self._store.query(patient_ref=patient_ref, since=since, until=until, limit=limit)
        return [json.loads(r.body) | {"id": r.id} for r in rows]
