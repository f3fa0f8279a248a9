"""Every module of the three packages says what it exports: ``__all__`` present, defined, unique and sorted.

After encode/httpx ``tests/test_exported_members.py``. A module with public names lists them in
``__all__``; every listed name exists; none is listed twice; the list follows ruff's isort-style order
(RUF022: CONSTANTS, then Classes, then the rest, each in natural order) so that a name is found where a
reader looks for it; and a package's ``__init__`` exports what resolves, so ``from pkg import *`` works.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

PACKAGES = ("capacity", "routing", "coordinator")


def _module_names() -> list[str]:
    """Every module and package of the three packages (``__main__`` modules run when imported: left out)."""
    names: list[str] = []
    for top in PACKAGES:
        package = importlib.import_module(top)
        names.append(top)
        names.extend(
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{top}.")
            if not info.name.endswith(".__main__")
        )
    return sorted(names)


MODULES = _module_names()
INITS = [name for name in MODULES if hasattr(importlib.import_module(name), "__path__")]


def _public_names(module: ModuleType) -> set[str]:
    """The public names a module defines at its top level; a package's ``__init__`` counts what it imports too."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    is_package = hasattr(module, "__path__")
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif is_package and isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names.update(alias.asname or alias.name for alias in node.names)
    return {n for n in names if not n.startswith("_")}


def _isort_style(name: str) -> tuple[int, list[int | str]]:
    """RUF022's order: SCREAMING_SNAKE_CASE, then CamelCase, then the rest; natural order within each."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _exports(module: ModuleType) -> list[str]:
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module.__name__} has no __all__"
    assert isinstance(exported, list | tuple) and all(isinstance(n, str) for n in exported)
    return list(exported)


def test_every_module_of_the_packages_is_checked() -> None:
    assert {"capacity", "routing", "coordinator", "capacity.store", "coordinator.app"} <= set(MODULES)
    assert len(MODULES) > 100


@pytest.mark.parametrize("name", MODULES)
def test_all_exists_and_lists_defined_names_once_in_isort_style_order(name: str) -> None:
    module = importlib.import_module(name)
    if not hasattr(module, "__all__"):
        public = _public_names(module)
        assert not public, f"{name} has public names {sorted(public)} but no __all__"
        return
    exported = _exports(module)
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not define: {missing}"
    twice = sorted({n for n in exported if exported.count(n) > 1})
    assert not twice, f"{name}.__all__ lists {twice} more than once"
    assert exported == sorted(exported, key=_isort_style), f"{name}.__all__ is not in isort-style order"


@pytest.mark.parametrize("name", INITS)
def test_a_package_exports_what_resolves(name: str) -> None:
    package = importlib.import_module(name)
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)  # the star import as a user writes it
    for member in getattr(package, "__all__", ()):
        assert member in namespace, f"from {name} import * does not give {member}"
        assert namespace[member] is getattr(package, member)
