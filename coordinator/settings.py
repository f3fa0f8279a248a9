"""Service settings: from command-line flags, falling back to ZCC_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PDOK_ATTRIBUTION", "PDOK_TILES", "Settings", "default_cache_dir"]


#: PDOK's BRT-Achtergrondkaart (Kadaster, the Dutch government's base map; free, CC BY 4.0) in web mercator tiles.
PDOK_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
PDOK_ATTRIBUTION = "Kaartgegevens © Kadaster (BRT-Achtergrondkaart)"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/zcc``, else ``~/.cache/zcc``: where ``zcc serve`` keeps the travel matrix."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zcc"


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(p.strip()) for p in value.split(",") if p.strip())


def _minutes(value: str) -> float:
    return float(value) * 60


def _cache_dir(value: str) -> Path | None:
    return None if value.strip().lower() in ("", "off", "none") else Path(value)


#: Every ZCC_* variable: variable -> (field, how its text becomes the value). A variable set to "" counts as
#: unset, except those in _EMPTY_MEANS_SOMETHING.
_ENV: dict[str, tuple[str, Callable[[str], object]]] = {
    "ZCC_STORE": ("store_url", str),
    "ZCC_CONFIG": ("config_path", Path),
    "ZCC_CARE_TYPES": ("care_types_path", Path),
    "ZCC_HOST": ("host", str),
    "ZCC_PORT": ("port", int),
    "ZCC_WEBHOOK_URL": ("webhook_url", str),
    "ZCC_CARE_ACCESS_HOURS": ("care_access_hours", float),
    "ZCC_AUDIT_RETENTION_DAYS": ("audit_retention_days", int),
    "ZCC_NEIGHBOURS": ("neighbour_configs", _paths),
    "ZCC_HOLD_TTL_MINUTES": ("hold_ttl_seconds", _minutes),
    "ZCC_DEFAULT_VALID_MINUTES": ("default_valid_minutes", int),
    "ZCC_TRIAGE": ("triage_path", Path),
    "ZCC_REDIS_SOCKET_TIMEOUT": ("redis_socket_timeout", float),
    "ZCC_REDIS_MIN_REPLICAS": ("redis_min_replicas", int),
    "ZCC_STORE_DEADLINE_SECONDS": ("store_deadline_seconds", float),
    "ZCC_TRIAGE_ANSWER_SECONDS": ("triage_answer_seconds", float),
    "ZCC_AUDIT_SPOOL_DIR": ("audit_spool_dir", Path),
    "ZCC_RECONCILE_SECONDS": ("reconcile_interval_seconds", float),
    "ZCC_RECONCILE_GRACE_SECONDS": ("reconcile_grace_seconds", float),
    # Connection handling.
    "ZCC_HEADER_TIMEOUT": ("header_timeout_seconds", float),
    "ZCC_BODY_TIMEOUT": ("body_timeout_seconds", float),
    "ZCC_KEEPALIVE_TIMEOUT": ("keepalive_timeout_seconds", float),
    "ZCC_SEND_TIMEOUT": ("send_timeout_seconds", float),
    "ZCC_MAX_CONNECTIONS": ("max_connections", int),
    "ZCC_MAX_CONNECTIONS_PER_CLIENT": ("max_connections_per_client", int),
    "ZCC_MAX_STREAMS": ("max_streams", int),
    "ZCC_MAX_STREAMS_PER_CLIENT": ("max_streams_per_client", int),
    "ZCC_MAX_HEADER_BYTES": ("max_header_bytes", int),
    "ZCC_LOG_REPEAT_SECONDS": ("log_repeat_seconds", float),
    "ZCC_WORKERS": ("workers", int),
    "ZCC_MATRIX_CACHE": ("matrix_cache_dir", _cache_dir),
    # After the placement (issue 15).
    "ZCC_ARRIVAL_ALERT_MINUTES": ("arrival_alert_minutes", float),
    "ZCC_REFUSAL_PENALTY_DAYS": ("refusal_penalty_days", float),
    # Places and the map.
    "ZCC_GEOCODER_URL": ("geocoder_url", str),
    "ZCC_GEOCODER_TIMEOUT": ("geocoder_timeout_seconds", float),
    "ZCC_MAP_TILES": ("map_tiles", str.strip),
    "ZCC_MAP_ATTRIBUTION": ("map_attribution", str),
    "ZCC_VENDOR_DIR": ("vendor_dir", Path),
    # OpenID Connect.
    "ZCC_OIDC_ISSUER": ("oidc_issuer", str),
    "ZCC_OIDC_AUDIENCE": ("oidc_audience", str),
    "ZCC_OIDC_ROLE_CLAIM": ("oidc_role_claim", str),
    "ZCC_OIDC_ROLE_PREFIX": ("oidc_role_prefix", str),
    "ZCC_OIDC_PROVIDER_CLAIM": ("oidc_provider_claim", str),
    "ZCC_OIDC_NAME_CLAIM": ("oidc_name_claim", str),
    "ZCC_OIDC_PRACTITIONER_CLAIM": ("oidc_practitioner_claim", str),
    "ZCC_OIDC_MIN_REFRESH_SECONDS": ("oidc_min_refresh_seconds", float),
    # Connectors (issue 16).
    "ZCC_FEED_TIMEOUT": ("feed_timeout_seconds", float),
    "ZCC_FEED_MAX_BACKOFF": ("feed_max_backoff_seconds", float),
    "ZCC_HISTORY_RETENTION_DAYS": ("history_retention_days", int),
    "ZCC_HISTORY_FINE_DAYS": ("history_fine_days", int),
    "ZCC_WEBHOOK_ATTEMPTS": ("webhook_attempts", int),
}
# Set but empty still says something: no base map; no matrix cache.
_EMPTY_MEANS_SOMETHING = frozenset({"ZCC_MAP_TILES", "ZCC_MATRIX_CACHE"})


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
    # The nurse who placed a patient keeps reading the record's care-plan hints this long after the placement.
    care_access_hours: float = 24.0
    triage_path: Path | None = None  # None: the shipped config/triage.yaml
    token_cache_seconds: float = 30.0
    # How often an instance writes when its tokens were last used (zcc token list shows it).
    token_use_flush_seconds: float = 30.0
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
    # One deadline per request across all its store calls (each call's own retries included).
    store_deadline_seconds: float = 3.0
    # Request creation answers with its triage within this, recorded or not (the 112 advice never waits).
    triage_answer_seconds: float = 0.8
    # The instance's durable audit spool (fsynced, append-only); one directory per instance.
    audit_spool_dir: Path = Path("var/audit-spool")
    # Processes serving one port (SO_REUSEPORT); each is an instance of its own on the shared store.
    workers: int = 1
    # How often the reconciliation heals what a lost reply left half done, and how old a hold must be
    # before it counts as an orphan (longer than any reservation in flight can take).
    reconcile_interval_seconds: float = 10.0
    reconcile_grace_seconds: float = 30.0
    # Connections (coordinator/server, used by `zcc serve`): what a client may hold, and for how long.
    header_timeout_seconds: float = 10.0  # request line and headers, from connect or a request's first byte
    body_timeout_seconds: float = 30.0  # the whole body, from the end of the headers
    keepalive_timeout_seconds: float = 75.0  # idle between requests (longer than a proxy's usual 60 s)
    send_timeout_seconds: float = 30.0  # a client that takes no data for this long is cut off (SSE too)
    max_connections: int | None = None  # None: the open-file limit less what the service needs, at most 1000
    max_connections_per_client: int = 100  # per client address; 0: no per-address cap (behind a proxy)
    max_streams: int = 100  # concurrent SSE streams
    max_streams_per_client: int = 10  # per client address; 0: no per-address cap
    max_header_bytes: int = 8190  # one request line or header line (aiohttp's default)
    log_repeat_seconds: float = 10.0  # a flood of one kind of log line: one line per interval with a count
    # Geocoding by address (PDOK Locatieserver's ``free`` URL); None: off, no address leaves the service.
    geocoder_url: str | None = None
    geocoder_timeout_seconds: float = 1.0
    # The board map's base map: a tile URL template ({z}/{x}/{y}); "" for none (the offline map only).
    map_tiles: str = PDOK_TILES
    map_attribution: str = PDOK_ATTRIBUTION
    # Where the map libraries are installed (npm ci): None looks beside the packages, then <prefix>/share/zcc.
    vendor_dir: Path | None = None
    # OpenID Connect access tokens of the region's identity provider (coordinator/oidc); None: only zcc tokens.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_role_claim: str = "roles"  # a dotted path for nested claims, e.g. realm_access.roles
    oidc_role_prefix: str = ""  # e.g. "zcc-": the claim's "zcc-triage" is the role triage
    oidc_provider_claim: str = "zcc_providers"
    oidc_name_claim: str = "name"
    oidc_practitioner_claim: str | None = None
    oidc_min_refresh_seconds: float = 30.0  # an unknown kid fetches the keys again at most this often
    # A placement with no arrival reported after this long shows "niet aangekomen?" on the board.
    arrival_alert_minutes: float = 60.0
    # A place that refused a patient at the door ranks lower for that patient's requests this long.
    refusal_penalty_days: float = 30.0
    # Connectors (issue 16): polled feeds, capacity history, webhook subscriptions.
    feed_timeout_seconds: float = 10.0  # one poll, at most (and at most the feed's interval)
    feed_max_backoff_seconds: float = 900.0  # a failing feed is retried at most this far apart
    history_retention_days: int = 400  # hourly and daily history
    history_fine_days: int = 35  # 5-minute history
    webhook_attempts: int = 6
    webhook_first_backoff_seconds: float = 1.0  # doubling after each failed attempt
    webhook_timeout_seconds: float = 5.0
    subscription_refresh_seconds: float = 2.0  # how soon a subscription made on another instance is served
    event_check_seconds: float = 1.0  # how often staleness and neighbours' stops are looked for
    # Where the travel matrix is kept between starts (coordinator/matrix_cache.py); None: computed at every start.
    # ``zcc serve`` uses $XDG_CACHE_HOME/zcc unless ZCC_MATRIX_CACHE says otherwise ("off": none).
    matrix_cache_dir: Path | None = None
    # Move what lives as long as the service out of the garbage collector's reach once loaded (gc.freeze):
    # a full collection walked a national region's 300,000 objects, 146 ms. Off in a process that starts
    # many apps (the tests), where each app's objects would stay frozen after it stops.
    gc_freeze: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ZCC_* variables, with explicit (non-None) overrides winning."""
        env: dict[str, object] = {"matrix_cache_dir": default_cache_dir()}
        for name, (attr, convert) in _ENV.items():
            v = os.environ.get(name)
            if v or (v is not None and name in _EMPTY_MEANS_SOMETHING):
                env[attr] = convert(v)
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
