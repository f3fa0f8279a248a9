"""The simulation's outputs in Dutch: a text table, ``simulation.json``, the PNG plots and ``report.html``."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..texts import DEFAULT_LANGUAGE, catalogue

__all__ = ["VERDICT", "nl", "table", "write_outputs"]

#: The verdict of a paired comparison, in words.
VERDICT = {
    key: catalogue().label("verdict", key, DEFAULT_LANGUAGE)
    for key in ("better", "worse", "no_difference", "no_interval")
}

#: Context rows under the compared figures: (key, Dutch label).
_CONTEXT: tuple[tuple[str, str], ...] = tuple(
    (key, catalogue().label("sim_context", key, DEFAULT_LANGUAGE))
    for key in (
        "requests",
        "to_place",
        "placed",
        "phone_calls_per_request",
        "fell_through",
        "holds_expired",
        "occupancy_beds_pct",
        "occupancy_pct",
        "capacity_violations",
    )
)


def nl(x: float | None, nd: int = 1) -> str:
    """A number the Dutch way (decimal comma); '-' for None."""
    if x is None:
        return "-"
    return f"{x:.{nd}f}".replace(".", ",")


def _with_ci(cell: Mapping[str, Any] | None) -> str:
    if not cell or cell.get("mean") is None:
        return "-"
    ci = cell.get("ci95")
    return nl(cell["mean"]) + (f" [{nl(ci[0])}; {nl(ci[1])}]" if ci else "")


def _label(f: Mapping[str, Any]) -> str:
    return f"{f['label']} ({f['unit']})" if f["unit"] else str(f["label"])


def _seeds_text(seeds: Sequence[int]) -> str:
    if len(seeds) > 1 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"seeds {seeds[0]}-{seeds[-1]} ({len(seeds)})"
    return "seed " + ", ".join(str(s) for s in seeds)


def _comparison_title(key: str) -> str:
    ours, base = key.split("_vs_")
    return f"{ours} t.o.v. {base}"


def _diff_cell(d: Mapping[str, Any], unit: str) -> str:
    if d.get("mean") is None:
        return "-"
    ci = d.get("ci95")
    text = f"{d['mean']:+.1f}".replace(".", ",") + (f" {unit}" if unit and unit != "%" else "")
    if unit == "%":
        text += " %-punt"
    if ci:
        text += f" [{nl(ci[0])}; {nl(ci[1])}]"
    if d.get("relative_pct") is not None and unit != "%":
        text += f" ({d['relative_pct']:+.0f} %)".replace(".", ",")
    return text


def table(doc: Mapping[str, Any]) -> str:
    """Every policy side by side (mean [95% interval] over the seeds), then the paired comparisons."""
    policies: Mapping[str, Mapping[str, Any]] = doc["policies"]
    names = list(policies)
    sc = doc["scenario"]
    width = max(len(_label(f)) for f in doc["figures"])
    col = 24
    lines = [
        f"zcc simulate: {doc['region_name']}, scenario {sc['name']} ({sc['title']}), {nl(doc['hours'], 0)} uur vanaf "
        f"{doc['start_local']} (lokale tijd), {_seeds_text(doc['seeds'])}, "
        f"{nl(doc['volume_per_day'])} aanvragen per dag verwacht",
        f"{doc['interval']}",
        "",
        f"{'':<{width}}  " + "  ".join(f"{n:>{col}}" for n in names),
    ]
    for f in doc["figures"]:
        cells = "  ".join(f"{_with_ci(policies[n].get(f['key'])):>{col}}" for n in names)
        lines.append(f"{_label(f):<{width}}  {cells}")
    lines.append("")
    for key, label in _CONTEXT:
        cells = "  ".join(f"{_with_ci(policies[n].get(key)):>{col}}" for n in names)
        lines.append(f"{label:<{width}}  {cells}")
    lines += _indicator_lines(doc, names, width, col)
    for key, comp in doc.get("comparisons", {}).items():
        lines += ["", f"{_comparison_title(key)} (verschil per seed, gepaard; 95%-interval; relatief):"]
        for f in doc["figures"]:
            d = comp[f["key"]]
            verdict = VERDICT[d["verdict"]]
            lines.append(f"  {f['label']:<{width}}  {_diff_cell(d, f['unit']):<40}  {verdict}")
    return "\n".join(lines)


#: The service's region figures (GET /api/v1/indicators) as the text table shows them: (path, Dutch label).
_INDICATORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("within_window_share",), "binnen urgentievenster (aandeel)"),
    (("request_to_arrival_minutes", "median"), "aanvraag tot aankomst, mediaan (min)"),
    (("request_to_arrival_minutes", "p90"), "aanvraag tot aankomst, p90 (min)"),
    (("refusals_at_door",), "geweigerd aan de deur"),
    (("readmissions_30d",), "heropnames binnen 30 dagen"),
    (("length_of_stay_hours", "median"), "ligduur, mediaan (uur)"),
    (("length_of_stay_hours", "p90"), "ligduur, p90 (uur)"),
)


def _indicator_lines(doc: Mapping[str, Any], names: Sequence[str], width: int, col: int) -> list[str]:
    """The first seed's region figures, as the service reports them, so a simulated day and a real one compare."""
    per_seed = doc.get("per_seed") or []
    if not per_seed:
        return []
    seed = per_seed[0]
    lines = ["", f"Regiocijfers zoals GET /api/v1/indicators (seed {seed['seed']}):"]
    for path, label in _INDICATORS:
        cells = []
        for n in names:
            value: Any = seed["policies"][n].get("indicators", {}).get("region", {})
            for part in path:
                value = value.get(part) if isinstance(value, Mapping) else None
            digits = 2 if path[0] == "within_window_share" else 0 if isinstance(value, int) else 1
            cells.append(f"{nl(value, digits) if isinstance(value, int | float) else '-':>{col}}")
        lines.append(f"{label:<{width}}  " + "  ".join(cells))
    return lines


def _html_table(doc: Mapping[str, Any]) -> str:
    esc = html.escape
    policies: Mapping[str, Mapping[str, Any]] = doc["policies"]
    names = list(policies)
    head = "".join(f"<th scope='col'>{esc(n)}</th>" for n in names)
    rows = [
        f"<tr><th scope='row'>{esc(_label(f))}</th>"
        + "".join(f"<td>{esc(_with_ci(policies[n].get(f['key'])))}</td>" for n in names)
        + "</tr>"
        for f in doc["figures"]
    ]
    rows += [
        f"<tr class='context'><th scope='row'>{esc(label)}</th>"
        + "".join(f"<td>{esc(_with_ci(policies[n].get(key)))}</td>" for n in names)
        + "</tr>"
        for key, label in _CONTEXT
    ]
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _html_comparisons(doc: Mapping[str, Any]) -> str:
    esc = html.escape
    parts = []
    for key, comp in doc.get("comparisons", {}).items():
        rows = "".join(
            f"<tr class='{comp[f['key']]['verdict']}'><th scope='row'>{esc(f['label'])}</th>"
            f"<td>{esc(_diff_cell(comp[f['key']], f['unit']))}</td>"
            f"<td>{esc(VERDICT[comp[f['key']]['verdict']])}</td></tr>"
            for f in doc["figures"]
        )
        parts.append(
            f"<h3>{esc(_comparison_title(key))}</h3><table><thead><tr><th></th><th scope='col'>verschil [95%-interval]"
            f" (relatief)</th><th scope='col'>oordeel</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return "".join(parts)


def _html(doc: Mapping[str, Any]) -> str:
    from .plots import CAPTIONS

    esc = html.escape
    sc, sq = doc["scenario"], doc["settings"]["status_quo"]
    plots = "".join(
        f"<figure><img src='{name}' alt='{esc(caption)}'><figcaption>{esc(caption)}</figcaption></figure>"
        for name, caption in CAPTIONS.items()
    )
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>zcc-simulatie: {esc(doc["region_name"])}, {esc(sc["name"])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em;line-height:1.4}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:.3em .7em;text-align:right}}
th[scope=row]{{text-align:left}}tr.context{{color:#555}}tr.better td:last-child{{color:#006d4f;font-weight:bold}}
tr.worse td:last-child{{color:#a33c00;font-weight:bold}}img{{max-width:100%}}</style></head>
<body><h1>zcc-simulatie: {esc(doc["region_name"])}</h1>
<p>Scenario <strong>{esc(sc["name"])}</strong>: {esc(sc["title"])}. {nl(doc["hours"], 0)} gesimuleerde uren vanaf
{esc(doc["start_local"])} (lokale tijd), {esc(_seeds_text(doc["seeds"]))}; {nl(doc["volume_per_day"])} aanvragen per dag
verwacht (zonder --volume een aanname: 45 aanvragen die coördinatie nodig hebben per 100.000 inwoners per week, het
midden van de 30-60 uit ZCC-pilots; zie coordinator/simulate/demand.py; het scenario vermenigvuldigt dat met
{nl(sc["volume_factor"])}); {doc["providers"]} aanbieders.</p>
<p>Drie werkwijzen op dezelfde aanvragen en hetzelfde aanbod per seed: <strong>status-quo</strong> (een ZCC zonder zcc:
geen bord, rondbellen op afstand, een plek is alleen vrij als een telefoontje dat zegt), <strong>greedy</strong> (het
bord, de dichtstbijzijnde vrije plek eerst) en <strong>optimized</strong> (het bord, het voorstel van zcc en elke
15 minuten de batchoptimalisatie over alle open aanvragen).</p>
<p>Aannames van de status quo: een telefoontje duurt {nl(sq["call_minutes"][0], 0)}-{nl(sq["call_minutes"][1], 0)}
minuten; 's nachts (23-07 uur) neemt een verpleeghuis of GGZ-instelling {nl(100 * sq["no_answer_night"], 0)}% van de
telefoontjes niet op, overdag en bij ziekenhuizen en huisartsenposten {nl(100 * sq["no_answer_day"], 0)}%; een
toegezegd bed is met kans {nl(100 * sq["really_free"], 0)}% echt vrij (anders belt de aanbieder na
{nl(sq["call_back_minutes"][0], 0)}-{nl(sq["call_back_minutes"][1], 0)} minuten terug en gaat het bellen verder); wie
iedereen gebeld heeft zonder plek, begint na {nl(sq["retry_minutes"], 0)} minuten opnieuw. Met zcc telt elke
reservering één telefoontje (de patiënt aankondigen).</p>
<h2>Uitkomsten per werkwijze</h2>
<p>Gemiddelde over de seeds met het {esc(doc["interval"])}.</p>
{_html_table(doc)}
<h2>Vergelijkingen</h2>
{_html_comparisons(doc)}
<p>Binnen het urgentievenster: geplaatst, de reistijd binnen het venster van de urgentie en de plaatsing bevestigd
binnen de doeltijd. Zorgniveau-mismatch: een kwetsbare oudere naar SEH of ziekenhuisopname terwijl op dat moment een
plek van een lager zorgniveau (thuis, consult of eerstelijnsbed) uit de zorgsoorten van de triage vrij en haalbaar
was. Tijd tot plaatsing en reistijd tellen alleen geplaatste aanvragen.</p>
{plots}
</body></html>
"""


def write_outputs(doc: Mapping[str, Any], out: Path) -> None:
    """Write ``simulation.json``, the PNG plots and ``report.html`` into ``out`` (created if missing)."""
    from .plots import write_plots

    out.mkdir(parents=True, exist_ok=True)
    (out / "simulation.json").write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    write_plots(doc, out)
    (out / "report.html").write_text(_html(doc), encoding="utf-8")
