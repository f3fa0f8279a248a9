"""The generator's command line (``zcc gen-region``, ``python -m coordinator.gen_region``): files into a directory."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .generator import generate
from .write import merge, summary, write_region

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic national set of region files as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m coordinator.gen_region",
        description="Generate synthetic ROAZ region files covering the Netherlands, plus the merged nl.json.",
    )
    parser.add_argument("--nodes", type=int, default=50_000, help="places (locations) in total (default 50000)")
    parser.add_argument("--providers", type=int, default=5_000, help="providers in total (default 5000)")
    parser.add_argument("--regions", type=int, default=11, help="number of ROAZ regions (default 11)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    args = parser.parse_args(argv)
    try:
        files = generate(nodes=args.nodes, providers=args.providers, regions=args.regions, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for data in [*files, merge(files)]:
        path = out / f"{data['region']['id']}.json"
        write_region(data, path)
        print(summary(path, data))
    return 0
