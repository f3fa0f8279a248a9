"""The region simulation as a benchmark: ``zcc simulate --hours 24 --policy both --seed 1`` on Limburg, timed.

Run by hand (not a test): ``.venv/bin/python -m bench.simulate [--hours 24] [--seed 1] [--volume N] [--out DIR]``.
A thin wrapper over :func:`coordinator.simulate.simulate`; ``bench/run`` picks up ``run`` and ``report``.
The figures are the simulation's own (deterministic for the seed); the run time is this machine's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(hours: float = 24.0, seed: int = 1, volume: float | None = None, out: Path | None = None) -> dict[str, Any]:
    """Simulate Limburg with both policies; the simulation's JSON document plus ``run_seconds``."""
    import logging

    from capacity.region import load_region
    from coordinator.simulate import simulate
    from coordinator.triage import load_protocol

    logging.getLogger("capacity").setLevel(logging.WARNING)
    started = time.perf_counter()
    region = load_region()
    doc = simulate(
        region,
        load_protocol(),
        hours=hours,
        policies=("optimized", "greedy"),
        seed=seed,
        per_day=volume,
        out=out if out is not None else HERE / "out" / "simulation",
    )
    doc["run_seconds"] = round(time.perf_counter() - started, 2)
    doc["machine"] = f"{platform.machine()} x{os.cpu_count()}"
    return doc


def report(fig: dict[str, Any]) -> str:
    """The simulation's table, the target and the run time, as Markdown."""
    from coordinator.simulate.report import table

    return (
        f"```\n{table(fig)}\n```\n\n"
        f"- run time: {fig['run_seconds']:.1f} s for {fig['hours']:g} simulated hours, both policies "
        f"({fig['machine']})"
    )


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--volume", type=float, help="requests per day (default: from the population)")
    ap.add_argument("--out", type=Path, help="report directory (default bench/out/simulation)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.hours, args.seed, args.volume, args.out)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
