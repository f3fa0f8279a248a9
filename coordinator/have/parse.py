"""An EDXL-HAVE 2.0 document read safely into hospital reports, each value with its element's path.

The XML goes through defusedxml with DTDs, entities and external references forbidden: a document
that declares any (the XXE and entity-expansion attacks among them) is refused before anything in
it is read. Errors name the element as an XPath (``/HospitalStatus/Hospital[2]/LastUpdateTime``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from capacity.errors import InvalidInput, MalformedBody
from capacity.model import Provider, Region

from .codes import EMS_TRAFFIC_STATUS, HAVE_NAMESPACES, HAVE_NS

__all__ = ["BedReport", "HaveDocument", "HospitalReport", "parse_have"]

_ID_NAMES = ("OrganizationID", "OrganisationID", "IdentifierElement", "OrganizationId")
_NAME_NAMES = ("OrganizationName", "OrganisationName", "NameElement")
_MAX_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class BedReport:
    """One bed type's count, mapped to a care type; the paths of its values."""

    bed_type: str
    care_type: str
    available: int
    total: int | None
    path: str
    available_path: str
    total_path: str


@dataclass(slots=True)
class HospitalReport:
    """What one ``Hospital`` element says of one provider."""

    provider_id: str
    path: str
    updated_at: datetime
    traffic: str | None = None
    reason: str = ""
    beds: list[BedReport] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (path, why) of what zcc did not read


@dataclass(frozen=True, slots=True)
class HaveDocument:
    """The hospitals of a document, in document order."""

    hospitals: list[HospitalReport]


def _local(el: Element) -> tuple[str, str]:
    ns, _, name = el.tag.rpartition("}")
    return ns.lstrip("{"), name


def _children(el: Element, name: str) -> Iterator[Element]:
    return (c for c in el if _local(c)[1] == name)


def _child(el: Element, name: str) -> Element | None:
    return next(_children(el, name), None)


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _safe_tree(raw: bytes) -> Element:
    try:
        root: Element = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MalformedBody(
            "the document declares a DTD, entities or external references, which are not accepted "
            f"({type(exc).__name__})",
            field="/",
        ) from None
    except ParseError as exc:
        raise MalformedBody(f"the body is not well-formed XML: {exc}", field="/") from None
    return root


def _provider(region: Region, org: Element | None, path: str) -> Provider:
    if org is None:
        raise InvalidInput("a Hospital needs an Organization that names it", field=f"{path}/Organization")
    texts = [(_local(e)[1], _text(e)) for e in org.iter() if _text(e)]
    for name, text in texts:
        if name in _ID_NAMES and text in region.providers:
            return region.providers[text]
    by_name = {p.name.casefold(): p for p in region.providers.values()}
    for name, text in texts:
        if name in _NAME_NAMES and text.casefold() in by_name:
            return by_name[text.casefold()]
    shown = ", ".join(t for _, t in texts[:3]) or "nothing"
    raise InvalidInput(
        f"no provider of region {region.id} matches the Organization ({shown}): give zcc's provider id as "
        "OrganizationID, or the provider's name",
        field=f"{path}/Organization",
    )


def _count(el: Element | None, path: str) -> int | None:
    text = _text(el)
    if not text:
        return None
    if not text.isdigit() or int(text) > _MAX_COUNT:
        raise InvalidInput(f"a count of 0 to {_MAX_COUNT} is needed, not {text[:20]!r}", field=path)
    return int(text)


def _updated_at(el: Element | None, path: str) -> datetime:
    text = _text(el)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(
            "LastUpdateTime must be a date and time with an offset, e.g. 2026-11-23T14:00:00+01:00", field=path
        )
    return at


def _beds(report: HospitalReport, provider: Provider, hospital: Element, bed_map: Mapping[str, str]) -> None:
    status = _child(hospital, "HospitalBedCapacityStatus")
    if status is None:
        return
    base = f"{report.path}/HospitalBedCapacityStatus"
    for i, bc in enumerate(_children(status, "BedCapacity"), start=1):
        path = f"{base}/BedCapacity[{i}]"
        bed_type = _text(_child(bc, "BedType"))
        care_type = bed_map.get(bed_type)
        if care_type is None or care_type not in provider.offers:
            why = "no care type for this bed type" if care_type is None else f"{provider.id} does not offer {care_type}"
            report.ignored.append((f"{path}/BedType", why))
            continue
        cap = _child(bc, "Capacity")
        available = _count(
            _child(cap, "AvailableCount") if cap is not None else None, f"{path}/Capacity/AvailableCount"
        )
        if available is None:
            report.ignored.append((f"{path}/Capacity/AvailableCount", "no available count"))
            continue
        total = _count(_child(cap, "BaselineCount") if cap is not None else None, f"{path}/Capacity/BaselineCount")
        report.beds.append(
            BedReport(
                bed_type,
                care_type,
                available,
                total,
                path,
                f"{path}/Capacity/AvailableCount",
                f"{path}/Capacity/BaselineCount",
            )
        )


def parse_have(raw: bytes, region: Region, bed_map: Mapping[str, str]) -> HaveDocument:
    """The hospital reports of an EDXL-HAVE 2.0 document; MalformedBody or InvalidInput naming the element."""
    root = _safe_tree(raw)
    ns, name = _local(root)
    if name != "HospitalStatus" or ns not in HAVE_NAMESPACES:
        raise InvalidInput(
            f"expected an EDXL-HAVE 2.0 HospitalStatus in {HAVE_NS}, got {name!r} in {ns or 'no namespace'!r}",
            field="/",
        )
    hospitals: list[HospitalReport] = []
    seen: set[tuple[str, str]] = set()
    for i, hospital in enumerate(_children(root, "Hospital"), start=1):
        path = f"/HospitalStatus/Hospital[{i}]"
        provider = _provider(region, _child(hospital, "Organization"), path)
        updated = _updated_at(_child(hospital, "LastUpdateTime"), f"{path}/LastUpdateTime")
        report = HospitalReport(provider.id, path, updated)
        ed = _child(hospital, "EmergencyDepartmentStatus")
        traffic = _child(ed, "EMSTraffic") if ed is not None else None
        if traffic is not None:
            status_path = f"{path}/EmergencyDepartmentStatus/EMSTraffic/EMSTrafficStatus"
            status = _text(_child(traffic, "EMSTrafficStatus"))
            if status and status not in EMS_TRAFFIC_STATUS:
                raise InvalidInput(
                    f"EMSTrafficStatus is one of {', '.join(EMS_TRAFFIC_STATUS)}, not {status[:30]!r}",
                    field=status_path,
                )
            if status and status != "NotApplicable" and "seh" not in provider.offers:
                raise InvalidInput(f"{provider.id} has no emergency department (seh) in zcc", field=status_path)
            report.traffic = status or None
            report.reason = _text(_child(traffic, "EMSTrafficReason"))[:500]
        _beds(report, provider, hospital, bed_map)
        for b in report.beds:
            if (provider.id, b.care_type) in seen:
                raise InvalidInput(
                    f"{provider.id} {b.care_type} appears twice in one document", field=f"{b.path}/BedType"
                )
            seen.add((provider.id, b.care_type))
        hospitals.append(report)
    if not hospitals:
        raise InvalidInput("a HospitalStatus needs at least one Hospital", field="/HospitalStatus")
    return HaveDocument(hospitals)
