"""Service settings: from command-line flags, falling back to ZCC_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app factory needs to know; immutable once the service starts."""

    store_url: str = "sqlite:///var/zcc.db"
    config_path: Path | None = None  # None: the shipped default region (Limburg)
    care_types_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    # Capacity reports are fresh this long unless the report says otherwise.
    default_valid_minutes: int = 60
    max_valid_minutes: int = 24 * 60
    # A report timestamped further ahead than this is refused (clock skew allowance).
    max_clock_skew_seconds: int = 300
    max_batch: int = 500
    max_body_bytes: int = 1024 * 1024
    hold_ttl_seconds: float = 15 * 60
    optimize_time_limit_s: float = 5.0
    # POSTed a JSON message at each placement, for the patient's regiebehandelaar (None: no webhook).
    webhook_url: str | None = None
    # NEN 7513 sets no term; 5 years by default, set it to the region's policy.
    audit_retention_days: int = 5 * 365
    triage_path: Path | None = None  # None: the shipped config/triage.yaml
    token_cache_seconds: float = 30.0
    expiry_interval_seconds: float = 5.0
    view_block_ms: int = 1000
    retry_after_seconds: int = 5
    redis_socket_timeout: float = 0.5
    # Replicas a write must reach (Redis WAIT) before it is acknowledged; None: 1 with Sentinel and Cluster, 0 alone.
    redis_min_replicas: int | None = None
    neighbour_configs: tuple[Path, ...] = field(default_factory=tuple)
    postcodes_path: Path | None = None  # None: config/postcodes/<region id>.csv when it exists
    # How often the region files are checked for changes (the routing is rebuilt when they change).
    reload_seconds: float = 10.0
    neighbour_poll_seconds: float = 5.0

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ZCC_* variables, with explicit (non-None) overrides winning."""
        env: dict[str, object] = {}
        if v := os.environ.get("ZCC_STORE"):
            env["store_url"] = v
        if v := os.environ.get("ZCC_CONFIG"):
            env["config_path"] = Path(v)
        if v := os.environ.get("ZCC_CARE_TYPES"):
            env["care_types_path"] = Path(v)
        if v := os.environ.get("ZCC_HOST"):
            env["host"] = v
        if v := os.environ.get("ZCC_PORT"):
            env["port"] = int(v)
        if v := os.environ.get("ZCC_WEBHOOK_URL"):
            env["webhook_url"] = v
        if v := os.environ.get("ZCC_AUDIT_RETENTION_DAYS"):
            env["audit_retention_days"] = int(v)
        if v := os.environ.get("ZCC_NEIGHBOURS"):
            env["neighbour_configs"] = tuple(Path(p.strip()) for p in v.split(",") if p.strip())
        if v := os.environ.get("ZCC_HOLD_TTL_MINUTES"):
            env["hold_ttl_seconds"] = float(v) * 60
        if v := os.environ.get("ZCC_DEFAULT_VALID_MINUTES"):
            env["default_valid_minutes"] = int(v)
        if v := os.environ.get("ZCC_REDIS_SOCKET_TIMEOUT"):
            env["redis_socket_timeout"] = float(v)
        if v := os.environ.get("ZCC_REDIS_MIN_REPLICAS"):
            env["redis_min_replicas"] = int(v)
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
