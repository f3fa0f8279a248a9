"""The ops commands of ``zcc``: ``backup``, ``restore``, ``status`` and ``audit verify``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capacity.backup import backup_store, restore_store
from capacity.clock import utcnow
from capacity.errors import ConfigError, InvalidInput, StoreUnavailable
from capacity.model import Region

from ..settings import Settings
from .status import SEEN_WITHIN, gather_status, redact, render_status

__all__ = ["add_parsers"]


def _region(settings: Settings) -> Region:
    from capacity.region import load_care_types, load_region

    return load_region(settings.config_path, load_care_types(settings.care_types_path))


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        store_url=args.store,
        config_path=Path(args.config) if args.config else None,
        care_types_path=Path(args.care_types) if args.care_types else None,
    )


def _run(args: argparse.Namespace, job: Callable[[Settings, Region], Any]) -> int:
    """Load the settings and region, run ``job``; configuration and store faults become exit codes."""
    settings = _settings(args)
    try:
        code: int = asyncio.run(job(settings, _region(settings)))
    except ConfigError as exc:
        print(f"zcc: invalid configuration: {exc}", file=sys.stderr)
        return 2
    except (InvalidInput, FileNotFoundError) as exc:
        print(f"zcc: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"zcc: cannot reach the store: {exc.detail}", file=sys.stderr)
        return 1
    return code


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent backup of the region's store to --out while the service runs."""

    async def job(settings: Settings, region: Region) -> int:
        info = await backup_store(settings.store_url, region.id, Path(args.out))
        print(json.dumps({"out": args.out, **info}))
        return 0

    return _run(args, job)


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the region's store with a backup; refused while an instance was seen in the last minute."""

    async def job(settings: Settings, region: Region) -> int:
        from ..app import stores_for

        status = await gather_status(stores_for(settings, region.id), settings.store_url, region.id)
        running = [i["instance_id"] for i in status["instances"]]
        if running and not args.force:
            print(
                f"zcc: instances of region {region.id} ran within the last {SEEN_WITHIN.seconds} s "
                f"({', '.join(running)}): stop them first, or pass --force",
                file=sys.stderr,
            )
            return 1
        info = await restore_store(settings.store_url, region.id, Path(args.input))
        print(json.dumps({"restored": args.input, "store": redact(settings.store_url), **info}))
        return 0

    return _run(args, job)


def cmd_status(args: argparse.Namespace) -> int:
    """Print the store's state and the instances seen in the last minute; exit 1 if the store is unreachable,
    3 if no instance was seen."""

    async def job(settings: Settings, region: Region) -> int:
        from ..app import stores_for

        status = await gather_status(stores_for(settings, region.id), settings.store_url, region.id)
        status["checked_at"] = utcnow().isoformat()
        print(json.dumps(status, indent=2) if args.json else render_status(status))
        if not status["store"]["reachable"]:
            return 1
        return 0 if status["instances"] else 3

    return _run(args, job)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's hash chain from its oldest kept entry; exit 3 naming the first broken link."""

    async def job(settings: Settings, region: Region) -> int:
        from capacity.store.chain import verify

        from ..app import stores_for

        stores = stores_for(settings, region.id)
        await stores.backend.open()
        try:
            check = await verify(stores.audit)
        finally:
            await stores.backend.close()
        report: dict[str, Any] = {"checked": check.checked, "before_chain": check.legacy, "intact": True}
        if check.broken is not None:
            b = check.broken
            report |= {"intact": False, "broken": {"seq": b.seq, "id": b.id, "code": b.code, "detail": b.detail}}
            print(json.dumps(report))
            print(f"zcc: audit chain broken at entry #{b.seq} (id {b.id}): {b.detail}", file=sys.stderr)
            return 3
        print(json.dumps(report))
        return 0

    return _run(args, job)


def add_parsers(sub: Any) -> None:
    """Add ``backup``, ``restore``, ``status`` and ``audit verify`` to the ``zcc`` command's subparsers."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", help="sqlite:///var/zcc.db (default) or redis://host:port/db (env ZCC_STORE)")
        p.add_argument("--config", help="region file (env ZCC_CONFIG; default: the shipped Limburg region)")
        p.add_argument("--care-types", dest="care_types", help="care types file (env ZCC_CARE_TYPES)")

    backup = sub.add_parser("backup", help="write a consistent backup of the region's store (while it runs)")
    common(backup)
    backup.add_argument("--out", required=True, help="the backup file to write")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the region's store with a backup (instances stopped)")
    common(restore)
    restore.add_argument("--in", dest="input", required=True, help="the backup file to read")
    restore.add_argument("--force", action="store_true", help="restore although an instance was seen running")
    restore.set_defaults(func=cmd_restore)

    status = sub.add_parser("status", help="the store and the instances seen in the last minute")
    common(status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=cmd_status)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the audit log's hash chain; exit 3 at a broken link")
    common(verify)
    verify.set_defaults(func=cmd_audit_verify)
