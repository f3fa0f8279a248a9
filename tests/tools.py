"""Where the test suite finds the command-line tools scripts/test installs (promtool, hadolint, check-jsonschema)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

__all__ = ["ROOT", "tool"]

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    """The path of ``name``: beside this Python (the venv), in .tools/bin (where scripts/test puts it), on PATH."""
    for candidate in (Path(sys.executable).parent / name, ROOT / ".tools" / "bin" / name):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: run scripts/test (it installs it)")
    return found
