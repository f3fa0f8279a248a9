"""The token commands of ``zcc``: ``token create``, ``token list`` and ``token revoke``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from capacity.clock import iso
from capacity.errors import ConfigError, StoreUnavailable
from capacity.model import Region

from .ops.status import redact
from .settings import Settings
from .tokens import ROLES, TokenAuth, TokenInfo

__all__ = ["add_parser", "list_line"]

Job = Callable[[TokenAuth, Region, argparse.Namespace], Awaitable[int]]


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        store_url=args.store,
        config_path=Path(args.config) if args.config else None,
        care_types_path=Path(args.care_types) if args.care_types else None,
    )


def _run(args: argparse.Namespace, job: Job) -> int:
    """Open the store the settings name, run ``job`` with the tokens, close; faults become exit codes."""
    from capacity.region import load_care_types, load_region

    from .app import stores_for

    settings = _settings(args)

    async def go(region: Region) -> int:
        stores = stores_for(settings, region.id)
        await stores.backend.open()
        try:
            return await job(TokenAuth(stores.tokens), region, args)
        finally:
            await stores.backend.close()

    try:
        region = load_region(settings.config_path, load_care_types(settings.care_types_path))
        return asyncio.run(go(region))
    except (ValueError, ConfigError) as exc:
        print(f"zcc: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"zcc: cannot open the store {redact(settings.store_url)}: {exc.detail}", file=sys.stderr)
        return 1


async def _create(tokens: TokenAuth, region: Region, args: argparse.Namespace) -> int:
    for pid in args.provider or ():
        if pid not in region.providers:
            raise ValueError(f"unknown provider {pid!r} in region {region.id}")
    if not args.name.strip():
        raise ValueError("--name must name the person or system the token is for")
    token, record = await tokens.create(
        args.role, tuple(args.provider or ()), args.practitioner, args.label or "", args.name
    )
    store = redact(_settings(args).store_url)
    print(f"token id {record.token_id}, role {record.role}, for {record.name}, stored in {store}", file=sys.stderr)
    print(token)
    return 0


def list_line(info: TokenInfo) -> str:
    """One token as ``zcc token list`` prints it: id, role, name, providers, created, last used (tab-separated)."""
    r = info.record
    fields = [r.token_id, r.role, r.name or "-", ",".join(r.providers) or "-", iso(r.created_at) or "-"]
    return "\t".join([*fields, iso(info.last_used) or "-"])


async def _list(tokens: TokenAuth, region: Region, args: argparse.Namespace) -> int:
    for info in await tokens.listing():
        print(list_line(info))
    return 0


async def _revoke(tokens: TokenAuth, region: Region, args: argparse.Namespace) -> int:
    record = await tokens.revoke(args.id)
    if record is None:
        print(f"zcc: no token with id {args.id!r} (zcc token list shows them)", file=sys.stderr)
        return 2
    print(f"token {record.token_id} ({record.name or '-'}, {record.role}) revoked on every instance")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``zcc token create|list|revoke``."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="region file (env ZCC_CONFIG; default: the shipped Limburg region)")
        p.add_argument("--care-types", dest="care_types", help="care types file (env ZCC_CARE_TYPES)")
        p.add_argument("--store", help="sqlite:///var/zcc.db (default) or redis://host:port/db (env ZCC_STORE)")

    token = sub.add_parser("token", help="manage bearer tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="print a new token (shown once)")
    common(create)
    create.add_argument("--role", required=True, choices=list(ROLES))
    create.add_argument("--name", required=True, help='the person or system the token is for ("Anna de Vries")')
    create.add_argument("--provider", action="append", help="provider id a provider token may write (repeat)")
    create.add_argument("--practitioner", help="practitioner identity the token carries (e.g. an AGB code)")
    create.add_argument("--label", help="a note on the token")
    create.set_defaults(func=lambda a: _run(a, _create))
    listing = token_sub.add_parser("list", help="one line per token: id, role, name, providers, created, last used")
    common(listing)
    listing.set_defaults(func=lambda a: _run(a, _list))
    revoke = token_sub.add_parser("revoke", help="stop a token on every instance (within a second)")
    common(revoke)
    revoke.add_argument("id", help="the token's id (zcc token list)")
    revoke.set_defaults(func=lambda a: _run(a, _revoke))
