"""``routing/`` stays pure: no web server, no Redis, no command line, no SQLite, no coordinator, no file writing."""

from __future__ import annotations

import ast
from pathlib import Path

ROUTING = Path(__file__).resolve().parents[2] / "routing"
FORBIDDEN = ("aiohttp", "redis", "argparse", "sqlite3", "coordinator")
WRITE_MODES = frozenset("wax+")
WRITE_METHODS = ("write_text", "write_bytes")


def _forbidden(module: str | None) -> str | None:
    """The forbidden top-level package ``module`` belongs to, or None."""
    top = (module or "").partition(".")[0]
    return top if top in FORBIDDEN else None


def _literal_mode(node: ast.expr | None) -> str | None:
    """The mode string of an ``open`` call when it is a literal, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _opens_for_writing(call: ast.Call) -> bool:
    """Whether ``call`` is ``open(path, "w")``, ``path.open("w")`` or the like (any mode with w, a, x or +)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
        return True
    if isinstance(func, ast.Name) and func.id == "open":
        positional = call.args[1] if len(call.args) > 1 else None
    elif isinstance(func, ast.Attribute) and func.attr == "open":
        positional = call.args[0] if call.args else None
    else:
        return False
    keyword = next((k.value for k in call.keywords if k.arg == "mode"), None)
    mode = _literal_mode(keyword if keyword is not None else positional)
    if mode is None:
        # No mode means read; a mode that is not a literal could be anything.
        return keyword is not None or positional is not None
    return bool(WRITE_MODES & set(mode))


def _offences(path: Path, root: Path = ROUTING) -> list[str]:
    """One line per forbidden import or file write in the module at ``path`` (named relative to ``root``'s parent)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = path.relative_to(root.parent).as_posix()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if top := _forbidden(alias.name):
                    found.append(f"{name}:{node.lineno} imports {top} ({alias.name})")
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if top := _forbidden(node.module):
                found.append(f"{name}:{node.lineno} imports {top} ({node.module})")
        elif isinstance(node, ast.Call) and _opens_for_writing(node):
            found.append(f"{name}:{node.lineno} writes a file ({ast.unparse(node.func)}(...))")
    return found


def test_routing_modules_exist() -> None:
    assert sorted(ROUTING.rglob("*.py")), f"no modules under {ROUTING}"


def test_routing_imports_no_io_layer_and_writes_no_files() -> None:
    offences = [line for path in sorted(ROUTING.rglob("*.py")) for line in _offences(path)]
    assert not offences, "routing/ must stay pure:\n" + "\n".join(offences)


def test_the_checker_catches_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "routing" / "bad.py"
    sample.parent.mkdir()
    sample.write_text(
        "import argparse\n"
        "import redis.asyncio as r\n"
        "from aiohttp import web\n"
        "from coordinator.app import create_app\n"
        "import sqlite3\n"
        "open('x', 'w')\n"
        "p.open(mode='a')\n"
        "p.write_text('x')\n"
        "open('x')\n"
        "p.open('rb')\n"
        "from .graph import RoadGraph\n",
        encoding="utf-8",
    )
    lines = _offences(sample, root=sample.parent)
    assert [line.split(" ", 1)[0] for line in lines] == [f"routing/bad.py:{n}" for n in range(1, 9)]
