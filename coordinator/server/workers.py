"""``zcc serve --workers N``: N processes on one port (SO_REUSEPORT), each an instance of its own on the shared store.

The parent loads and checks the region and the protocol once, then forks the workers (they share those
pages copy-on-write) and supervises them: SIGTERM or SIGINT stops them all gracefully, SIGHUP is passed
on (each reloads its region file), and a worker that dies unexpectedly is started again. Each worker
follows the store's event log as any other instance does and keeps its own audit spool
(``<spool dir>/worker-<k>``). On the embedded SQLite store the workers share the database file (WAL,
one writer at a time) and look for each other's writes every 100 ms.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from aiohttp import web

from capacity.errors import StoreUnavailable

from ..settings import Settings
from .runner import serve

__all__ = ["serve_workers", "worker_settings"]

_LOGGER = logging.getLogger(__name__)

#: A worker that dies sooner than this after its start waits before it is started again.
QUICK_DEATH_SECONDS = 10.0
RESTART_BACKOFF_SECONDS = 2.0
#: How soon a worker on a shared SQLite file sees another worker's write (its follower's longest wait).
SQLITE_FOLLOW_MS = 100


def worker_settings(settings: Settings, index: int) -> Settings:
    """The settings of worker ``index``: its own audit spool, and a short follow interval on SQLite."""
    block_ms = settings.view_block_ms
    if settings.store_url.startswith("sqlite"):
        block_ms = min(block_ms, SQLITE_FOLLOW_MS)
    return dataclasses.replace(
        settings, audit_spool_dir=settings.audit_spool_dir / f"worker-{index}", view_block_ms=block_ms
    )


def _worker(index: int, settings: Settings, build: Callable[[Settings], web.Application]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)  # the parent's handlers are not this process's
    own = worker_settings(settings, index)
    try:
        serve(build(own), own)
    except StoreUnavailable as exc:
        print(f"zcc worker {index}: cannot open the store: {exc.detail}", file=sys.stderr)
        sys.exit(1)


def serve_workers(settings: Settings, build: Callable[[Settings], web.Application]) -> int:
    """Run ``settings.workers`` processes of ``build(settings)`` on one port until SIGTERM or SIGINT."""
    if settings.port == 0:
        print("zcc: --workers needs a fixed port (the workers share it)", file=sys.stderr)
        return 2
    ctx = multiprocessing.get_context("fork")
    procs: dict[int, BaseProcess] = {}
    started_at: dict[int, float] = {}
    stopping = False

    def start(index: int) -> None:
        proc = ctx.Process(target=_worker, args=(index, settings, build), name=f"zcc-worker-{index}")
        proc.start()
        procs[index], started_at[index] = proc, time.monotonic()
        _LOGGER.info("worker %d started (pid %s)", index, proc.pid)

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs.values():
            if proc.pid is not None and proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        for proc in procs.values():
            if proc.pid is not None and proc.is_alive():
                os.kill(proc.pid, signal.SIGHUP)

    previous = {sig: signal.signal(sig, on_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, on_hup)
    worst = 0
    try:
        for index in range(settings.workers):
            start(index)
        while procs:
            wait([p.sentinel for p in procs.values()], timeout=1.0)
            for index, proc in list(procs.items()):
                if proc.is_alive():
                    continue
                proc.join()
                del procs[index]
                code = proc.exitcode or 0
                if stopping:
                    # Ended by the SIGTERM passed on before its own handlers were in place: a clean stop too.
                    worst = max(worst, 0 if code == -signal.SIGTERM else abs(code))
                    continue
                _LOGGER.error("worker %d (pid %s) ended with exit code %s; starting it again", index, proc.pid, code)
                if time.monotonic() - started_at[index] < QUICK_DEATH_SECONDS:
                    time.sleep(RESTART_BACKOFF_SECONDS)
                if not stopping:
                    start(index)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _LOGGER.info("all %d workers stopped", settings.workers)
    return worst
