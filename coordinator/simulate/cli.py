"""The ``zcc simulate`` subcommand: its arguments and what it runs."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["add_parser", "cmd_simulate"]

DEFAULT_OUT = "var/simulation"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``simulate`` to the ``zcc`` subcommands."""
    p = sub.add_parser(
        "simulate",
        help="simulate a day of the region's ZCC on the real service code (optimized against greedy)",
        description="Discrete-event simulation of one region: arrivals, provider capacity reports, triage staff "
        "reserving and confirming, on a simulated clock and an embedded store per policy. Writes DIR/simulation.json, "
        "DIR/report.html and PNG plots; prints the figures. The same seed gives the same figures.",
    )
    p.add_argument("--config", help="region file (env ZCC_CONFIG; default: the shipped Limburg region)")
    p.add_argument("--care-types", dest="care_types", help="care types file (env ZCC_CARE_TYPES)")
    p.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    p.add_argument("--policy", choices=("optimized", "greedy", "both"), default="both", help="default both")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument(
        "--volume",
        type=float,
        help="expected requests per day (default: from the region's population, 45 per 100,000 a week)",
    )
    p.add_argument(
        "--start",
        help="simulated start, ISO local time in the region's zone (default 2026-11-27T00:00, a Friday)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=cmd_simulate)
    return p


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the simulation, print the table and write the report; 2 on bad input."""
    from capacity.errors import ConfigError
    from capacity.region import load_care_types, load_region

    from ..settings import Settings
    from ..triage import load_protocol
    from .progress import Progress
    from .report import table
    from .run import DEFAULT_START, simulate

    if args.hours <= 0 or (args.volume is not None and args.volume < 0):
        print("zcc: --hours must be above 0 and --volume 0 or more", file=sys.stderr)
        return 2
    settings = Settings.from_env(
        config_path=Path(args.config) if args.config else None,
        care_types_path=Path(args.care_types) if args.care_types else None,
    )
    try:
        region = load_region(settings.config_path, load_care_types(settings.care_types_path))
        protocol = load_protocol(settings.triage_path)
    except ConfigError as exc:
        print(f"zcc: invalid configuration: {exc}", file=sys.stderr)
        return 2
    start = DEFAULT_START
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            print(f"zcc: --start {args.start!r} is not an ISO date and time", file=sys.stderr)
            return 2
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(region.timezone))
    policies = ("optimized", "greedy") if args.policy == "both" else (args.policy,)
    out = Path(args.out)
    began = time.perf_counter()
    doc = simulate(
        region,
        protocol,
        hours=args.hours,
        policies=policies,
        seed=args.seed,
        per_day=args.volume,
        start=start,
        out=out,
        progress=None if args.no_progress else Progress(),
    )
    print(table(doc))
    seconds = time.perf_counter() - began
    print(f"\nwrote {out / 'simulation.json'}, {out / 'report.html'} and its plots; ran {seconds:.1f} s")
    return 0
