"""The ``zcc simulate`` subcommand: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["POLICY_CHOICES", "SCENARIO_CHOICES", "add_parser", "cmd_simulate"]

DEFAULT_OUT = "var/simulation"
# Kept here, not imported, so that `zcc --help` does not import the simulation.
POLICY_CHOICES = ("status-quo", "greedy", "optimized")
SCENARIO_CHOICES = ("normal", "winter", "seh-stop")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``simulate`` to the ``zcc`` subcommands."""
    p = sub.add_parser(
        "simulate",
        help="simulate a day of the region's ZCC on the real service code (status quo, greedy, optimized)",
        description="Discrete-event simulation of one region: arrivals, provider capacity reports, triage staff "
        "phoning around (status-quo) or reserving and confirming from the board (greedy, optimized), on a simulated "
        "clock and an embedded store per policy. Runs every seed, reports each figure's mean with a 95% t-interval "
        "over the seeds and the paired differences. Writes DIR/simulation.json, DIR/report.html and PNG plots "
        "(Dutch); prints the table. The same seeds give the same figures.",
    )
    p.add_argument("--config", help="region file (env ZCC_CONFIG; default: the shipped Limburg region)")
    p.add_argument("--care-types", dest="care_types", help="care types file (env ZCC_CARE_TYPES)")
    p.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    p.add_argument(
        "--policy",
        choices=(*POLICY_CHOICES, "all", "both"),
        default="all",
        help="status-quo (phoning around, no board), greedy (the board, nearest free place), optimized (zcc), "
        "all three on one arrival stream (default), or both (greedy and optimized, as before)",
    )
    p.add_argument(
        "--scenario",
        choices=SCENARIO_CHOICES,
        default="normal",
        help="normal (default); winter: twice the volume, the region near 90%% occupied; seh-stop: the largest SEH "
        "on stop for six hours from 14:00",
    )
    p.add_argument("--seed", type=int, default=1, help="first random seed (default 1)")
    p.add_argument("--seeds", type=int, default=1, help="number of seeds, from --seed on (default 1)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument("--json", dest="json_file", help="also write the figures as JSON to this file")
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
    from .run import DEFAULT_START, simulate_seeds
    from .scenarios import SCENARIOS

    if args.hours <= 0 or (args.volume is not None and args.volume < 0) or not 1 <= args.seeds <= 1000:
        print("zcc: --hours must be above 0, --volume 0 or more and --seeds 1 to 1000", file=sys.stderr)
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
    policies: tuple[str, ...] = {"all": POLICY_CHOICES, "both": ("greedy", "optimized")}.get(
        args.policy, (args.policy,)
    )
    out = Path(args.out)
    began = time.perf_counter()
    doc = simulate_seeds(
        region,
        protocol,
        hours=args.hours,
        policies=policies,
        seeds=range(args.seed, args.seed + args.seeds),
        per_day=args.volume,
        start=start,
        spec=SCENARIOS[args.scenario],
        out=out,
        progress=None if args.no_progress else Progress(),
    )
    print(table(doc))
    seconds = time.perf_counter() - began
    written = f"{out / 'simulation.json'}, {out / 'report.html'} and its plots"
    if args.json_file:
        Path(args.json_file).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        written += f", {args.json_file}"
    print(f"\nwrote {written}; ran {seconds:.1f} s")
    return 0
