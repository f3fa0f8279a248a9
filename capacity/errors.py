"""Domain errors of zcc; the HTTP layer maps each to a problem response.

The tree::

    ZccError                      base; carries an HTTP-neutral ``status`` hint
    ├── InvalidInput              422: a field is wrong (``field`` names it)
    │   └── IdempotencyMismatch   422: an Idempotency-Key reused with another body
    ├── NotFound                  404: no such provider, request, hold
    ├── Conflict                  409: the state forbids it
    │   ├── PlaceGone             409: no free unit left to hold
    │   └── InvalidTransition     409: e.g. confirm after release
    ├── StoreUnavailable          503: the store cannot be reached; nothing changed
    └── ConfigError               a region or care-type file is invalid (``field``)

Nothing here knows about HTTP; ``status`` is only a hint the HTTP layer reads.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "Conflict",
    "IdempotencyMismatch",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "PlaceGone",
    "StoreUnavailable",
    "ZccError",
]


class ZccError(Exception):
    """Base of every domain error; ``code`` is a stable machine-readable name."""

    status = 500
    code = "internal"
    title = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # Every problem found, when there is more than one: [{"field": ..., "detail": ...}].
        self.errors = errors


class InvalidInput(ZccError):
    """A request field is missing, malformed or out of range."""

    status = 422
    code = "invalid-input"
    title = "Invalid input"


class IdempotencyMismatch(InvalidInput):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency-key-reused"
    title = "Idempotency-Key reused with another body"


class NotFound(ZccError):
    """The named resource does not exist."""

    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(ZccError):
    """The current state does not allow the operation."""

    status = 409
    code = "conflict"
    title = "Conflict"


class PlaceGone(Conflict):
    """No free unit is left at the place asked for."""

    code = "place-gone"
    title = "Place no longer available"


class InvalidTransition(Conflict):
    """The operation is not allowed in the current lifecycle state."""

    code = "invalid-transition"
    title = "Invalid transition"


class StoreUnavailable(ZccError):
    """The store could not be reached; the operation did not change anything we know of."""

    status = 503
    code = "store-unavailable"
    title = "Store unavailable"


class ConfigError(ZccError):
    """A configuration file (region, care types) is invalid; ``field`` is its path."""

    status = 422
    code = "invalid-config"
    title = "Invalid configuration"

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail
