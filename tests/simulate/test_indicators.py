"""The simulation reports the region figures the service serves at GET /api/v1/indicators, the same way."""

from __future__ import annotations

from typing import Any

from coordinator.indicators import CSV_COLUMNS, to_csv
from coordinator.simulate import RunSettings, simulate
from coordinator.triage import TriageProtocol

from .test_simulate import protocol, tiny_scenario

__all__ = ["protocol"]


def test_a_simulated_run_reports_the_services_figures(protocol: TriageProtocol) -> None:
    scenario = tiny_scenario(protocol)
    doc: dict[str, Any] = simulate(
        scenario.region,
        protocol,
        hours=1.0,
        scenario=scenario,
        settings=RunSettings(never_confirm_share=0.0),
        policies=("greedy", "optimized"),
    )
    figures = doc["policies"]["optimized"]["indicators"]
    region = figures["region"]
    assert region["placements"] == 2 and region["refusals_at_door"] == 0 and region["readmissions_30d"] == 0
    assert region["request_to_arrival_minutes"]["n"] == 2  # arrival after the travel
    assert region["length_of_stay_hours"]["n"] == 2 and region["length_of_stay_hours"]["median"] > 0
    assert {(g["provider_kind"], g["care_type"]) for g in figures["groups"]} <= {
        ("hap", "hap_visit"),
        ("hap", "hap_consult"),
        ("hospital", "seh"),
    }
    # the same shape as the service's answer: its CSV form works on it unchanged
    assert to_csv(figures).splitlines()[0].split(",") == list(CSV_COLUMNS)
