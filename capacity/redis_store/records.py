"""Request and trajectory records on Redis: JSON text kept as given, changed by compare-and-set in one script.

``put_doc.lua`` checks the op record, compares the version, writes body and version, moves the id in
or out of the open requests, appends the event and the patient's trajectory events, and stores its
op record: one atomic step, applied once however often redis-py retries it.
"""

from __future__ import annotations

from typing import Any

from ..clock import to_ms
from ..store.types import Document, DocWrite, Trail
from .client import RedisBackend, unavailable_as_store_error
from .scripts import IDEMPOTENCY_TTL_S, dumps, parse_json

__all__ = ["RedisRecordStore"]


class RedisRecordStore:
    """RecordStore on Redis; see ``capacity.redis_store.keys`` for the layout of records."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._keys = backend.keys

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    @unavailable_as_store_error
    async def put_request(self, write: DocWrite, *, open_: bool) -> int:
        """Create or compare-and-set a request record, with its event and trajectory events, in one script."""
        k = self._keys
        doc_keys = [k.request_bodies, k.request_versions, k.requests_all, k.requests_open]
        return await self._put_doc(write, doc_keys, "1" if open_ else "0", write.patient_ref)

    @unavailable_as_store_error
    async def put_trajectory(self, write: DocWrite) -> int:
        """Create or compare-and-set a patient's trajectory record (``doc_id`` is the patient_ref), in one script."""
        k = self._keys
        # A trajectory record is in no ordered set: the versions hash stands in for the unused keys.
        doc_keys = [k.trajectory_bodies, k.trajectory_versions, k.trajectory_versions, k.trajectory_versions]
        return await self._put_doc(write, doc_keys, "-", write.patient_ref or write.doc_id)

    async def _put_doc(self, write: DocWrite, doc_keys: list[str], open_flag: str, patient_ref: str | None) -> int:
        k, b = self._keys, self._backend
        # The trajectory events go to the patient's list (none without a patient: the list key is then unused).
        tevents_of = write.trajectory_events if patient_ref else ()
        tevents = k.trajectory_events(patient_ref) if patient_ref and tevents_of else doc_keys[1]
        event = write.event
        args: list[str | int] = [
            write.doc_id,
            write.body,
            open_flag,
            -1 if write.expected_version is None else write.expected_version,
            to_ms(write.now),
            b.maxlen,
            IDEMPOTENCY_TTL_S,
            event.type if event else "",
            dumps(event.data) if event else "",
        ]
        args.extend(tevents_of)
        keys = [*doc_keys, k.events, k.op(write.op_id), tevents]
        result = parse_json(await b.writer.script(b.scripts.put_doc, keys, args))
        return int(result["version"])

    @unavailable_as_store_error
    async def get_request(self, request_id: str) -> Document | None:
        """A request record and its version, read together."""
        k = self._keys
        body, version = await self._backend.writer.transaction(
            k.request_bodies,
            [("HGET", k.request_bodies, request_id), ("HGET", k.request_versions, request_id)],
            read_only=True,
        )
        return _document(body, version)

    @unavailable_as_store_error
    async def list_requests(self, *, open_only: bool = True) -> list[Document]:
        """Request records (the open ones by default), oldest first by creation (ties by id)."""
        k = self._keys
        client = self._backend.client
        key = k.requests_open if open_only else k.requests_all
        ids = [str(i) for i in await client.zrange(key, 0, -1)]
        if not ids:
            return []
        bodies, versions = await self._backend.writer.transaction(
            k.request_bodies,
            [("HMGET", k.request_bodies, *ids), ("HMGET", k.request_versions, *ids)],
            read_only=True,
        )
        docs = (_document(body, version) for body, version in zip(bodies, versions, strict=True))
        return [d for d in docs if d is not None]

    @unavailable_as_store_error
    async def get_trajectory(self, patient_ref: str) -> Trail:
        """The patient's record (None if never written) and trajectory events, oldest first, read together."""
        k = self._keys
        body, version, events = await self._backend.writer.transaction(
            k.trajectory_bodies,
            [
                ("HGET", k.trajectory_bodies, patient_ref),
                ("HGET", k.trajectory_versions, patient_ref),
                ("LRANGE", k.trajectory_events(patient_ref), 0, -1),
            ],
            read_only=True,
        )
        return Trail(_document(body, version), tuple(events))


def _document(body: Any, version: Any) -> Document | None:
    """A stored record from its body and version fields (None when there is none)."""
    if body is None or version is None:
        return None
    return Document(str(body), int(version))
