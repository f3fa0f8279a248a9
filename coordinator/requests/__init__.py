"""The request lifecycle: intake and triage, proposals, holds, placement, release and cancel."""

from __future__ import annotations

from .create import Intake
from .intake import RequestInput, need_of, new_request_id
from .observer import HoldEvent, LifecycleObserver, NoObserver, Outcome
from .reconcile import reconcile
from .service import RequestService, Reservation

__all__ = [
    "HoldEvent",
    "Intake",
    "LifecycleObserver",
    "NoObserver",
    "Outcome",
    "RequestInput",
    "RequestService",
    "Reservation",
    "need_of",
    "new_request_id",
    "reconcile",
]
