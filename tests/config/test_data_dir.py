"""A relative SQLite store (the default ``sqlite:///var/zcc.db``) lives in the data directory, not the current one,
and ``zcc token create`` says which store it wrote to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from capacity.sqlite_store.db import data_dir, path_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_relative_path_resolves_under_zcc_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZCC_DATA_DIR", str(tmp_path / "data"))
    assert path_of("sqlite:///var/zcc.db") == str(tmp_path / "data" / "var" / "zcc.db")
    assert path_of("sqlite:////srv/zcc.db") == "/srv/zcc.db"
    assert path_of("sqlite:///:memory:") == ":memory:"


def test_without_zcc_data_dir_the_xdg_data_home_then_the_home_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ZCC_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "zcc"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "zcc"


def test_token_create_from_another_directory_writes_to_the_data_directory_and_says_so(tmp_path: Path) -> None:
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZCC_")}
    env |= {"PYTHONPATH": str(ROOT), "ZCC_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "coordinator.cli", "token", "create", "--name", "Test", "--role", "admin"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    where = data / "var" / "zcc.db"
    assert "stored in sqlite:///var/zcc.db" in done.stderr and f"({where})" in done.stderr
    assert where.is_file() and not (elsewhere / "var").exists()
