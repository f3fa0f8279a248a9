"""Strict field rules of the API's edge, one each: timestamps, patient references, the Idempotency-Key.

Each rule is written once and used by the request models, by the checks of path and header values,
and by the OpenAPI document, so the document says exactly what the service takes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StrictInt, StrictStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from capacity.errors import InvalidInput
from capacity.messages import msg

__all__ = [
    "AS_INT",
    "BSN_SHAPE_PATTERN",
    "EARLIEST_YEAR",
    "IDEMPOTENCY_KEY_PATTERN",
    "PATIENT_REF_MAX",
    "PATIENT_REF_PATTERN",
    "PATIENT_REF_SCHEMA",
    "TIMESTAMP_PATTERN",
    "JsonInt",
    "PatientRef",
    "Timestamp",
    "check_idempotency_key",
    "check_patient_ref",
    "looks_like_bsn",
]

#: A pseudonymous patient reference: letters, digits and ``. _ : -``, at most 64 (never a name or a BSN).
PATIENT_REF_PATTERN: Final = r"^[A-Za-z0-9._:-]+$"
PATIENT_REF_MAX: Final = 64
#: Nine digits, with or without dots or dashes between them: the shape of a BSN. Refused whether or not it
#: passes the eleven-test (a mistyped BSN is still one), which keeps the rule expressible in JSON Schema.
BSN_SHAPE_PATTERN: Final = r"^[.-]*([0-9][.-]*){9}$"
PATIENT_REF_SCHEMA: Final[dict[str, Any]] = {
    "type": "string",
    "minLength": 1,
    "maxLength": PATIENT_REF_MAX,
    "pattern": PATIENT_REF_PATTERN,
    "not": {"pattern": BSN_SHAPE_PATTERN},
    "description": "Pseudonymous patient reference: never a name, a birth date or a BSN (nine digits are refused)",
}

#: Timestamps are written in the sender's offset; the year as written must be 2000 or later.
EARLIEST_YEAR: Final = 2000
#: RFC 3339 date-time with seconds and an offset (``Z`` or ``+01:00``), year 2000-2999, at most microseconds.
TIMESTAMP_PATTERN: Final = (
    r"^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_TIMESTAMP_RULE = (
    "must be an ISO 8601 date-time string with seconds and an offset, e.g. 2026-11-23T14:00:00Z "
    f"or 2026-11-23T15:00:00+01:00, in the year {EARLIEST_YEAR} or later"
)


def _timestamp(value: object) -> datetime:
    """The aware datetime of a strict ISO 8601 string; numbers and numeric strings are refused."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise PydanticCustomError("timestamp", _TIMESTAMP_RULE)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("timestamp_date", f"{_TIMESTAMP_RULE}; {value!r} is not a date that exists") from None


#: A timestamp at the edge: only a string of :data:`TIMESTAMP_PATTERN` that names a real date.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]

#: 1-200 printable ASCII characters, not starting or ending with a space (HTTP strips those).
IDEMPOTENCY_KEY_PATTERN: Final = r"^[!-~]([ -~]{0,198}[!-~])?$"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def check_idempotency_key(value: str) -> str:
    """The key, or InvalidInput naming the header."""
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidInput(msg("invalid.idempotency_key"), field="Idempotency-Key")
    return value


_PATIENT_REF = re.compile(PATIENT_REF_PATTERN)
_BSN_SHAPE = re.compile(BSN_SHAPE_PATTERN)


def looks_like_bsn(value: str) -> bool:
    """Whether ``value`` has the shape of a BSN: nine digits, spaces, dots and dashes aside."""
    return bool(_BSN_SHAPE.fullmatch(re.sub(r"\s", "", value)))


def _patient_ref_problem(value: str) -> str | None:
    """What is wrong with a patient reference (its catalogue code ``invalid.CODE``), or None."""
    if looks_like_bsn(value):
        return "patient_ref_bsn"
    if not value or len(value) > PATIENT_REF_MAX or not _PATIENT_REF.fullmatch(value):
        return "patient_ref_shape"
    return None


def check_patient_ref(value: str, field: str = "patient_ref") -> str:
    """``value`` if it is a pseudonymous reference by the body's rule; else InvalidInput naming ``field``.

    The same rule for a path, a query and a body, so no name, birth date or BSN becomes a key.
    """
    problem = _patient_ref_problem(value)
    if problem is not None:
        raise InvalidInput(msg(f"invalid.{problem}", max_length=PATIENT_REF_MAX), field=field)
    return value


def _patient_ref(value: str) -> str:
    problem = _patient_ref_problem(value)
    if problem is not None:
        raise PydanticCustomError(problem, "not a pseudonymous patient reference", {"max_length": PATIENT_REF_MAX})
    return value


#: A patient reference in a request model: a JSON string by :func:`check_patient_ref`'s rule.
PatientRef = Annotated[StrictStr, AfterValidator(_patient_ref), WithJsonSchema(PATIENT_REF_SCHEMA)]


def _json_int(value: object) -> object:
    """A JSON number with no fraction (``3`` or ``3.0``, as JSON Schema's integer) as an int; else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: Makes a JSON number without a fraction an int before a strict int check (put bounds before it).
AS_INT = BeforeValidator(_json_int)
#: An integer as JSON Schema means it: a number without a fraction; never a string or a boolean.
JsonInt = Annotated[StrictInt, AS_INT]
