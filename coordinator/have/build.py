"""The region's hospitals as an EDXL-HAVE 2.0 document, so that importing it again changes nothing.

One ``Hospital`` element per hospital and per time of counting: HAVE has one ``LastUpdateTime`` per
``Hospital``, while zcc keeps one per care type, so a hospital whose care types were counted at
different times appears once per time (the specification allows several Hospital elements). The
first carries the emergency department's status: ``Closed`` with the stop's reason while the
hospital is under a stop, else ``Normal``. A care type never reported has no count and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from capacity.model import Provider
from capacity.state import CapacityEntry, ProviderStatus
from capacity.view import CapacityView

from .codes import HAVE_NS

__all__ = ["have_document"]


def _el(parent: Element, name: str, text: str | None = None) -> Element:
    el = SubElement(parent, f"{{{HAVE_NS}}}{name}")
    if text is not None:
        el.text = text
    return el


def _hospital(root: Element, p: Provider, stop: ProviderStatus | None, with_ed: bool) -> Element:
    h = _el(root, "Hospital")
    info = _el(_el(h, "Organization"), "OrganizationInformation")
    _el(info, "OrganizationID", p.id)
    _el(info, "OrganizationName", p.name)
    if with_ed and "seh" in p.offers:
        traffic = _el(_el(h, "EmergencyDepartmentStatus"), "EMSTraffic")
        _el(traffic, "EMSTrafficStatus", "Closed" if stop is not None else "Normal")
        if stop is not None and stop.reason:
            _el(traffic, "EMSTrafficReason", stop.reason)
    return h


def _instant(at: datetime) -> str:
    """UTC to the millisecond (as zcc keeps it), so that a round trip keeps the time exactly."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def have_document(view: CapacityView, bed_of: Mapping[str, str], now: datetime) -> bytes:
    """The hospitals of the view's region (kind ``hospital``) as an EDXL-HAVE 2.0 HospitalStatus."""
    root = Element(f"{{{HAVE_NS}}}HospitalStatus")
    for pid, p in view.region.providers.items():
        if p.kind != "hospital":
            continue
        stop = view.stop_of(pid, now, "seh")  # the SEH's own stop, or the whole hospital's
        by_time: dict[datetime, list[CapacityEntry]] = {}
        for ct in p.offers:
            e = view.entries.get((pid, ct))
            if e is not None and e.reported_at is not None and ct in bed_of:
                by_time.setdefault(e.reported_at, []).append(e)
        times = sorted(by_time) or [stop.set_at if stop is not None and stop.set_at else now]
        for n, at in enumerate(times):
            h = _hospital(root, p, stop, with_ed=n == 0)
            entries = by_time.get(at, [])
            if entries:
                beds = _el(h, "HospitalBedCapacityStatus")
                for e in entries:
                    bc = _el(beds, "BedCapacity")
                    _el(bc, "BedType", bed_of[e.care_type])
                    cap = _el(bc, "Capacity")
                    _el(cap, "CapacityStatus", "VacantAvailable" if e.available > 0 else "NotAvailable")
                    _el(cap, "AvailableCount", str(e.available))
                    _el(cap, "BaselineCount", str(e.total))
            _el(h, "LastUpdateTime", _instant(at))
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=HAVE_NS)
    return body
