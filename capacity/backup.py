"""Backup and restore of one region's store, whichever backend the URL names (see each backend's ``backup``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .errors import InvalidInput
from .store import Stores, open_stores

__all__ = ["backup_store", "restore_store"]


async def backup_store(url: str, region_id: str, out: Path) -> dict[str, Any]:
    """Write a consistent backup of the region's store to ``out``, while the service may write; what it holds."""
    if url.startswith("sqlite://"):
        from .sqlite_store.backup import backup_file

        return await asyncio.to_thread(backup_file, url, region_id, out)
    stores = _redis(url, region_id)
    from .redis_store import RedisBackend
    from .redis_store.backup import export_region

    backend = stores.backend
    assert isinstance(backend, RedisBackend)
    await backend.open()
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            info = await export_region(backend, f)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
        await backend.close()
    return info


async def restore_store(url: str, region_id: str, source: Path) -> dict[str, Any]:
    """Replace the region's store with a backup (stop the region's instances first); what the backup held."""
    if url.startswith("sqlite://"):
        from .sqlite_store.backup import restore_file

        return await asyncio.to_thread(restore_file, url, region_id, source)
    stores = _redis(url, region_id)
    from .redis_store import RedisBackend
    from .redis_store.backup import import_region

    backend = stores.backend
    assert isinstance(backend, RedisBackend)
    await backend.open()
    try:
        return await import_region(backend, source)
    finally:
        await backend.close()


def _redis(url: str, region_id: str) -> Stores:
    if not url.startswith(("redis", "rediss", "unix")):
        raise InvalidInput(f"cannot back up a store at {url!r}: use sqlite:/// or redis://", field="store")
    return open_stores(url, region_id)
