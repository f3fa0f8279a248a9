"""Run every benchmark once and write bench/results.md: ``python -m bench.report`` (``bench/run`` calls it).

Each benchmark module exposes ``run(...) -> dict`` and ``report(dict) -> str``;
every figure in their reports stands next to the baseline it was measured
against in the same run. This module runs them one after the other (a failing
one is recorded, the others still run), puts the headline ratios in one table
at the top, and writes the machine, the date and every report below it. The raw
figures go to bench/out/results.json (``--json``).

The simulation benchmark is optional: ``--simulate module`` runs ``bench/simulate.py``
(its ``run``/``report`` when it has them, else ``python -m bench.simulate``),
``--simulate zcc`` runs ``zcc simulate``, ``--simulate none`` (or ``auto`` when
neither exists) records that it was skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIMULATION_TIMEOUT = 600  # seconds; an external simulation is bounded like every other load


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, memory, Python: what the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem_gb = float("nan")
    try:
        with open("/proc/meminfo") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
        mem_gb = kb / 1024 / 1024
    except (OSError, StopIteration):
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_before": load,
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


# --------------------------------------------------------------------------- the benchmarks


def _ingest(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import ingest

    fig = ingest.run(seconds, args.providers_ingest)
    return fig, ingest.report(fig)


def _dispatch(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import dispatch

    fig = dispatch.run(seconds, args.nodes, args.providers)
    return fig, dispatch.report(fig)


def _matching(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import matching

    fig = matching.run(seconds, args.nodes, args.providers, milp_large=not args.no_milp)
    return fig, matching.report(fig)


def _simulation(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    mode = args.simulate
    if mode == "auto":
        if (HERE / "simulate.py").is_file():
            mode = "module"
        elif _zcc_has_simulate():
            mode = "zcc"
        else:
            mode = "none"
    if mode == "none":
        note = "skipped: neither bench/simulate.py nor `zcc simulate` exists in this tree yet"
        print(f"note: simulation {note}", flush=True)
        return {"skipped": note}, f"simulation {note}."
    if mode == "module":
        module = importlib.import_module("bench.simulate")
        run, report = getattr(module, "run", None), getattr(module, "report", None)
        if callable(run) and callable(report):
            fig = run()
            return fig, str(report(fig))
        command = [sys.executable, "-m", "bench.simulate"]
    else:
        command = [str(_zcc()), "simulate"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SIMULATION_TIMEOUT, check=False)
    text = f"`{' '.join(command[-2:])}` (exit {done.returncode}):\n\n```\n{done.stdout.strip()}\n```"
    if done.returncode != 0:
        text += f"\n\nstderr (last lines):\n\n```\n{_tail(done.stderr)}\n```"
    return {"command": command, "returncode": done.returncode, "stdout": done.stdout}, text


def _faults(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import faults

    fig = faults.run()
    return fig, faults.report(fig)


def _faults_service(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import faults_service as fs

    cases = {
        "baseline (no fault)": asyncio.run(fs.kill_one_instance(kill=False)),
        "kill -9 of one zcc instance": asyncio.run(fs.kill_one_instance()),
        "creation, lost replies": asyncio.run(fs.creation_through_lost_replies()),
    }
    keys = ("lost", "applied_twice", "half_done", "double_bookings", "calls", "calls_per_second")
    lines = [
        "Two zcc instances on one redis-server, requests created, reserved and confirmed or released and capacity",
        "reported, every call with an Idempotency-Key and repeated on the other instance until answered; one",
        "instance killed (kill -9) a third in and restarted two thirds in; then one instance behind a proxy that",
        "loses every reply after a request's creation 1.5 s in every 3 s. Baseline: the same load, no fault.",
        "",
        "| case | " + " | ".join(keys) + " | client error s (sum) | worst call's error s |",
        "| --- |" + " ---: |" * (len(keys) + 2),
    ]
    for name, fig in cases.items():
        cells = " | ".join(str(fig.get(k, "")) for k in keys)
        lines.append(f"| {name} | {cells} | {fig['client_error_seconds']} | {fig['worst_call_error_seconds']} |")
    return {"cases": cases}, "\n".join(lines)


def _zcc() -> Path:
    return Path(sys.executable).with_name("zcc")


def _zcc_has_simulate() -> bool:
    if not _zcc().exists():
        return False
    try:
        done = subprocess.run([str(_zcc()), "simulate", "--help"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _forecast(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import forecast

    fig = forecast.run(args.forecast_seeds)
    return fig, forecast.report(fig)


def _history(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import history

    fig = history.run()
    return fig, history.report(fig)


def _workers(seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from bench import workers

    fig = workers.run(seconds)
    return fig, workers.report(fig)


BENCHMARKS: dict[str, Callable[[float, argparse.Namespace], tuple[dict[str, Any], str]]] = {
    "ingest": _ingest,
    "dispatch": _dispatch,
    "workers": _workers,
    "matching": _matching,
    "simulation": _simulation,
    "forecast": _forecast,
    "faults": _faults,
    "faults_service": _faults_service,
    "history": _history,
}


# --------------------------------------------------------------------------- the headline table


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, value, baseline, ratio) for the headline table, from whatever ran."""
    rows: list[tuple[str, str, str, str]] = []
    ing = results.get("ingest", {}).get("figures")
    if ing:
        for subj, base, label in (
            ("zcc_post", "bare_post", "capacity update POST, req/s"),
            ("zcc_get_one_provider", "bare_get_small", "board read, one provider, req/s"),
            ("zcc_get_board", "bare_get_board", "board read, whole board, req/s"),
        ):
            z, b = ing[subj]["rate"], ing[base]["rate"]
            rows.append((f"ingest: {label}", f"{z:.0f}", f"{b:.0f} ({base})", f"{z / b:.2f}"))
    dsp = results.get("dispatch", {}).get("figures")
    if dsp:
        k = dsp["kernels"]
        rows.append(
            (
                f"dispatch: scipy Dijkstra, {k['sample_sources']} sources on {k['nodes']} nodes, s",
                f"{k['scipy_sample_seconds']:.2f}",
                f"{k['networkx_sample_seconds']:.2f} (networkx)",
                f"{k['scipy_speedup']:.1f}x faster",
            )
        )
        for r in dsp["lookups"]:
            z, b = r["zcc"], r["bare"]
            rows.append(
                (
                    f"dispatch {r['region']}: lookups/s, 32 clients",
                    f"{z['rate']:.0f}",
                    f"{b['rate']:.0f} (bare GET)",
                    f"{r['ratio']:.2f}",
                )
            )
            rows.append(
                (
                    f"dispatch {r['region']}: p99 ms, 32 clients",
                    f"{z['p99_ms']:.2f}",
                    f"{b['p99_ms']:.2f}",
                    f"{z['p99_ms'] / b['p99_ms']:.1f}x",
                )
            )
            z1, b1 = r["zcc_single"], r["bare_single"]
            rows.append(
                (
                    f"dispatch {r['region']}: p99 ms, 1 client",
                    f"{z1['p99_ms']:.2f}",
                    f"{b1['p99_ms']:.2f}",
                    f"{z1['p99_ms'] / b1['p99_ms']:.1f}x",
                )
            )
        for r in dsp["lookups"]:
            rows.append(
                (
                    f"dispatch {r['region']}: service RSS MB (heap + mapped matrix)",
                    f"{r['rss_mb']:.0f} ({r['rss_anon_mb']:.0f} + {r['rss_file_mb']:.0f})",
                    f"{r['bare_rss_mb']:.0f} (bare aiohttp server)",
                    f"{r['rss_mb'] / r['bare_rss_mb']:.1f}x",
                )
            )
            rows.append(
                (
                    f"dispatch {r['region']}: second start s (matrix from the cache), until it answers",
                    f"{r['startup_seconds']:.1f}",
                    f"{r['cold_startup_seconds']:.1f} (first start, matrix computed)",
                    f"{r['startup_seconds'] / r['cold_startup_seconds']:.2f}",
                )
            )
    wrk = results.get("workers", {}).get("figures")
    if wrk:
        for name, what in (("dispatch", "dispatch lookups/s"), ("board", "board reads/s")):
            f = wrk[name]
            rows.append(
                (
                    f"workers: {what}, `--workers 2`, 32 clients",
                    f"{f['two']['rate']:.0f}",
                    f"{f['one']['rate']:.0f} (`--workers 1`)",
                    f"{f['ratio']:.2f}",
                )
            )
    mat = results.get("matching", {}).get("figures")
    if mat:
        for r in mat["proposals"]:
            z, b = r["zcc"], r["bare"]
            rows.append(
                (
                    f"matching {r['region']}: single proposal p99 ms, 1 client",
                    f"{z['p99_ms']:.2f}",
                    f"{b['p99_ms']:.2f} (bare POST)",
                    f"{r['ratio_p99']:.1f}x",
                )
            )
            rows.append(
                (
                    f"matching {r['region']}: proposals/s, 1 client",
                    f"{z['rate']:.0f}",
                    f"{b['rate']:.0f} (bare POST)",
                    f"{r['ratio_rate']:.2f}",
                )
            )
        for key, label in (("batch_all", "all candidates"), ("batch_acceptable", "acceptable only")):
            for bt in mat[key]:
                optimal = {None: "", True: ", optimal", False: ", NOT optimal"}[bt.get("optimal")]
                rows.append(
                    (
                        f"matching batch {bt['needs']} ({label}): optimise ms from arrays{optimal}",
                        f"{1000 * bt['flow_seconds']:.1f}",
                        f"{1000 * bt['bare_flow_seconds']:.1f} (bare min cost flow)",
                        f"{bt['ratio_vs_bare_flow']:.1f}x",
                    )
                )
                if "place_flow_seconds" in bt:
                    rows.append(
                        (
                            f"matching batch {bt['needs']} ({label}): optimise ms from Place objects",
                            f"{1000 * bt['place_flow_seconds']:.1f}",
                            f"{1000 * bt['bare_flow_seconds']:.1f} (bare min cost flow)",
                            f"{bt['ratio_place_vs_bare_flow']:.1f}x",
                        )
                    )
    rows += _simulation_rows(results.get("simulation", {}).get("figures") or {})
    rows += _forecast_rows(results.get("forecast", {}).get("figures") or {})
    flt = results.get("faults", {}).get("figures")
    if flt:
        from bench import faults

        rows += faults.headline(flt)
    svc = (results.get("faults_service", {}).get("figures") or {}).get("cases")
    if svc:
        base, killed = svc["baseline (no fault)"], svc["kill -9 of one zcc instance"]
        for name in ("kill -9 of one zcc instance", "creation, lost replies"):
            c = svc[name]
            rows.append(
                (
                    f"faults: {name}: lost / applied twice / half done / double bookings",
                    f"{c['lost']} / {c['applied_twice']} / {c['half_done']} / {c['double_bookings']}",
                    f"{c['calls']} calls",
                    "",
                )
            )
        ratio = killed["calls_per_second"] / base["calls_per_second"] if base["calls_per_second"] else float("nan")
        rows.append(
            (
                "faults: kill -9 of one zcc instance: calls/s",
                f"{killed['calls_per_second']:.0f}",
                f"{base['calls_per_second']:.0f} (no fault)",
                f"{ratio:.2f}",
            )
        )
    rows += _history_rows(results.get("history", {}).get("figures") or {})
    return rows


def _history_rows(hist: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """History over a year of 5-minute reports from 50 providers, against a board read of the same run."""
    rows = []
    for name, q in (hist.get("queries") or {}).items():
        rows.append(
            (
                f"history 50 providers x 1 year: {name}, median ms",
                f"{1000 * q['median_s']:.1f}",
                f"{1000 * hist['board_median_s']:.1f} (board read)",
                f"{q['median_s'] / hist['board_median_s']:.0f}x",
            )
        )
    return rows


_SIM_FIGURES = (
    ("time_to_placement_mean", "time to confirmed placement, mean min"),
    ("time_to_placement_p90", "time to confirmed placement, p90 min"),
    ("within_window_pct", "placed within the urgency window %"),
    ("travel_minutes_mean", "travel minutes, mean"),
    ("travel_minutes_p90", "travel minutes, p90"),
    ("level_mismatches", "level-of-care mismatches"),
    ("frail_to_hospital", "frail elderly sent to hospital"),
    ("phone_calls", "phone calls"),
)


def _ci(cell: dict[str, Any]) -> str:
    ci = cell.get("ci95")
    return f"{cell['mean']:.1f}" + (f" [{ci[0]:.1f}, {ci[1]:.1f}]" if ci else "")


def _simulation_rows(sim: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """optimized next to status-quo (phoning around) and greedy (the board), each figure with its 95% interval.

    The ratio column is the paired difference optimized - baseline per seed, with its interval and verdict.
    """
    policies, comparisons = sim.get("policies") or {}, sim.get("comparisons") or {}
    ours = policies.get("optimized")
    if not isinstance(ours, dict) or "seeds" not in sim:
        return []
    scenario = sim.get("scenario", {}).get("name", "")
    rows = []
    for base in ("status-quo", "greedy"):
        other, comp = policies.get(base), comparisons.get(f"optimized_vs_{base}")
        if not isinstance(other, dict) or not isinstance(comp, dict):
            continue
        for key, label in _SIM_FIGURES:
            a, b, d = ours.get(key) or {}, other.get(key) or {}, comp.get(key) or {}
            if a.get("mean") is None or b.get("mean") is None or d.get("mean") is None:
                continue
            rows.append(
                (
                    f"simulation {sim.get('region', '')} {scenario}, {len(sim['seeds'])} seeds: {label}",
                    f"{_ci(a)} (optimized)",
                    f"{_ci(b)} ({base})",
                    f"{_ci(d)} {d['verdict'].replace('_', ' ')}",
                )
            )
    return rows


def _forecast_rows(fc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The forecast's cold answer against the 2 s target, and its error against persistence."""
    lat = fc.get("latency")
    if not lat:
        return []
    worst = max(lat["cold_all_s"] + lat["cold_with_history_read_s"])
    rows = [
        (
            "forecast limburg: cold answer, every care type, worst s",
            f"{worst:.2f}",
            "2 s (target)",
            f"{worst / 2:.2f}",
        )
    ]
    check = (fc.get("check") or {}).get("modes", {}).get("history")
    if check:
        b = check["all"]
        rows.append(
            (
                "forecast vs simulation: MAE of free places, 1-8 h ahead",
                f"{b['mae']:.2f}",
                f"{b['mae_persistence']:.2f} (persistence)",
                f"{b['mae'] / b['mae_persistence']:.2f}",
            )
        )
        rows.append(
            (
                "forecast vs simulation: Brier score of chance of full",
                f"{b['brier']:.4f}",
                f"{b['brier_persistence']:.4f} (persistence)",
                f"{b['brier'] / b['brier_persistence']:.2f}",
            )
        )
    return rows


def render(machine: dict[str, Any], results: dict[str, Any], total_s: float) -> str:
    """The whole results.md."""
    load = ", ".join(f"{x:.2f}" for x in machine["load_before"])
    lines = [
        "# zcc benchmark results",
        "",
        "Written by `bench/run` (`bench/report.py`); do not edit by hand. The machine is shared and noisy,",
        "so every figure stands next to a baseline measured in the same run, and the ratio is what to compare",
        "between runs, not the absolute figures.",
        "",
        f"- date: {machine['date']}",
        f"- machine: {machine['cores']} cores, {machine['cpu']}, {machine['memory_gb']:.1f} GB memory, "
        f"{machine['platform']}",
        f"- Python {machine['python']}; load average before the run: {load}",
        f"- whole run: {total_s / 60:.1f} min",
        *(
            [f"- kept from an earlier run (`--keep`): {', '.join(kept)}; measured in this run: {', '.join(ran)}"]
            if (kept := [n for n, r in results.items() if "kept_from" in r])
            and (ran := [n for n, r in results.items() if "kept_from" not in r])
            else []
        ),
        "",
        "## Headline ratios",
        "",
        "| figure | value | baseline (same run) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _rows(results)]
    for name, res in results.items():
        lines += ["", f"## {name}", ""]
        if "kept_from" in res:
            lines += [f"(kept from the run of {res['kept_from']}: `bench/run --only ... --keep` did not run it again)"]
        if "error" in res:
            lines += [f"FAILED after {res['seconds']:.0f} s:", "", "```", res["error"], "```"]
            continue
        lines += [f"({res['seconds']:.0f} s)", "", res["text"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement round")
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument("--providers", type=int, default=5_000)
    ap.add_argument("--providers-ingest", type=int, default=500)
    ap.add_argument("--no-milp", action="store_true", help="skip the MILP of the 5,000-request batch")
    ap.add_argument("--simulate", choices=("auto", "module", "zcc", "none"), default="auto")
    ap.add_argument("--forecast-seeds", type=int, default=12, help="seeds of the forecast's check (0: latency only)")
    ap.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--json", type=Path, default=HERE / "out" / "results.json", help="where the raw figures go")
    ap.add_argument(
        "--keep",
        action="store_true",
        help="with --only: keep the other benchmarks' figures from the last run's JSON (each is still measured "
        "against its own baseline in its own run; results.md says which were kept and from when)",
    )
    args = ap.parse_args()
    machine = machine_info()
    results: dict[str, Any] = {}
    if args.keep and args.json.exists():
        before = json.loads(args.json.read_text())
        for name, res in before["results"].items():
            if name in BENCHMARKS and (not args.only or name not in args.only):
                results[name] = res | {"kept_from": before["machine"]["date"]}
    started = time.perf_counter()
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            fig, text = bench(args.seconds, args)
        except Exception:  # record it and run the others
            results[name] = {"error": _tail(traceback.format_exc(), 25), "seconds": time.perf_counter() - t0}
            print(results[name]["error"], file=sys.stderr, flush=True)
            continue
        results[name] = {"figures": fig, "text": text, "seconds": time.perf_counter() - t0}
        print(text, flush=True)
    total = time.perf_counter() - started
    results = {name: results[name] for name in BENCHMARKS if name in results}
    args.out.write_text(render(machine, results, total))
    out_json: Path = args.json
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps({"machine": machine, "results": results}, indent=2, default=str))
    print(f"wrote {args.out} and {out_json} in {total / 60:.1f} min", flush=True)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
