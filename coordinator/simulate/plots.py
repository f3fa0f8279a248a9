"""The simulation's PNG plots (matplotlib, Dutch labels): one colour, marker and line style per policy, nothing hidden.

No bars: figures are points with their 95% interval side by side, distributions are cumulative
curves (each later one thinner and on top, so coinciding curves both show), occupancy gets one
panel per policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CAPTIONS", "COLOURS", "PLOTS", "write_plots"]

#: Okabe-Ito colours (told apart with colour blindness), with a marker and line style per policy.
COLOURS = {"status-quo": "#D55E00", "greedy": "#0072B2", "optimized": "#009E73"}
_MARKERS = {"status-quo": "o", "greedy": "s", "optimized": "D"}
_LINES = {"status-quo": "-", "greedy": "--", "optimized": "-."}
_OTHER = ("#CC79A7", "#E69F00", "#56B4E9")

CAPTIONS = {
    "figuren.png": "Uitkomsten per werkwijze: gemiddelde over de seeds met 95%-interval",
    "verschillen.png": "Verschil van optimized met status-quo en met greedy, gepaard per seed, met 95%-interval",
    "tijd_tot_plaatsing.png": "Tijd tot bevestigde plaatsing: cumulatieve verdeling over alle seeds",
    "reistijd.png": "Reistijd naar de plek: cumulatieve verdeling over alle seeds",
    "bezetting.png": "Bezetting van de regio door de dag (gemiddeld over de seeds)",
}
PLOTS = tuple(CAPTIONS)


def _style(name: str, i: int) -> dict[str, Any]:
    return {
        "color": COLOURS.get(name, _OTHER[i % len(_OTHER)]),
        "marker": _MARKERS.get(name, "^"),
        "linestyle": _LINES.get(name, ":"),
    }


def _grid(plt: Any, n: int, *, width: float = 4.2, height: float = 3.0) -> tuple[Any, list[Any]]:
    cols = 3 if n > 4 else n
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _title(f: Mapping[str, Any]) -> str:
    label = str(f["label"]).split(" (")[0]
    return f"{label} ({f['unit']})" if f["unit"] else label


def _figures(doc: Mapping[str, Any], out: Path, plt: Any) -> None:
    names = list(doc["policies"])
    fig, axes = _grid(plt, len(doc["figures"]))
    for ax, f in zip(axes, doc["figures"], strict=True):
        for i, name in enumerate(names):
            cell = doc["policies"][name].get(f["key"]) or {}
            mean, ci = cell.get("mean"), cell.get("ci95")
            if mean is None:
                continue
            err = [[mean - ci[0]], [ci[1] - mean]] if ci else None
            st = _style(name, i)
            ax.errorbar([i], [mean], yerr=err, fmt=st["marker"], color=st["color"], capsize=5, markersize=7, lw=1.6)
        ax.set_xticks(range(len(names)), names)
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_title(_title(f), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        low, high = ax.get_ylim()
        low = min(0.0, low)
        ax.set_ylim(low, high + 0.08 * (high - low))  # room above the highest interval's cap
    fig.suptitle(f"{doc['region_name']}, scenario {doc['scenario']['name']}: gemiddelde en 95%-interval")
    fig.tight_layout()
    fig.savefig(out / "figuren.png", dpi=100)
    plt.close(fig)


def _differences(doc: Mapping[str, Any], out: Path, plt: Any) -> None:
    comps = {k: v for k, v in doc.get("comparisons", {}).items() if k.startswith("optimized_vs_")}
    fig, axes = _grid(plt, len(doc["figures"]))
    keys = list(comps)
    for ax, f in zip(axes, doc["figures"], strict=True):
        for i, key in enumerate(keys):
            d = comps[key][f["key"]]
            if d.get("mean") is None:
                continue
            base = key.removeprefix("optimized_vs_")
            ci = d.get("ci95")
            err = [[d["mean"] - ci[0]], [ci[1] - d["mean"]]] if ci else None
            st = _style(base, i)
            ax.errorbar([i], [d["mean"]], yerr=err, fmt=st["marker"], color=st["color"], capsize=5, markersize=7)
        ax.axhline(0, color="#444", lw=0.9)
        ax.set_xticks(range(len(keys)), [f"t.o.v. {k.removeprefix('optimized_vs_')}" for k in keys])
        ax.set_xlim(-0.6, max(len(keys), 1) - 0.4)
        better = "lager is beter" if f["better"] == "lower" else "hoger is beter"
        ax.set_title(f"{_title(f)}\n{better}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"optimized min andere werkwijze, per seed gepaard (scenario {doc['scenario']['name']})")
    fig.tight_layout()
    fig.savefig(out / "verschillen.png", dpi=100)
    plt.close(fig)


def _ecdf(doc: Mapping[str, Any], out: Path, plt: Any, *, key: str, filename: str, xlabel: str) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    dist: Mapping[str, Mapping[str, Sequence[float]]] = doc["distributions"]
    for i, name in enumerate(dist):
        xs = sorted(dist[name][key])
        if not xs:
            continue
        ys = [(k + 1) / len(xs) for k in range(len(xs))]
        st = _style(name, i)
        # Each later curve is drawn thinner on top of the earlier ones: where two coincide, both stay visible.
        width = max(1.4, 4.0 - 1.1 * i)
        ax.step(
            xs, ys, where="post", color=st["color"], linestyle=st["linestyle"], lw=width, label=f"{name} (n={len(xs)})"
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("aandeel van de geplaatste aanvragen")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_title(CAPTIONS[filename], fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / filename, dpi=100)
    plt.close(fig)


def _occupancy(doc: Mapping[str, Any], out: Path, plt: Any) -> None:
    occ: Mapping[str, Sequence[Mapping[str, float]]] = doc["occupancy"]
    names = list(occ)
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 3.6), squeeze=False, sharey=True)
    for i, (ax, name) in enumerate(zip(axes[0], names, strict=True)):
        hours = [s["minute"] / 60 for s in occ[name]]
        st = _style(name, i)
        ax.plot(hours, [100 * s["beds"] for s in occ[name]], color=st["color"], lw=1.8, label="bedden")
        ax.plot(
            hours, [100 * s["all"] for s in occ[name]], color="#555555", lw=1.4, linestyle="--", label="alle plekken"
        )
        ax.set_title(name)
        ax.set_xlabel("uren na de start")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    axes[0][0].set_ylabel("bezet of gereserveerd (%)")
    fig.suptitle(f"{CAPTIONS['bezetting.png']}, scenario {doc['scenario']['name']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "bezetting.png", dpi=100)
    plt.close(fig)


def write_plots(doc: Mapping[str, Any], out: Path) -> None:
    """Write every plot of :data:`PLOTS` into ``out``."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    _figures(doc, out, plt)
    _differences(doc, out, plt)
    _ecdf(
        doc,
        out,
        plt,
        key="wait_minutes",
        filename="tijd_tot_plaatsing.png",
        xlabel="minuten van aanvraag tot bevestigde plaatsing",
    )
    _ecdf(
        doc,
        out,
        plt,
        key="travel_minutes",
        filename="reistijd.png",
        xlabel="reistijd in minuten (of van het team naar de patiënt)",
    )
    _occupancy(doc, out, plt)
