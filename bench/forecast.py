"""The forecast as a benchmark: how fast it answers for Limburg, and how well it predicts the simulation.

Run by hand (not a test): ``.venv/bin/python -m bench.forecast [--seeds 12] [--calls 5]``; ``bench/run``
picks up ``run`` and ``report``.

Latency: the real app (embedded SQLite store, the shipped Limburg region) on a free port of
127.0.0.1, every offer reported, eight weeks of request history (72 a day); cold answers (the
service's cache cleared before each) of ``GET /api/v1/forecast?hours=8`` for every care type and
for one, next to a read of the whole board in the same run (the baseline); the target is an answer
within 2 s. While a cold forecast runs, ``/healthz`` is asked every 20 ms: its worst latency shows
whether the event loop stayed free.

Check: the region simulation (``optimized`` policy, normal day) runs 48 hours per seed; at 24 h,
32 h and 40 h (00:00, 08:00, 16:00 local on the second day, after a day of warm-up) the forecast
starts from the simulation's board and its request history so far, and is compared with the board
the simulation then shows at each of the next eight whole hours: bias and mean absolute error of
the expected free places (against persistence: "as free as now"), how often the truth falls in
the forecast's 10-90% band, and the Brier score of the chance of full (against persistence: "full
if full now"), with a calibration table; once with the demand model's defaults, once with the
history (thresholds lowered to the day of history the simulation has).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
T0_HOURS = (24, 32, 40)
HOURS = 8
BINS = ((0.0, 0.05), (0.05, 0.3), (0.3, 0.7), (0.7, 0.95), (0.95, 1.01))


# --------------------------------------------------------------------------- latency


async def _latency(calls: int) -> dict[str, Any]:
    import aiohttp
    from aiohttp import web

    from capacity.region import load_region
    from coordinator.app import create_app
    from coordinator.keys import AUTH, FORECAST, STORES
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol
    from tests.forecast.helpers import synthetic_request
    from tests.redis_server import free_port

    region = load_region()
    with tempfile.TemporaryDirectory(prefix="zcc-bench-forecast-") as tmp:
        app = create_app(Settings(store_url=f"sqlite:///{tmp}/zcc.db"), region, load_protocol())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        try:
            admin, _ = await app[AUTH].create("admin", (), None)
            ops, _ = await app[AUTH].create("ops", (), None)
            head = {"Authorization": f"Bearer {admin}"}
            now = datetime.now(UTC)
            updates = [
                {
                    "provider_id": p.id,
                    "care_type": o.care_type,
                    "available": (i * 7) % max(1, o.total // 5 + 1),
                    "total": o.total,
                    "reported_at": (now - timedelta(seconds=5)).isoformat(),
                }
                for i, (p, o) in enumerate(region.offers())
            ]
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{base}/api/v1/capacity", json={"updates": updates}, headers=head) as resp:
                    assert resp.status == 200, await resp.text()
                # Eight weeks of history at 72 requests a day, 90% placed.
                care_types = sorted({o.care_type for _, o in region.offers()})
                records = app[STORES].records
                from capacity.store import DocWrite

                n = 72 * 56
                started = time.perf_counter()
                for i in range(n):
                    at = now - timedelta(minutes=20 * (n - i))
                    ct = care_types[i % len(care_types)] if i % 10 else None
                    rec = synthetic_request(i, at, ct)
                    write = DocWrite(rec.id, rec.to_store(), None, f"op-{i}", at)
                    await records.put_request(write, open_=False)
                history_write_s = time.perf_counter() - started
                ops_head = {"Authorization": f"Bearer {ops}"}

                async def get(path: str) -> tuple[float, int]:
                    t = time.perf_counter()
                    async with http.get(f"{base}{path}", headers=ops_head) as r:
                        await r.read()
                        return time.perf_counter() - t, r.status

                board = [await get("/api/v1/capacity") for _ in range(20)]
                assert all(status == 200 for _, status in board)
                cold_all, cold_one, cold_read, healthz_worst = [], [], [], []
                for _ in range(calls):
                    # Cold, the history read again too (its first answer after a start, or every 10 minutes).
                    app[FORECAST].clear_cache()
                    cold_read.append((await get("/api/v1/forecast?hours=8"))[0])
                    # Cold forecast, the demand from the history still cached (most answers).
                    app[FORECAST].clear_cache(demand=False)
                    app[FORECAST].clear_cache()
                    probe: list[float] = []
                    task = asyncio.create_task(get("/api/v1/forecast?hours=8"))
                    while not task.done():
                        probe.append((await get("/healthz"))[0])
                        await asyncio.sleep(0.02)
                    seconds, status = await task
                    assert status == 200
                    cold_all.append(seconds)
                    healthz_worst.append(max(probe, default=0.0))
                    app[FORECAST].clear_cache(demand=False)
                    cold_one.append((await get("/api/v1/forecast?care_type=elv_hoog&hours=8"))[0])
                warm = [(await get("/api/v1/forecast?hours=8"))[0] for _ in range(10)]
                async with http.get(f"{base}/api/v1/forecast?hours=8", headers=ops_head) as r:
                    answer = await r.json()
        finally:
            await runner.cleanup()
    board_s = statistics.median(s for s, _ in board)
    return {
        "history_requests": n,
        "history_write_seconds": round(history_write_s, 1),
        "demand_source": answer["demand"]["source"],
        "replications": answer["replications"],
        "care_types": len(answer["care_types"]),
        "board_read_ms_p50": round(1000 * board_s, 2),
        "cold_all_s": [round(x, 3) for x in cold_all],
        "cold_with_history_read_s": [round(x, 3) for x in cold_read],
        "cold_one_s": [round(x, 3) for x in cold_one],
        "warm_ms_p50": round(1000 * statistics.median(warm), 2),
        "healthz_worst_ms": round(1000 * max(healthz_worst), 1),
        "cold_all_vs_board": round(statistics.median(cold_all) / board_s, 1),
    }


# --------------------------------------------------------------------------- the check against the simulation


def _check(seeds: int) -> dict[str, Any]:
    import logging

    from capacity.region import load_region
    from coordinator.forecast import compute
    from coordinator.forecast.board import BoardNow, board_free
    from coordinator.forecast.demand import default_demand, demand_from_history
    from coordinator.simulate import RunSettings, build_scenario, run_policy
    from coordinator.simulate.engine import Run
    from coordinator.triage import load_protocol

    logging.getLogger("capacity").setLevel(logging.WARNING)
    logging.getLogger("coordinator").setLevel(logging.WARNING)
    region, protocol = load_region(), load_protocol()
    care_types = sorted({o.care_type for _, o in region.offers()})
    rows: dict[str, list[dict[str, Any]]] = {"default": [], "history": []}
    sim_seconds = forecast_seconds = 0.0
    for seed in range(1, seeds + 1):
        scenario = build_scenario(region, protocol, seed=seed, hours=max(T0_HOURS) + HOURS)
        t0s = {scenario.start + timedelta(hours=h) for h in T0_HOURS}
        snaps: dict[datetime, tuple[BoardNow, list[tuple[datetime, str | None]]]] = {}
        truth: dict[datetime, dict[str, tuple[int, int]]] = {}

        def observe(run: Run, t0s: set[datetime] = t0s, snaps: Any = snaps, truth: Any = truth) -> None:
            board = BoardNow(run.now, dict(run.view.entries), dict(run.view.statuses))
            if run.now in t0s:
                history = [
                    (o.arrived, o.care_type if o.placed_at is not None else None)
                    for o in run.outcomes
                    if o.arrived is not None and o.arrived <= run.now
                ]
                snaps[run.now] = (board, history)
            if run.now.minute == 0:
                truth[run.now] = {ct: board_free(board, region, ct) for ct in care_types}

        started = time.perf_counter()
        asyncio.run(run_policy(scenario, "optimized", RunSettings(seed=seed), observe=observe))
        sim_seconds += time.perf_counter() - started
        for t0, (board, history) in sorted(snaps.items()):
            demands = {
                "default": default_demand(region, protocol),
                "history": demand_from_history(history, region, protocol, t0, min_days=0.9, min_placements=20),
            }
            for mode, demand in demands.items():
                started = time.perf_counter()
                answer = compute(board, region, care_types, demand, HOURS, budget_seconds=30.0, seed=seed)
                forecast_seconds += time.perf_counter() - started
                for ct in answer["care_types"]:
                    for k, h in enumerate(ct["hours"]):
                        at = datetime.fromisoformat(h["at"].replace("Z", "+00:00"))
                        if at not in truth or h["p_full"] is None:
                            continue
                        free, places = truth[at][ct["care_type"]]
                        rows[mode].append(
                            {
                                "care_type": ct["care_type"],
                                "ahead": k + 1,
                                "pred": h["expected_free"],
                                "p10": h["free_p10"],
                                "p90": h["free_p90"],
                                "p_full": h["p_full"],
                                "now": ct["free_now"],
                                "free": free,
                                "full": places > 0 and free == 0,
                                "source": answer["demand"]["source"],
                            }
                        )
    return {
        "seeds": seeds,
        "t0_hours": list(T0_HOURS),
        "sim_seconds": round(sim_seconds, 1),
        "forecast_seconds": round(forecast_seconds, 1),
        "modes": {mode: _scores(r) for mode, r in rows.items()},
    }


def _brier(ps: list[float], ys: list[bool]) -> float:
    return sum((p - y) ** 2 for p, y in zip(ps, ys, strict=True)) / len(ps) if ps else float("nan")


def _scores(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bias, MAE against persistence, band coverage, Brier against persistence, calibration."""
    if not rows:
        return {"n": 0}

    def block(rs: list[dict[str, Any]]) -> dict[str, Any]:
        ys = [r["full"] for r in rs]
        return {
            "n": len(rs),
            "bias": round(statistics.fmean(r["pred"] - r["free"] for r in rs), 2),
            "mae": round(statistics.fmean(abs(r["pred"] - r["free"]) for r in rs), 2),
            "mae_persistence": round(statistics.fmean(abs(r["now"] - r["free"]) for r in rs), 2),
            "in_band_pct": round(100 * statistics.fmean(r["p10"] <= r["free"] <= r["p90"] for r in rs), 1),
            "brier": round(_brier([r["p_full"] for r in rs], ys), 4),
            "brier_persistence": round(_brier([1.0 if r["now"] == 0 else 0.0 for r in rs], ys), 4),
            "full_pct": round(100 * statistics.fmean(ys), 1),
        }

    out = {"all": block(rows)}
    for lo, hi in ((1, 2), (3, 5), (6, 8)):
        out[f"{lo}-{hi}h"] = block([r for r in rows if lo <= r["ahead"] <= hi])
    calibration = []
    for lo, hi in BINS:
        rs = [r for r in rows if lo <= r["p_full"] < hi]
        if rs:
            calibration.append(
                {
                    "p_full": f"{lo:.2f}-{min(hi, 1.0):.2f}",
                    "n": len(rs),
                    "predicted_pct": round(100 * statistics.fmean(r["p_full"] for r in rs), 1),
                    "observed_pct": round(100 * statistics.fmean(r["full"] for r in rs), 1),
                }
            )
    out["calibration"] = calibration
    per_ct: dict[str, Any] = {}
    for ct in sorted({r["care_type"] for r in rows}):
        b = block([r for r in rows if r["care_type"] == ct])
        per_ct[ct] = {k: b[k] for k in ("n", "bias", "mae", "mae_persistence", "in_band_pct")}
    out["per_care_type"] = per_ct
    out["source"] = sorted({r["source"] for r in rows})
    return out


# --------------------------------------------------------------------------- entry points


def run(seeds: int = 12, calls: int = 5) -> dict[str, Any]:
    """Latency and the check against the simulation."""
    started = time.perf_counter()
    latency = asyncio.run(_latency(calls))
    check = _check(seeds) if seeds > 0 else None
    return {"latency": latency, "check": check, "run_seconds": round(time.perf_counter() - started, 1)}


def report(fig: dict[str, Any]) -> str:
    """The figures as Markdown."""
    lat, chk = fig["latency"], fig["check"]
    worst = lat["cold_all_s"] + lat["cold_with_history_read_s"]
    lines = [
        f"forecast of Limburg, every care type ({lat['care_types']}), 8 hours ahead, {lat['replications']} "
        f"replications, demand from {lat['demand_source']} ({lat['history_requests']} requests in the store)",
        "",
        "| measurement | value | baseline (same run) | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| cold answer, every care type, s (median; max) | {statistics.median(lat['cold_all_s']):.2f}; "
        f"{max(lat['cold_all_s']):.2f} | {lat['board_read_ms_p50']:.1f} ms (whole board read) | "
        f"{lat['cold_all_vs_board']:.0f}x |",
        f"| cold answer, every care type, history read again too, s (median; max) | "
        f"{statistics.median(lat['cold_with_history_read_s']):.2f}; {max(lat['cold_with_history_read_s']):.2f} | | |",
        f"| cold answer, one care type (elv_hoog), s (median) | {statistics.median(lat['cold_one_s']):.2f} | | |",
        f"| cached answer, ms (median) | {lat['warm_ms_p50']:.1f} | {lat['board_read_ms_p50']:.1f} ms | "
        f"{lat['warm_ms_p50'] / lat['board_read_ms_p50']:.1f}x |",
        f"| worst /healthz while a cold forecast runs, ms | {lat['healthz_worst_ms']:.1f} | | |",
        "",
        f"- target: an answer within 2 s: {'met' if max(worst) < 2 else 'MISSED'} "
        f"(worst cold answer {max(worst):.2f} s)",
    ]
    if chk is None:
        return "\n".join(lines)
    lines += [
        "",
        f"check against the simulation: {chk['seeds']} seeds, forecasts from hours {chk['t0_hours']} of a 48-hour "
        f"run, 8 hours ahead (simulation {chk['sim_seconds']:.0f} s, forecasts {chk['forecast_seconds']:.0f} s)",
        "",
        "| demand | horizon | n | bias | MAE | MAE persistence | in 10-90% band | Brier | Brier persistence | full |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode, sc in chk["modes"].items():
        for key in ("all", "1-2h", "3-5h", "6-8h"):
            b = sc[key]
            lines.append(
                f"| {mode} | {key} | {b['n']} | {b['bias']:+.2f} | {b['mae']:.2f} | {b['mae_persistence']:.2f} | "
                f"{b['in_band_pct']:.0f}% | {b['brier']:.4f} | {b['brier_persistence']:.4f} | {b['full_pct']:.0f}% |"
            )
    for mode, sc in chk["modes"].items():
        lines += ["", f"calibration of the chance of full ({mode} demand):", ""]
        lines += ["| forecast chance | n | mean forecast | observed full |", "| --- | ---: | ---: | ---: |"]
        lines += [
            f"| {c['p_full']} | {c['n']} | {c['predicted_pct']:.1f}% | {c['observed_pct']:.1f}% |"
            for c in sc["calibration"]
        ]
    return "\n".join(lines)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.seeds, args.calls)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
