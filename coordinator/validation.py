"""Validation at the edge: a pydantic error becomes an InvalidInput naming the field, worded by the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from capacity.errors import InvalidInput
from capacity.messages import Message, Param, message_of, msg

__all__ = ["VALIDATION_CODES", "field_path", "validate"]

_M = TypeVar("_M", bound=BaseModel)


def field_path(loc: Sequence[int | str]) -> str:
    """``("updates", 3, "available")`` -> ``updates[3].available``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def validate(model: type[_M], data: Any, *, prefix: Sequence[int | str] = ()) -> _M:
    """Validate ``data`` as ``model``; InvalidInput naming the first bad field (all are listed in ``errors``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [
            {"field": field_path([*prefix, *e["loc"]]), "detail": "", "detail_coded": _reason(e).to_json()}
            for e in exc.errors(include_url=False)
        ]
        first = errors[0]
        reason = message_of(first["detail_coded"])
        raise InvalidInput(
            msg("invalid.field", field=first["field"], reason=reason), field=first["field"], errors=errors
        ) from None


#: Pydantic's error types (and our own custom ones) that the catalogue words as ``invalid.TYPE``.
VALIDATION_CODES: Final = frozenset(
    {
        "missing",
        "extra_forbidden",
        "model_type",
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "finite_number",
        "string_type",
        "bool_type",
        "bool_parsing",
        "list_type",
        "literal_error",
        "enum",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "string_too_short",
        "string_too_long",
        "too_short",
        "too_long",
        "string_pattern_mismatch",
        "timezone_aware",
        "datetime_type",
        "stop_reason",
        "lat_and_lon",
        "location_missing",
        "patch_empty",
        "not_null",
        "timestamp",
        "timestamp_date",
        "patient_ref_bsn",
        "patient_ref_shape",
    }
)
_SAME_AS = {"model_attributes_type": "model_type", "dict_type": "model_type", "datetime_parsing": "timestamp"}


def _reason(e: Any) -> Message:
    """The catalogue message of one validation error (its type and context), never pydantic's English."""
    kind = _SAME_AS.get(e["type"], e["type"])
    if kind not in VALIDATION_CODES:
        return msg("invalid.other")
    ctx = e.get("ctx") or {}
    params: dict[str, Param] = {}
    for key, value in ctx.items():
        if key in ("ge", "le", "gt", "lt", "min_length", "max_length", "actual_length", "max", "expected", "pattern"):
            params[key] = value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    return msg(f"invalid.{kind}", **params)
