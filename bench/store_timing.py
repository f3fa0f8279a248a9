"""What timing every store call costs: a store call with and without the latency histogram, on real stores.

Baselines measured in the same run, in alternating rounds: the same store call untimed (and a raw redis-py HGET
for Redis). Prints the median per-call microseconds over short alternating rounds and the ratio timed / untimed.

    .venv/bin/python -m bench.store_timing [--calls 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

from capacity.store import open_stores
from capacity.store.timing import TimedStore
from coordinator.metrics import Metrics
from tests.redis_server import RedisServer


async def _per_call(fn: Callable[[], Awaitable[object]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await fn()
    return (time.perf_counter() - start) / calls * 1e6


async def _measure(url: str, calls: int, rounds: int = 40) -> dict[str, float]:
    stores = open_stores(url, "bench")
    await stores.backend.open()
    try:
        timed = TimedStore(stores.tokens, "tokens", Metrics().store_observer)
        raw_client = getattr(stores.backend, "client", None)
        samples: dict[str, list[float]] = {}
        for _ in range(rounds):  # short alternating rounds, so the machine's other load hits every variant alike
            runs: dict[str, Callable[[], Awaitable[object]]] = {
                "untimed": lambda: stores.tokens.get("h"),
                "timed": lambda: timed.get("h"),
            }
            if raw_client is not None:
                runs["raw redis-py"] = lambda: raw_client.hget("zcc:{bench}:tokens", "h")
            for name, fn in runs.items():
                samples.setdefault(name, []).append(await _per_call(fn, max(1, calls // rounds)))
        return {name: statistics.median(values) for name, values in samples.items()}
    finally:
        await stores.backend.close()


def main() -> None:
    """Run both stores and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, url in (("sqlite", f"sqlite:///{tmp}/b.db"), ("redis", server.url)):
                best = asyncio.run(_measure(url, args.calls))
                ratio = best["timed"] / best["untimed"]
                figures = ", ".join(f"{k} {v:.1f} us" for k, v in best.items())
                print(f"{name}: tokens.get per call: {figures}; timed / untimed = {ratio:.3f}")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
