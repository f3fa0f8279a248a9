"""Labels of the region's data ids, from the files that define them (region, care types, triage protocol)."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.model import Region

from ..triage import TriageProtocol
from .catalogue import Labels

__all__ = ["labels_of"]


def labels_of(region: Region, protocol: TriageProtocol, neighbours: Iterable[Region] = ()) -> Labels:
    """Care type and provider names, complaint names, question texts, modifier and urgency labels."""
    labels = Labels()
    for r in (region, *neighbours):
        labels.add("care_type", {ct.id: ct.name for ct in r.care_types.values()})
        labels.add("provider", {p.id: p.name for p in r.providers.values()})
    labels.add("complaint", {c.id: c.name for c in protocol.complaints.values()})
    labels.add("question", {q.id: q.text for c in protocol.complaints.values() for q in c.questions})
    labels.add("modifier", {m.id: m.label for m in protocol.modifiers})
    labels.add("urgency", {u.id: u.label for u in protocol.urgencies.values()})
    return labels
