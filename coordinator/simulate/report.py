"""The simulation's outputs: a text table, ``simulation.json``, three PNG plots and ``report.html``."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PLOTS", "table", "write_outputs"]

PLOTS = ("free_capacity.png", "time_to_placement.png", "travel_minutes.png")

# (label, key in a policy's figures, unit)
_ROWS: tuple[tuple[str, str, str], ...] = (
    ("requests", "requests", ""),
    ("escalated to 112 (U1)", "escalated_112", ""),
    ("to place (U2-U4)", "to_place", ""),
    ("placed", "placed", ""),
    ("placed %", "placed_pct", "%"),
    ("placed within urgency window %", "within_window_pct", "%"),
    ("travel minutes, mean", "travel_minutes_mean", "min"),
    ("travel minutes, p90", "travel_minutes_p90", "min"),
    ("time to placement, mean", "time_to_placement_minutes_mean", "min"),
    ("time to placement, p90", "time_to_placement_minutes_p90", "min"),
    ("level-of-care mismatches", "level_mismatches", ""),
    ("frail elderly placed in hospital", "frail_placed_in_hospital", ""),
    ("holds taken", "holds_taken", ""),
    ("holds expired", "holds_expired", ""),
    ("reservation conflicts (409)", "reservation_conflicts", ""),
    ("overflow across the border", "overflow_cross_border", ""),
    ("capacity violations", "capacity_violations", ""),
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(doc: Mapping[str, Any]) -> str:
    """The figures of every policy side by side, then the comparison against the target."""
    policies: Mapping[str, Mapping[str, Any]] = doc["policies"]
    names = list(policies)
    width = max(len(r[0]) for r in _ROWS)
    lines = [
        f"zcc simulate: {doc['region_name']}, {doc['hours']:g} h from {doc['start']}, seed {doc['seed']}, "
        f"{doc['arrivals']} requests ({doc['volume_per_day']:.1f}/day expected)",
        "",
        f"{'':<{width}}  " + "  ".join(f"{n:>10}" for n in names),
    ]
    for label, key, _ in _ROWS:
        lines.append(f"{label:<{width}}  " + "  ".join(f"{_cell(policies[n].get(key)):>10}" for n in names))
    lines.append("")
    lines.append(f"overflow: {next(iter(policies.values()))['overflow_note']}")
    cmp_ = doc.get("comparison")
    if cmp_:
        lines.append(
            f"target: optimized {cmp_['travel_reduction_pct']}% fewer travel minutes per placed patient than greedy "
            f"(target >= {cmp_['travel_target_pct']:g}%: {'met' if cmp_['travel_target_met'] else 'MISSED'}); "
            f"within window {cmp_['within_window_optimized']} vs {cmp_['within_window_greedy']} "
            f"({'at least as many' if cmp_['within_window_at_least_greedy'] else 'FEWER'})"
        )
    return "\n".join(lines)


def _plots(doc: Mapping[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    names = list(doc["policies"])
    timeline: Mapping[str, Sequence[Mapping[str, Any]]] = doc["timeline"]
    fig, axes = plt.subplots(1, len(names), figsize=(7 * len(names), 4.5), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], names, strict=True):
        samples = timeline[name]
        hours = [s["minute"] / 60 for s in samples]
        care_types = sorted({ct for s in samples for ct in s["free"]})
        for ct in care_types:
            ax.plot(hours, [s["free"].get(ct, 0) for s in samples], label=ct, linewidth=1.2)
        ax.set_title(f"free capacity on the board: {name}")
        ax.set_xlabel(f"hours since {doc['start'][:16]} UTC")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("free units (fresh reports, no stop)")
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(out / "free_capacity.png", dpi=100)
    plt.close(fig)

    outcomes: Mapping[str, Sequence[Mapping[str, Any]]] = doc["outcomes"]
    for filename, key, xlabel in (
        ("time_to_placement.png", "wait_minutes", "minutes from request to confirmed placement"),
        ("travel_minutes.png", "travel_minutes", "travel minutes to the place (or of the team to the patient)"),
    ):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        data = [[o[key] for o in outcomes[n] if o[key] is not None] for n in names]
        top = max((max(d) for d in data if d), default=1.0)
        bins = [top * i / 30 for i in range(31)] if top > 0 else [0.0, 1.0]
        for name, values in zip(names, data, strict=True):
            ax.hist(values, bins=bins, histtype="step", linewidth=1.6, label=f"{name} (n={len(values)})")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("placed requests")
        ax.set_title(f"{xlabel.split(' (')[0]}, per policy")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / filename, dpi=100)
        plt.close(fig)


def _html(doc: Mapping[str, Any]) -> str:
    policies: Mapping[str, Mapping[str, Any]] = doc["policies"]
    names = list(policies)
    esc = html.escape
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    rows = "".join(
        f"<tr><th scope='row'>{esc(label)}</th>"
        + "".join(f"<td>{esc(_cell(policies[n].get(key)))}</td>" for n in names)
        + "</tr>"
        for label, key, _ in _ROWS
    )
    cmp_ = doc.get("comparison")
    verdict = ""
    if cmp_:
        verdict = (
            f"<p>Travel per placed patient: optimized {esc(str(cmp_['travel_reduction_pct']))}% below greedy "
            f"(target at least {cmp_['travel_target_pct']:g}%: "
            f"<strong>{'met' if cmp_['travel_target_met'] else 'missed'}</strong>); placed within the urgency "
            f"window: {cmp_['within_window_optimized']} (optimized) against {cmp_['within_window_greedy']} (greedy)."
            "</p>"
        )
    plots = "".join(
        f"<figure><img src='{p}' alt='{esc(p.removesuffix('.png').replace('_', ' '))}'>"
        f"<figcaption>{esc(p)}</figcaption></figure>"
        for p in PLOTS
    )
    note = esc(next(iter(policies.values()))["overflow_note"]) if policies else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zcc simulation: {esc(doc["region_name"])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .7em;text-align:right}}
th[scope=row]{{text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>zcc simulation: {esc(doc["region_name"])}</h1>
<p>{doc["hours"]:g} simulated hours from {esc(doc["start"])}, seed {doc["seed"]}: {doc["arrivals"]} requests
({doc["volume_per_day"]:.1f} a day expected; {esc(doc["volume_assumption"])}),
{doc["providers"]} providers of which {len(doc["stale_providers"])} never report fresh capacity.</p>
<table><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>
{verdict}
<p>Placed within the urgency window: the travel time is within the urgency's window and the placement was
confirmed within its target time. A level-of-care mismatch: a frail elderly patient sent to the SEH or a hospital
admission while a place of a lower level of care (home, consult or primary-care bed) among the triage's care types
was free and feasible at that moment. Overflow: {note}.</p>
{plots}
</body></html>
"""


def write_outputs(doc: Mapping[str, Any], out: Path) -> None:
    """Write ``simulation.json``, the PNG plots and ``report.html`` into ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulation.json").write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    _plots(doc, out)
    (out / "report.html").write_text(_html(doc), encoding="utf-8")
