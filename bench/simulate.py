"""The region simulation as a benchmark: ``zcc simulate --policy all --scenario winter --seeds 10`` on Limburg, timed.

Run by hand (not a test): ``.venv/bin/python -m bench.simulate [--seeds 10] [--scenario winter] [--out DIR]``.
A thin wrapper over :func:`coordinator.simulate.simulate_seeds`; ``bench/run`` picks up ``run`` and ``report``.
The figures are the simulation's own (deterministic for the seeds); the run time is this machine's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(seeds: int = 10, scenario: str = "winter", hours: float = 24.0, out: Path | None = None) -> dict[str, Any]:
    """Simulate Limburg with every policy on ``seeds`` seeds; the simulation's JSON document plus run times."""
    import logging

    from capacity.region import load_region
    from coordinator.simulate import SCENARIOS, simulate_seeds
    from coordinator.triage import load_protocol

    logging.getLogger("capacity").setLevel(logging.WARNING)
    logging.getLogger("coordinator").setLevel(logging.WARNING)
    started, cpu = time.perf_counter(), time.process_time()
    doc = simulate_seeds(
        load_region(),
        load_protocol(),
        seeds=range(1, seeds + 1),
        hours=hours,
        spec=SCENARIOS[scenario],
        out=out if out is not None else HERE / "out" / "simulation",
    )
    doc["run_seconds"] = round(time.perf_counter() - started, 2)
    doc["cpu_seconds"] = round(time.process_time() - cpu, 2)
    doc["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    doc["machine"] = f"{platform.machine()} x{os.cpu_count()}"
    doc.pop("distributions", None)  # thousands of numbers: in simulation.json, not in results.json
    return doc


def report(fig: dict[str, Any]) -> str:
    """The simulation's table and the run time, as Markdown."""
    from coordinator.simulate.report import table

    runs = len(fig["seeds"]) * len(fig["policies"])
    return (
        f"```\n{table(fig)}\n```\n\n"
        f"- run time: {fig['run_seconds']:.1f} s wall, {fig['cpu_seconds']:.1f} s CPU in this process for {runs} "
        f"runs of {fig['hours']:g} simulated hours ({fig['machine']}; the runs' throwaway stores are in /dev/shm; "
        "the rest of the wall time is the embedded store's worker thread and the machine's other load)"
    )


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--scenario", default="winter", choices=("normal", "winter", "seh-stop"))
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--out", type=Path, help="report directory (default bench/out/simulation)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.seeds, args.scenario, args.hours, args.out)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
