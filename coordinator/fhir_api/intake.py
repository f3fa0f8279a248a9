"""A provider system's MeasureReport turned into capacity reports, each value located by its FHIRPath.

The report must be a valid R4 MeasureReport (the fhir.resources model), ``status`` complete and
``type`` summary (SANER). The provider is ``subject`` (``Location/<id>`` or an identifier in
``urn:zcc:<region>:provider``), else ``reporter``'s identifier. ``date`` is when it was counted
(``reported_at``). Each ``group`` is one care type (its code through the code map) with a count
of ``available`` places, or of ``occupied`` ones and a ``total``. A group whose available count
is absent (the data-absent-reason extension) reports nothing: that entry goes stale in its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from capacity.errors import InvalidInput
from capacity.model import Region

from ..intake import Report
from .checked import MODELS
from .codes import CodeMap

__all__ = ["Parsed", "fhirpath", "parse_measure_report"]

_ROOT = "MeasureReport"


@dataclass(frozen=True, slots=True)
class Parsed:
    """The reports of a MeasureReport, the group index of each, and the groups skipped (no available count)."""

    reports: list[Report]
    groups: list[int]
    skipped: list[int]


def fhirpath(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a FHIRPath expression: ``MeasureReport.group[0].population[1].count``."""
    out = _ROOT
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += "." + str(part).removesuffix("__ext")
    return out


def _validate(body: Any) -> Any:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a FHIR resource (a JSON object)", field=_ROOT)
    if body.get("resourceType") != _ROOT:
        raise InvalidInput(f"expected a MeasureReport, got {body.get('resourceType')!r}", field=f"{_ROOT}.resourceType")
    try:
        return MODELS[_ROOT].model_validate(body)
    except ValidationError as exc:
        errors = [{"field": fhirpath(e["loc"]), "detail": e["msg"]} for e in exc.errors()[:20]]
        first = errors[0] if errors else {"field": _ROOT, "detail": "invalid"}
        raise InvalidInput(
            f"not a valid FHIR R4 MeasureReport: {first['field']}: {first['detail']}",
            field=first["field"],
            errors=errors,
        ) from None


def _provider(region: Region, model: Any) -> str:
    system = f"urn:zcc:{region.id}:provider"
    for element, ref in (("subject", model.subject), ("reporter", model.reporter)):
        if ref is None:
            continue
        if ref.reference and ref.reference.startswith("Location/"):
            return str(ref.reference.removeprefix("Location/"))
        if ref.identifier is not None and ref.identifier.system == system and ref.identifier.value:
            return str(ref.identifier.value)
        raise InvalidInput(
            f"{element} must be Location/<provider id> or an identifier in {system}", field=f"{_ROOT}.{element}"
        )
    raise InvalidInput("the report names no provider: give subject Location/<provider id>", field=f"{_ROOT}.subject")


def parse_measure_report(region: Region, codes: CodeMap, body: Any) -> Parsed:
    """The capacity reports in a MeasureReport body; InvalidInput naming the element (FHIRPath) otherwise."""
    model = _validate(body)
    if model.status != "complete":
        raise InvalidInput("only a complete report carries counts", field=f"{_ROOT}.status")
    if model.type != "summary":
        raise InvalidInput("a capacity report is a summary report (SANER)", field=f"{_ROOT}.type")
    provider_id = _provider(region, model)
    reported_at = model.date
    if not isinstance(reported_at, datetime) or reported_at.tzinfo is None:
        raise InvalidInput(
            "date (when the provider counted) is required, to the second with a time zone", field=f"{_ROOT}.date"
        )
    reports: list[Report] = []
    groups: list[int] = []
    skipped: list[int] = []
    for gi, group in enumerate(model.group or []):
        gpath = f"{_ROOT}.group[{gi}]"
        codings = (group.code.coding or []) if group.code is not None else []
        care_type = next((ct for c in codings if (ct := codes.care_type(c.system, c.code)) is not None), None)
        if care_type is None:
            shown = ", ".join(f"{c.system}|{c.code}" for c in codings) or "none"
            raise InvalidInput(f"no care type for the group's code ({shown}); see the code map", field=f"{gpath}.code")
        counts: dict[str, tuple[int | None, str]] = {}
        for pi, pop in enumerate(group.population or []):
            pcodings = (pop.code.coding or []) if pop.code is not None else []
            kind = next((k for c in pcodings if (k := codes.population(c.system, c.code)) is not None), None)
            if kind is None or kind == "held":
                continue  # a population zcc does not read (zcc's own held count among them)
            counts[kind] = (pop.count, f"{gpath}.population[{pi}].count")
        total, total_at = counts.get("total", (None, f"{gpath}.population"))
        if "available" in counts:
            available, available_at = counts["available"]
        elif "occupied" in counts and total is not None:
            occupied, available_at = counts["occupied"]
            available = None if occupied is None else max(0, total - occupied)
        else:
            raise InvalidInput(
                "the group counts neither available places nor occupied ones with a total", field=f"{gpath}.population"
            )
        if available is None:
            skipped.append(gi)
            continue
        paths = {
            "provider_id": f"{_ROOT}.subject",
            "care_type": f"{gpath}.code",
            "available": available_at,
            "total": total_at,
            "reported_at": f"{_ROOT}.date",
        }
        reports.append(Report(provider_id, care_type, available, total, reported_at, None, where=_where(paths)))
        groups.append(gi)
    if not reports and not skipped:
        raise InvalidInput("the report has no group", field=f"{_ROOT}.group")
    return Parsed(reports, groups, skipped)


def _where(paths: dict[str, str]) -> Any:
    return lambda name: paths.get(name, _ROOT)
