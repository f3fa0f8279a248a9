"""The capacity view has one writer: only the capacity service calls the methods that change it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTATORS = {"load", "apply_event", "set_degraded", "set_region"}
WRITER = ROOT / "capacity" / "service.py"


def _writes(path: Path) -> list[str]:
    """Calls like ``<something>.view.<mutator>(...)`` or ``view.<mutator>(...)`` in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = node.func.value
        named_view = (isinstance(target, ast.Name) and target.id == "view") or (
            isinstance(target, ast.Attribute) and target.attr == "view"
        )
        if named_view and node.func.attr in MUTATORS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls view.{node.func.attr}")
    return found


def test_only_the_capacity_service_changes_the_view() -> None:
    offenders = [
        hit
        for package in ("capacity", "coordinator", "routing")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != WRITER
        for hit in _writes(path)
    ]
    assert offenders == []


def test_the_service_is_found_writing_it() -> None:
    # The scan above is worth something only if it recognises the writer's own calls.
    assert {hit.rsplit(".", 1)[-1] for hit in _writes(WRITER)} >= {"load", "apply_event", "set_degraded"}
