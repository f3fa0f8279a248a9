"""Synthetic request records for the forecast's demand: arrival time and placed care type, nothing else real."""

from __future__ import annotations

from datetime import datetime

from coordinator.records import RequestRecord

__all__ = ["synthetic_request"]


def synthetic_request(i: int, at: datetime, care_type: str | None) -> RequestRecord:
    """Request ``i`` created at ``at``, placed in ``care_type`` (None: not placed)."""
    body = {
        "id": f"req-syn-{i:06d}",
        "patient_ref": f"p-syn-{i:06d}",
        "age": 80,
        "location": {"lat": 51.0, "lon": 5.9},
        "complaint": "val_trauma_oudere",
        "answers": {},
        "context": {},
        "flags": {},
        "care_plan": {},
        "created_at": at,
        "created_by": {"token_id": "syn", "role": "triage"},
        "triage": {
            "complaint": "val_trauma_oudere",
            "urgency": "U3",
            "target_minutes": 180,
            "care_types": [care_type or "seh"],
            "escalate_112": False,
            "decided_by": "syn",
            "reasons": [],
            "advice_only": False,
        },
        "status": "placed" if care_type else "cancelled",
    }
    if care_type is not None:
        body["placement"] = {"provider_id": "x", "care_type": care_type, "confirmed_at": at}
    return RequestRecord.model_validate(body)
