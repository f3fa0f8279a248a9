"""The ``zcc`` command line: serve, check-config, and the subcommands of other modules (token, ops, simulate)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from capacity.errors import ConfigError, InvalidInput, StoreUnavailable
from capacity.model import Region
from capacity.region import check_region_file, load_care_types, load_region

from .logs import configure_logging
from .settings import Settings

__all__ = ["main"]

_LOGGER = logging.getLogger(__name__)


def _load(settings: Settings) -> Region:
    care_types = load_care_types(settings.care_types_path)
    return load_region(settings.config_path, care_types)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        store_url=getattr(args, "store", None),
        config_path=Path(args.config) if getattr(args, "config", None) else None,
        care_types_path=Path(args.care_types) if getattr(args, "care_types", None) else None,
        host=getattr(args, "host", None),
        neighbour_configs=tuple(Path(p) for p in args.neighbour) if getattr(args, "neighbour", None) else None,
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the service until interrupted."""
    from .app import create_app
    from .reload import install_sighup, load_regions
    from .server.runner import serve
    from .triage import load_protocol

    settings = _settings(args)
    if settings.workers < 1:
        print(f"zcc: --workers must be at least 1, not {settings.workers}", file=sys.stderr)
        return 2
    try:
        region = _load(settings)
    except ConfigError as exc:
        print(f"zcc: invalid configuration: {exc}", file=sys.stderr)
        return 2
    _LOGGER.info(
        "serving region %s (%d providers) on http://%s:%d with store %s",
        region.id,
        len(region.providers),
        settings.host,
        settings.port,
        settings.store_url,
    )
    try:
        _, neighbours = load_regions(settings)
    except ConfigError as exc:
        print(f"zcc: invalid neighbour region: {exc}", file=sys.stderr)
        return 2
    try:
        protocol = load_protocol(settings.triage_path)
    except ConfigError as exc:
        print(f"zcc: invalid triage protocol: {exc}", file=sys.stderr)
        return 2
    try:
        # Built here even for workers: settings that do not go together fail before anything starts.
        app = create_app(settings, region, protocol, neighbours=neighbours)
    except InvalidInput as exc:  # e.g. a malformed --store URL
        print(f"zcc: invalid {exc.field or 'setting'}: {exc.detail}", file=sys.stderr)
        return 2
    except ValueError as exc:  # settings that do not go together (e.g. an OIDC issuer without an audience)
        print(f"zcc: invalid configuration: {exc}", file=sys.stderr)
        return 2
    if settings.workers > 1:
        from aiohttp import web

        from .server.workers import serve_workers

        def build(own: Settings) -> web.Application:
            worker_app = create_app(own, region, protocol, neighbours=neighbours)
            install_sighup(worker_app)
            return worker_app

        return serve_workers(settings, build)
    install_sighup(app)
    try:
        # Timeouts, connection caps and a calm log around aiohttp's runner (coordinator/server).
        serve(app, settings)
    except StoreUnavailable as exc:
        print(f"zcc: cannot open the store: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate a region file: exit 0, or 1 with every problem named by its field."""
    try:
        care_types = load_care_types(args.care_types)
    except ConfigError as exc:
        print(f"{args.care_types}: {exc}", file=sys.stderr)
        return 1
    errors = check_region_file(args.path, care_types)
    if not errors:
        region = load_region(args.path, care_types)
        print(
            f"{args.path}: ok: region {region.id}, {len(region.locations)} locations, "
            f"{len(region.roads)} roads, {len(region.providers)} providers"
        )
        return 0
    for err in errors:
        print(f"{args.path}: {err}", file=sys.stderr)
    print(f"{args.path}: {len(errors)} problem(s)", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="zcc", description="Regional acute care coordination (ROAZ)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="region file (env ZCC_CONFIG; default: the shipped Limburg region)")
        p.add_argument("--care-types", dest="care_types", help="care types file (env ZCC_CARE_TYPES)")
        p.add_argument(
            "--store",
            help="sqlite:///var/zcc.db (default), redis://host:port/db, "
            "redis+sentinel://host:port[,host:port...]/service[/db] or redis+cluster://host:port[,host:port...] "
            "(env ZCC_STORE)",
        )

    serve = sub.add_parser("serve", help="run the service")
    common(serve)
    serve.add_argument("--host", help="bind address (env ZCC_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (env ZCC_PORT, default 8080)")
    serve.add_argument(
        "--workers", type=int, help="processes serving the port, one per core (env ZCC_WORKERS, default 1)"
    )
    serve.add_argument(
        "--neighbour",
        action="append",
        help="a neighbouring region's file, for places across the border (repeat; env ZCC_NEIGHBOURS, comma-separated)",
    )
    serve.set_defaults(func=cmd_serve)

    gen = sub.add_parser(
        "gen-region",
        help="write a synthetic region (up to national size) for scale tests and benchmarks",
    )
    gen.add_argument("--nodes", type=int, help="locations in all (e.g. 50000)")
    gen.add_argument("--providers", type=int, help="providers in all (e.g. 5000)")
    gen.add_argument("--regions", type=int, help="regions to split into (e.g. 11)")
    gen.add_argument("--seed", type=int, help="random seed")
    gen.add_argument("--out", help="directory for <region>.json files and nl.json")

    check = sub.add_parser("check-config", help="validate a region file")
    check.add_argument("path", help="region YAML file")
    check.add_argument("--care-types", dest="care_types", help="care types file")
    check.set_defaults(func=cmd_check_config)

    from .osm_import.cli import add_parser as add_import_osm  # zcc import-osm
    from .places.cli import add_parser as add_import_postcodes  # zcc import-postcodes
    from .token_cli import add_parser as add_token  # zcc token create|list|revoke

    add_token(sub)
    from .simulate.cli import add_parser as add_simulate  # the region simulation (zcc simulate)

    add_import_postcodes(sub)
    add_simulate(sub)
    add_import_osm(sub)
    from .ops.cli import add_parsers as add_ops  # zcc backup, restore, status

    add_ops(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``zcc`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gen-region"] and argv[1:2] not in (["-h"], ["--help"]):
        # Its own options are parsed by coordinator.gen_region (argparse cannot hand "--x" on through REMAINDER).
        from . import gen_region

        return gen_region.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    # The service logs JSON lines (ZCC_LOG_FORMAT=text for a terminal); the one-shot commands log text.
    fmt = os.environ.get("ZCC_LOG_FORMAT") or ("json" if args.command == "serve" else "text")
    configure_logging("text" if fmt == "text" else "json", level=logging.DEBUG if args.verbose else logging.INFO)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
