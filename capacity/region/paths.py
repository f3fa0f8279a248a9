"""Where the shipped configuration lives: the config directory and the default region file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["DEFAULT_REGION_FILE", "default_config_dir", "default_region_path"]

#: The shipped default region, relative to :func:`default_config_dir`.
DEFAULT_REGION_FILE = "regions/limburg.yaml"


def default_config_dir() -> Path:
    """The configuration directory: ``$ZCC_CONFIG_DIR``, else ``config/`` beside the packages."""
    env = os.environ.get("ZCC_CONFIG_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    # This file is capacity/region/paths.py; config/ sits beside capacity/.
    beside_packages = Path(__file__).resolve().parents[2] / "config"
    if beside_packages.is_dir():
        return beside_packages
    # An installed wheel may carry the data files under <prefix>/share/zcc/config.
    shared = Path(sys.prefix) / "share" / "zcc" / "config"
    if shared.is_dir():
        return shared
    return beside_packages


def default_region_path() -> Path:
    """The shipped default region file (ROAZ Limburg)."""
    return default_config_dir() / DEFAULT_REGION_FILE
