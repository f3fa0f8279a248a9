"""Backup and restore of the embedded store with SQLite's online backup API.

A backup reads the whole database in one step of ``sqlite3.Connection.backup`` inside one read transaction: in
WAL mode the service's writers go on meanwhile, and the copy is the database as of one commit. It is written to
a temporary file, checked (``PRAGMA integrity_check`` and the region it belongs to), fsynced and renamed into
place, so a backup file is either complete or absent. A restore copies a checked backup over the store's file
with the same API (the store's instances must be stopped).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from ..clock import iso, utcnow
from ..errors import InvalidInput
from .db import path_of

__all__ = ["backup_file", "check_backup", "restore_file"]


def check_backup(path: Path, region_id: str) -> dict[str, Any]:
    """What a backup file holds (region, table sizes); InvalidInput when it is no sound backup of ``region_id``."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(f"{path} cannot be opened as a SQLite database: {exc}", field="in") from exc
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise InvalidInput(f"{path} is damaged: {ok}", field="in")
        row = db.execute("SELECT value FROM meta WHERE key='region'").fetchone()
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("capacity", "events", "requests")}  # noqa: S608 - fixed names
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} is not a zcc SQLite backup: {exc}", field="in") from exc
    finally:
        db.close()
    if row is None or row[0] != region_id:
        raise InvalidInput(f"{path} is a backup of region {row[0] if row else None!r}, not {region_id!r}", field="in")
    return {"format": "zcc-sqlite-backup", "region": region_id, **counts}


def backup_file(url: str, region_id: str, out: Path) -> dict[str, Any]:
    """Copy the store of ``url`` to ``out`` (blocking: run it off the event loop); returns what the copy holds."""
    source = path_of(url)
    if not Path(source).is_file():
        raise InvalidInput(f"there is no store at {source}", field="store")
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=5.0)
    dst = sqlite3.connect(tmp)
    taken_at = utcnow()
    try:
        src.backup(dst)  # pages=-1: the whole database in one step, i.e. one read transaction
    finally:
        dst.close()
        src.close()
    try:
        info = check_backup(tmp, region_id)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    return {**info, "taken_at": iso(taken_at)}


def restore_file(url: str, region_id: str, backup: Path) -> dict[str, Any]:
    """Replace the store of ``url`` with a checked backup (blocking); returns what the backup holds."""
    info = check_backup(backup, region_id)
    target = path_of(url)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=5.0)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()
    return info
