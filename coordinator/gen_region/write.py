"""Region files joined and written: :func:`merge` into one national file, :func:`write_region` as JSON or YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from capacity.jsontypes import JSONObject

from .geography import TIMEZONE

__all__ = ["merge", "summary", "write_region"]


def merge(regions: list[dict[str, Any]]) -> dict[str, Any]:
    """One national region file (id ``nl``) of region files: border roads become ordinary roads.

    A border road whose far end is in none of ``regions`` is left out. The
    location and provider entries are those of ``regions``, not copies.
    """
    locations = [loc for region in regions for loc in region["locations"]]
    known = {loc["id"] for loc in locations}
    roads: list[JSONObject] = []
    seen: set[tuple[str, str]] = set()
    for region in regions:
        roads.extend(dict(road) for road in region["roads"])
        for road in region.get("border_roads") or ():
            a = road["from"]
            b = str(road["to"]).partition(":")[2]
            key = (a, b) if a < b else (b, a)
            if b in known and key not in seen:
                seen.add(key)
                roads.append({"from": a, "to": b, "minutes": road["minutes"]})
    return {
        "region": {"id": "nl", "name": "Nederland (synthetisch)", "timezone": TIMEZONE},
        "locations": locations,
        "roads": roads,
        "providers": [p for region in regions for p in region["providers"]],
    }


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors and aliases, even for shared sub-structures."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_region(data: dict[str, Any], path: Path) -> None:
    """Write a region file: JSON when ``path`` ends in .json (fast to load), else YAML."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        if path.suffix.lower() == ".json":
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            out.write("\n")
        else:
            yaml.dump(data, out, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, default_flow_style=None)


def summary(path: Path, data: dict[str, Any]) -> str:
    """The line printed for a written file: its region, counts and size."""
    size = path.stat().st_size
    shown = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
    border = len(data.get("border_roads") or ())
    return (
        f"{path}: {data['region']['id']}, {len(data['locations'])} locations, {len(data['roads'])} roads, "
        f"{border} border roads, {len(data['providers'])} providers, {shown}"
    )
