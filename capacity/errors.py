"""Domain errors of zcc: each carries a stable ``code``; the HTTP layer maps codes to statuses.

The whole tree (``code`` in brackets)::

    ZccError [internal]                     base
    ├── InvalidInput [invalid-input]         a field is wrong (``field`` names it)
    │   ├── IdempotencyMismatch [idempotency-key-reused]
    │   │                                    an Idempotency-Key reused with another body
    │   ├── MalformedBody [malformed-json]   the body is not JSON at all
    │   └── OutsideRegion [outside-region]   a coordinate outside the region the service covers
    ├── NotAuthenticated [unauthorized]      no valid credentials
    ├── Forbidden [forbidden]                the caller's role or scope does not allow it
    ├── NotFound [not-found]                 no such provider, request, hold
    ├── Conflict [conflict]                  the state forbids it
    │   ├── PlaceGone [place-gone]           no free unit left to hold
    │   └── InvalidTransition [invalid-transition]
    │                                        e.g. confirm after release
    ├── StoreUnavailable [store-unavailable] the store cannot be reached; nothing changed
    │   ├── OutcomeUnknown [outcome-unknown] a write may or may not have been applied:
    │   │                                    repeat it with the same Idempotency-Key
    │   └── AuditUnavailable [audit-unavailable]
    │                                        the audit entry of an access could not be made durable
    └── ConfigError [invalid-config]         a region, care-type or protocol file is invalid (``field``)

Nothing here knows about HTTP: ``coordinator.http.problems`` holds the one table from code to
status and title.
"""

from __future__ import annotations

__all__ = [
    "AuditUnavailable",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "IdempotencyMismatch",
    "InvalidInput",
    "InvalidTransition",
    "MalformedBody",
    "NotAuthenticated",
    "NotFound",
    "OutcomeUnknown",
    "OutsideRegion",
    "PlaceGone",
    "StoreUnavailable",
    "ZccError",
]


class ZccError(Exception):
    """Base of every domain error; ``code`` is a stable machine-readable name."""

    code = "internal"

    def __init__(self, detail: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # Every problem found, when there is more than one: [{"field": ..., "detail": ...}].
        self.errors = errors


class InvalidInput(ZccError):
    """A request field is missing, malformed or out of range."""

    code = "invalid-input"


class IdempotencyMismatch(InvalidInput):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency-key-reused"


class MalformedBody(InvalidInput):
    """The body could not be parsed as JSON."""

    code = "malformed-json"


class OutsideRegion(InvalidInput):
    """A coordinate that lies outside the region this service covers."""

    code = "outside-region"


class NotAuthenticated(ZccError):
    """No valid credentials were sent."""

    code = "unauthorized"


class Forbidden(ZccError):
    """The caller's role or scope does not allow this."""

    code = "forbidden"


class NotFound(ZccError):
    """The named resource does not exist."""

    code = "not-found"


class Conflict(ZccError):
    """The current state does not allow the operation."""

    code = "conflict"


class PlaceGone(Conflict):
    """No free unit is left at the place asked for."""

    code = "place-gone"


class InvalidTransition(Conflict):
    """The operation is not allowed in the current lifecycle state."""

    code = "invalid-transition"


class StoreUnavailable(ZccError):
    """The store could not be reached; the operation did not change anything we know of."""

    code = "store-unavailable"


class OutcomeUnknown(StoreUnavailable):
    """A write was sent (or half done) and its outcome is not known: it may or may not have been applied.

    Its answer was lost, the request's store deadline passed while it was in flight, or too few replicas
    confirmed it in time (so a failover might still lose it). Repeating the same call with the same
    Idempotency-Key (or op id) is safe and tells which: every write is idempotent by its key (or by the
    state it moves), so the repeat applies it once or answers it again.
    """

    code = "outcome-unknown"


class AuditUnavailable(StoreUnavailable):
    """The audit entry of an access to patient data could not be written durably: the access is refused."""

    code = "audit-unavailable"


class ConfigError(ZccError):
    """A configuration file (region, care types, triage protocol) is invalid; ``field`` is its path."""

    code = "invalid-config"

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail
