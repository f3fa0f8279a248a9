"""The follow-up figures as Prometheus metrics, counted as reports are stored (the app's own registry)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram

from ..records import RequestRecord

__all__ = ["ARRIVAL_BUCKETS", "STAY_BUCKETS", "FollowUpMetrics"]

# Request to arrival at the place: a quarter of an hour (U2) to a day (U4).
ARRIVAL_BUCKETS = (900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0)
# Arrival to discharge: hours (a consult) to weeks (ELV, crisis bed).
STAY_BUCKETS = (3600.0, 14400.0, 86400.0, 259200.0, 604800.0, 1209600.0, 2419200.0, 4838400.0)
_REPORTS = ("placed", "arrived", "admitted", "treated_and_home", "referred_on", "refused", "discharged", "readmission")


class FollowUpMetrics:
    """A FollowUpObserver that counts each stored report into Prometheus families."""

    def __init__(self, registry: CollectorRegistry, kinds: Mapping[str, str]) -> None:
        #: provider id -> kind (hap, vvt, hospital, ggz), for the labels.
        self.kinds = kinds
        labels = ["provider_kind", "care_type"]
        self.reports = Counter(
            "zcc_followup_reports", "Reports after a placement, by report", ["report"], registry=registry
        )
        for report in _REPORTS:
            self.reports.labels(report)
        self.within_window = Counter(
            "zcc_placements_within_window",
            "Confirmed placements, by whether the request was placed within its urgency's target",
            [*labels, "within"],
            registry=registry,
        )
        self.refusals = Counter(
            "zcc_refusals_at_door",
            "Placements refused at the door by the receiving provider",
            labels,
            registry=registry,
        )
        self.readmissions = Counter(
            "zcc_readmissions_30d",
            "Acute requests within 30 days of a discharge, by the place the patient was discharged from",
            labels,
            registry=registry,
        )
        self.to_arrival = Histogram(
            "zcc_request_to_arrival_seconds",
            "Seconds from the request to the patient's arrival at the place",
            labels,
            buckets=ARRIVAL_BUCKETS,
            registry=registry,
        )
        self.length_of_stay = Histogram(
            "zcc_length_of_stay_seconds",
            "Seconds from arrival to discharge",
            labels,
            buckets=STAY_BUCKETS,
            registry=registry,
        )

    def _labels(self, provider_id: str | None, care_type: str | None) -> tuple[str, str]:
        return self.kinds.get(provider_id or "", "unknown"), care_type or "unknown"

    def followed(self, kind: str, record: RequestRecord) -> None:
        """Count one stored report of ``record``."""
        self.reports.labels(kind if kind in _REPORTS else "other").inc()
        stay = record.stay if record.stay is not None else (record.refused[-1] if record.refused else None)
        if kind == "placed" and record.placement is not None:
            p = record.placement
            target = record.triage.target_minutes
            ok = target is not None and (p.confirmed_at - record.created_at).total_seconds() <= 60 * target
            self.within_window.labels(*self._labels(p.provider_id, p.care_type), "yes" if ok else "no").inc()
        elif kind == "readmission" and record.previous is not None:
            self.readmissions.labels(
                *self._labels(record.previous.get("provider_id"), record.previous.get("care_type"))
            ).inc()
        if stay is None:
            return
        labels = self._labels(stay.provider_id, stay.care_type)
        if kind == "arrived" and stay.arrived_at is not None:
            self.to_arrival.labels(*labels).observe(max(0.0, (stay.arrived_at - record.created_at).total_seconds()))
        if kind == "refused":
            self.refusals.labels(*labels).inc()
        if (
            stay.discharged_at is not None
            and stay.arrived_at is not None
            and kind in ("discharged", "treated_and_home", "referred_on")
        ):
            self.length_of_stay.labels(*labels).observe(
                max(0.0, (stay.discharged_at - stay.arrived_at).total_seconds())
            )
