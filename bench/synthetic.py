"""A synthetic region of any number of providers, for benchmarks that need scale but no geography."""

from __future__ import annotations

from capacity.model import Hours, Location, Provider, ProviderOffer, Region, Road
from capacity.region import load_care_types

__all__ = ["synthetic_region"]

_OFFERS = {
    "vvt": {"elv_hoog": 10, "elv_laag": 6},
    "hospital": {"seh": 8, "admission_geriatrics": 20},
    "hap": {"hap_consult": 12, "hap_visit": 4},
    "ggz": {"ggz_crisis_assessment": 3, "ggz_crisis_bed": 4},
}
_KINDS = ("vvt", "vvt", "vvt", "vvt", "vvt", "hap", "hospital", "ggz")


def synthetic_region(providers: int, region_id: str = "bench") -> Region:
    """``providers`` providers of mixed kinds on a chain of towns in Limburg's latitude band."""
    care_types = load_care_types()
    n_loc = max(2, providers // 5)
    locations = {
        f"l{i}": Location(f"l{i}", f"Town {i}", 50.8 + (i % 40) * 0.02, 5.7 + (i // 40) * 0.01, 5000)
        for i in range(n_loc)
    }
    roads = tuple(Road(f"l{i}", f"l{i + 1}", 7.0) for i in range(n_loc - 1))
    provs = {}
    for i in range(providers):
        kind = _KINDS[i % len(_KINDS)]
        pid = f"{kind}-{i:05d}"
        offers = {ct: ProviderOffer(ct, n) for ct, n in _OFFERS[kind].items()}
        provs[pid] = Provider(pid, f"{kind.upper()} {i}", kind, f"l{i % n_loc}", offers, Hours())
    return Region(region_id, "Benchmark", "Europe/Amsterdam", locations, roads, provs, care_types)
