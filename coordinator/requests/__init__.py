"""The request lifecycle: intake and triage, proposals, holds, placement, release and cancel."""

from __future__ import annotations

from .create import Intake
from .intake import RequestInput, need_of, new_request_id
from .reconcile import reconcile
from .service import RequestService, Reservation

__all__ = ["Intake", "RequestInput", "RequestService", "Reservation", "need_of", "new_request_id", "reconcile"]
