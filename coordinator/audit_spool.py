"""The instance's durable audit spool: NEN 7513 entries written ahead to a local fsynced file, then into the store.

Every audit entry is appended to the spool first (one JSON line, fsynced before the audited request
goes on) and shipped to the audit store by a background drainer, in order, one at a time. So an
outage of the store neither loses an entry nor blocks the request (the 112 advice least of all);
only when the spool itself cannot be written is the request refused (AuditUnavailable).

Exactly once: the drainer records how far it got in a checkpoint file (replaced atomically every few
entries). After a restart, or after a ship whose answer was lost, it first asks the store which of the
next entries are there already (by event id, within their time range) and skips those; every entry
has its own event id, so nothing is shipped twice and nothing is skipped that is not there.

Files in the directory (one directory per instance; a lock keeps a second instance out)::

    lock           flock-ed by the running instance
    spool.jsonl    {"seq", "id", "at", "ref", "keep", "body"} per line; emptied once everything is shipped
    checkpoint     the seq of the last entry known to be in the store
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from capacity.batching import GroupCommit
from capacity.clock import from_ms
from capacity.errors import AuditUnavailable, ConfigError, StoreUnavailable
from capacity.service import raise_if_cancelling
from capacity.store import AuditStore

__all__ = ["AuditSpool", "SpooledEntry"]

_LOGGER = logging.getLogger(__name__)

_T = TypeVar("_T")

_SPOOL = "spool.jsonl"
_CHECKPOINT = "checkpoint"


@dataclass(frozen=True, slots=True)
class SpooledEntry:
    """One audit entry in the spool: its place in order, its event id and what the audit store takes."""

    seq: int
    event_id: str
    at_ms: int
    patient_ref: str | None
    retention_days: int
    body: str

    def line(self) -> bytes:
        """The entry as one line of the spool file."""
        d = {"seq": self.seq, "id": self.event_id, "at": self.at_ms, "ref": self.patient_ref}
        d |= {"keep": self.retention_days, "body": self.body}
        return (json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n").encode()

    @classmethod
    def parse(cls, line: bytes) -> SpooledEntry:
        """Inverse of :meth:`line` (ValueError or KeyError for a torn line)."""
        d = json.loads(line)
        return cls(int(d["seq"]), str(d["id"]), int(d["at"]), d["ref"], int(d["keep"]), str(d["body"]))


class AuditSpool:
    """The write-ahead spool of one instance's audit entries; see the module docstring."""

    def __init__(self, directory: Path, *, checkpoint_every: int = 64, compact_bytes: int = 1 << 20) -> None:
        self.directory = directory
        self.checkpoint_every = checkpoint_every
        self.compact_bytes = compact_bytes
        #: The seq of the last entry known to be in the store.
        self.shipped = 0
        self._next_seq = 1
        self._pending: collections.deque[SpooledEntry] = collections.deque()
        # After a restart or a ship whose answer was lost, the next entries may be in the store already.
        self._uncertain = False
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._size = 0  # bytes in the spool file (touched on the spool thread only)
        self._file_last = 0  # the seq of the last entry in the file (spool thread only)
        self._executor: ThreadPoolExecutor | None = None
        self._writes: GroupCommit[SpooledEntry, int] = GroupCommit(self._write_batch)
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._drain_lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        """Entries in the spool not yet in the store."""
        return len(self._pending)

    @property
    def appended(self) -> int:
        """The seq of the last entry appended."""
        return self._next_seq - 1

    # -- open and close --------------------------------------------------------------

    async def open(self) -> None:
        """Take the directory's lock, recover the spool (a torn last line is dropped) and open it for appending."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zcc-audit-spool")
        try:
            pending, checkpoint = await self._on_thread(self._open_sync)
        except OSError as exc:
            await self.close()
            raise ConfigError(f"cannot open the audit spool: {exc}", field="audit_spool_dir") from exc
        except ConfigError:
            await self.close()
            raise
        self._pending = collections.deque(pending)
        self.shipped = checkpoint
        self._next_seq = max([checkpoint, *(e.seq for e in pending)]) + 1
        self._uncertain = bool(pending)
        if pending:
            _LOGGER.warning("audit spool %s holds %d entries not yet in the store", self.directory, len(pending))
            self._wake.set()

    def _open_sync(self) -> tuple[list[SpooledEntry], int]:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another zcc instance uses the audit spool {self.directory}: give each instance its own "
                "ZCC_AUDIT_SPOOL_DIR",
                field="audit_spool_dir",
            ) from None
        checkpoint_path = self.directory / _CHECKPOINT
        checkpoint = int(checkpoint_path.read_text().strip() or 0) if checkpoint_path.exists() else 0
        path = self.directory / _SPOOL
        entries: list[SpooledEntry] = []
        good = 0
        if path.exists():
            data = path.read_bytes()
            for raw in data.splitlines(keepends=True):
                try:
                    if not raw.endswith(b"\n"):
                        raise ValueError("no end of line")
                    entry = SpooledEntry.parse(raw)
                except (ValueError, KeyError):
                    _LOGGER.warning("audit spool %s: dropping a torn line (%d bytes)", path, len(raw))
                    continue
                entries.append(entry)
                good += len(raw)
            if good != len(data):  # rewrite without the torn lines, so appends start on a clean line
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(b"".join(e.line() for e in entries))
                _fsync_path(tmp)
                os.replace(tmp, path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        _fsync_dir(self.directory)
        self._size = os.fstat(self._fd).st_size
        self._file_last = max((e.seq for e in entries), default=checkpoint)
        return [e for e in entries if e.seq > checkpoint], checkpoint

    async def close(self) -> None:
        """Finish appends in flight, then close the files and release the lock."""
        await self._writes.close()
        executor = self._executor
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_sync)
            executor.shutdown(wait=True)
        self._executor = None

    def _close_sync(self) -> None:
        for fd in (self._fd, self._lock_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd = self._lock_fd = None

    # -- appending -------------------------------------------------------------------

    async def append(self, event_id: str, at_ms: int, patient_ref: str | None, retention_days: int, body: str) -> int:
        """Append one entry, durable (fsynced) before this returns; its seq. AuditUnavailable when it cannot be."""
        entry = SpooledEntry(self._next_seq, event_id, at_ms, patient_ref, retention_days, body)
        self._next_seq += 1
        return await self._writes.submit(entry)

    async def _write_batch(self, entries: list[SpooledEntry]) -> list[int | BaseException]:
        """Write and fsync entries that arrived together (group commit); then they are pending."""
        data = b"".join(e.line() for e in entries)
        try:
            await self._on_thread(self._write_sync, data, entries[-1].seq)
        except OSError as exc:
            _LOGGER.error("audit spool %s cannot be written: %s", self.directory, exc)
            err = AuditUnavailable(f"the audit entry of this access cannot be written to the spool ({exc}): refused")
            return [err for _ in entries]
        self._pending.extend(entries)
        self._wake.set()
        return [e.seq for e in entries]

    def _write_sync(self, data: bytes, last_seq: int) -> None:
        if self._fd is None:
            raise OSError("the audit spool is not open")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError:
            # Cut a partly written batch off again, so the next append starts on a clean line.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(data)
        self._file_last = last_seq

    # -- draining --------------------------------------------------------------------

    async def drain(self, store: AuditStore) -> int:
        """Ship every pending entry to ``store`` in order; how many. StoreUnavailable stops it (nothing is lost)."""
        async with self._drain_lock:
            if self._uncertain and self._pending:
                await self._skip_shipped(store)
            shipped = 0
            while self._pending:
                entry = self._pending[0]
                self._uncertain = True  # until the store answers, this entry may or may not be there
                await store.append(entry.body, from_ms(entry.at_ms), entry.patient_ref, entry.retention_days)
                self._uncertain = False
                self._pending.popleft()
                self.shipped = entry.seq
                shipped += 1
                if shipped % self.checkpoint_every == 0:
                    await self._checkpoint()
                async with self._progress:
                    self._progress.notify_all()
            if shipped:
                await self._checkpoint()
            return shipped

    async def _skip_shipped(self, store: AuditStore) -> None:
        """Drop the next entries that the store has already (shipped before a crash or a lost answer)."""
        window = list(itertools.islice(self._pending, self.checkpoint_every + 1))
        rows = await store.query(
            since=from_ms(min(e.at_ms for e in window)), until=from_ms(max(e.at_ms for e in window)), limit=100_000
        )
        present = set(_event_ids(r.body for r in rows))
        skip = {e.seq for e in window if e.event_id in present}
        if skip:
            _LOGGER.info("audit spool: %d entries were in the store already; not shipped again", len(skip))
            self._pending = collections.deque(e for e in self._pending if e.seq not in skip)
            self.shipped = max(self.shipped, *skip)
        self._uncertain = False

    async def _checkpoint(self) -> None:
        await self._on_thread(self._checkpoint_sync, self.shipped, not self._pending)

    def _checkpoint_sync(self, shipped: int, drained: bool) -> None:
        path = self.directory / _CHECKPOINT
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{shipped}\n")
        _fsync_path(tmp)
        os.replace(tmp, path)
        _fsync_dir(self.directory)
        # Everything in the file is in the store: start it afresh (on this thread, so no append is cut off).
        if drained and self._fd is not None and self._file_last <= shipped and self._size > self.compact_bytes:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)
            self._size = 0

    async def run(self, store: AuditStore, max_backoff: float = 2.0) -> None:
        """Drain whenever there is something to ship, until cancelled; back off while the store is away."""
        backoff = 0.1
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
            try:
                await self.drain(store)
                backoff = 0.1
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.info("audit spool: %d entries wait for the store: %s", len(self._pending), exc.detail)
                await asyncio.sleep(backoff)
                backoff = min(max_backoff, backoff * 2)
            except Exception:
                raise_if_cancelling()
                _LOGGER.exception("audit spool drainer failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(max_backoff, backoff * 2)

    async def flushed(self, seq: int) -> None:
        """Return once every entry up to ``seq`` is in the store (the caller bounds the wait)."""
        async with self._progress:
            await self._progress.wait_for(lambda: not self._pending or self._pending[0].seq > seq)

    async def _on_thread(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run a file operation on the spool's one thread (appends, checkpoints and compaction stay in order)."""
        if self._executor is None:
            raise OSError("the audit spool is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)


def _event_ids(bodies: Iterable[str]) -> Iterator[str]:
    """The event ids of audit entries (JSON texts)."""
    for body in bodies:
        with contextlib.suppress(ValueError, TypeError):
            eid = json.loads(body).get("event_id")
            if isinstance(eid, str):
                yield eid


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    _fsync_path(directory)
