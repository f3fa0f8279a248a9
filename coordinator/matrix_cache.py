"""The travel matrix on disk: computed once per road network, memory-mapped by every later start and every worker.

The national matrix takes a minute of Dijkstra to compute and 184 MB; it
depends only on the regions' locations, roads and provider locations. Its
file ``travel-<key>.npy`` (plain NumPy format, uint16 tenths of a minute) is
keyed by a SHA-256 over exactly that content (and the cache format's version),
so a changed road or a moved provider computes a new matrix, and a changed bed
count or opening hour does not. A start that finds its file maps it read-only
(``np.load(mmap_mode="r")``): no graph is built, the pages are read from disk
as lookups touch them and are shared by all workers of the machine (the page
cache, not each process's heap). Only one process computes a missing matrix:
the others wait on a file lock and then map the file it wrote. A file that does
not load (truncated, wrong shape) is logged and computed again. The newest
:data:`KEEP` files are kept; older ones (earlier road networks) are removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import mmap
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from capacity.model import Region
from routing.lookup import Routing
from routing.snap import matrix_rows

__all__ = ["KEEP", "VERSION", "matrix_key", "routing_with_cache"]

_LOGGER = logging.getLogger(__name__)

#: The cache format; a change of what a file holds (or of how travel times are computed) bumps it.
VERSION = 1
#: How many matrix files (road networks) a cache directory keeps.
KEEP = 4


def matrix_key(home: Region, neighbours: Sequence[Region] = ()) -> str:
    """A SHA-256 over everything the matrix depends on: rows, roads, border roads and provider locations."""
    h = hashlib.sha256(f"zcc travel matrix v{VERSION}\n".encode())
    h.update("\x1e".join(f"{r}\x1f{lid}" for r, lid in matrix_rows(home)).encode())
    for region in (home, *neighbours):
        parts = [f"\x1d{region.id}"]
        parts += [f"{loc.id}\x1f{loc.kind}" for loc in region.locations.values()]
        parts += [f"{r.a}\x1f{r.b}\x1f{r.minutes!r}\x1f{int(r.oneway)}" for r in region.roads]
        parts += [f"b\x1f{r.a}\x1f{r.b}\x1f{r.minutes!r}" for r in region.border_roads]
        parts += [f"p\x1f{p.id}\x1f{p.location}" for p in region.providers.values()]
        h.update("\x1e".join(parts).encode())
    return h.hexdigest()[:32]


def routing_with_cache(home: Region, neighbours: Sequence[Region], cache_dir: Path | None) -> Routing:
    """The routing of the regions, its matrix from ``cache_dir`` when computed before (blocking: run it off the loop).

    Without a cache directory, or when it cannot be used (read-only, full), the
    matrix is computed as without a cache and the reason is logged.
    """
    if cache_dir is None:
        return Routing(home, neighbours)
    started = time.perf_counter()
    key = matrix_key(home, neighbours)
    path = cache_dir / f"travel-{key}.npy"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        lock = os.open(cache_dir / f".travel-{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        _LOGGER.warning("matrix cache %s cannot be used (%s): computing the matrix", cache_dir, exc)
        return Routing(home, neighbours)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process computes; the others wait and then map its file
        routing = _load(home, neighbours, path)
        if routing is None:
            routing = Routing(home, neighbours)
            routing = _save(home, neighbours, routing, path) or routing
        else:
            _LOGGER.info(
                "travel matrix %s mapped from %s in %.2f s",
                routing.matrix.table.shape,
                path,
                time.perf_counter() - started,
            )
    finally:
        os.close(lock)  # releases the lock
    _prune(cache_dir)
    return routing


def _load(home: Region, neighbours: Sequence[Region], path: Path) -> Routing | None:
    """The routing on the mapped file, or None when there is none or it does not fit these regions."""
    if not path.is_file():
        return None
    try:
        _uncache(path)
        table: NDArray[np.uint16] = np.load(path, mmap_mode="r", allow_pickle=False)
        _random_access(table)
        routing = Routing(home, neighbours, table=table)
    except (OSError, ValueError) as exc:
        _LOGGER.warning("matrix cache file %s is unusable (%s): computing it again", path, exc)
        return None
    os.utime(path)  # recently used: kept by _prune
    return routing


def _uncache(path: Path) -> None:
    """Drop the file's clean, unmapped pages from the page cache (those a write left there).

    Writing leaves the file in the page cache in large folios (2 MB on this kernel), and a
    mapping maps a whole folio on its first touch: one lookup's row would bring 2 MB into the
    process (measured: the whole national matrix resident after 500 lookups). Read back page by
    page (see :func:`_random_access`) a row costs the process its own 8 KB. Pages another worker
    has mapped stay.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _random_access(table: NDArray[np.uint16]) -> None:
    """Tell the kernel a lookup reads one row here and there: no read-ahead around it."""
    mapped = getattr(table, "_mmap", None)  # np.memmap's mmap object
    if isinstance(mapped, mmap.mmap):
        mapped.madvise(mmap.MADV_RANDOM)


def _save(home: Region, neighbours: Sequence[Region], routing: Routing, path: Path) -> Routing | None:
    """Write the matrix atomically (temporary file, fsync, rename) and map it: the heap copy is freed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(routing.matrix.table), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _LOGGER.warning("matrix cache %s not written (%s): the next start computes the matrix again", path, exc)
        tmp.unlink(missing_ok=True)
        return None
    _LOGGER.info("travel matrix written to %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return _load(home, neighbours, path)


def _prune(cache_dir: Path) -> None:
    """Remove all but the :data:`KEEP` most recently used matrix files (a mapped file stays readable until unmapped)."""
    try:
        files = sorted(cache_dir.glob("travel-*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)
            (cache_dir / f".{old.stem}.lock").unlink(missing_ok=True)
    except OSError as exc:
        _LOGGER.warning("matrix cache %s not pruned: %s", cache_dir, exc)
