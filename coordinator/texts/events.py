"""A trajectory event in words: its catalogue message, built from its kind and its facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from capacity.messages import Message, msg

__all__ = ["describe"]


def _place(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The place a step is about: its own provider and care type, or those of its hold or placement."""
    for key in ("placement", "hold"):
        inner = detail.get(key)
        if isinstance(inner, Mapping) and inner.get("provider_id"):
            return inner
    return detail


def describe(kind: str, detail: Mapping[str, Any]) -> Message:
    """The message of one event (``event.KIND``); an unknown kind reads as ``event.other`` with its label."""
    where = _place(detail)
    provider, care_type = str(where.get("provider_id") or ""), str(where.get("care_type") or "")
    if kind == "triage":
        return msg("event.triage", complaint=str(detail.get("complaint", "")), urgency=str(detail.get("urgency", "")))
    if kind == "override":
        return msg("event.override", reason=str(detail.get("hospital_override") or ""))
    if kind == "hold":
        return msg("event.hold", care_type=care_type, provider_id=provider, until=detail.get("held_until"))
    if kind in ("placement", "release", "expiry") and provider:
        return msg(f"event.{kind}", care_type=care_type, provider_id=provider)
    if kind == "notification":
        return msg("event.notification", role=str(detail.get("to") or ""))
    if kind == "cancel":
        reason = detail.get("reason")
        return msg("event.cancel", reason=str(reason)) if reason else msg("event.cancel_no_reason")
    if kind == "update":
        fields = detail.get("fields")
        names = ", ".join(str(f) for f in fields) if isinstance(fields, list) else ""
        return msg("event.update", fields=names)
    if kind in ("placement", "release", "expiry"):
        return msg(f"event.{kind}_bare")
    if kind in ("arrived", "outcome", "refused", "discharged"):
        return _followed(kind, provider, detail)
    return msg("event.other", event=kind)


def _followed(kind: str, provider: str, detail: Mapping[str, Any]) -> Message:
    """A report of the receiving provider after the placement (issue 15): arrival, outcome, refusal, discharge."""
    if kind == "arrived":
        return msg("event.arrived", provider_id=provider)
    if kind == "refused":
        return msg("event.refused", provider_id=provider, refusal_reason=str(detail.get("refusal_reason") or "other"))
    if kind == "discharged":
        return msg("event.discharged", provider_id=provider, destination=str(detail.get("destination") or ""))
    return msg("event.outcome", provider_id=provider, outcome=str(detail.get("outcome") or ""))
