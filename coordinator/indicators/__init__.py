"""The region's figures after the placement: computed from records (JSON, CSV) and counted as metrics."""

from __future__ import annotations

from .figures import CSV_COLUMNS, StayFacts, facts_of_records, figures, to_csv
from .metrics import FollowUpMetrics

__all__ = ["CSV_COLUMNS", "FollowUpMetrics", "StayFacts", "facts_of_records", "figures", "to_csv"]
