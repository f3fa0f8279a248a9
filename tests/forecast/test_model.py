"""The forecast's model and demand as functions: known answers on hand-made boards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from capacity.model import Region
from capacity.region import load_region
from capacity.state import CapacityEntry, ProviderStatus
from coordinator.forecast import compute
from coordinator.forecast.board import BoardNow
from coordinator.forecast.demand import (
    MIN_PLACEMENTS,
    Demand,
    default_demand,
    demand_from_history,
    history_from_store,
    history_of,
)
from coordinator.forecast.model import ForecastInput, PlaceNow, run_forecast
from coordinator.triage import load_protocol

from ..regions import line_region
from .helpers import synthetic_request

STEPS = 48  # eight hours of ten minutes


def place(total: int, taken: int, usable: list[bool] | None = None) -> PlaceNow:
    return PlaceNow("p", total, taken, np.array(usable or [True] * STEPS, dtype=np.bool_))


def model_input(places: list[PlaceNow], *, bed: bool, at_minute: float, zcc_per_hour: float) -> ForecastInput:
    return ForecastInput(
        care_type="x",
        places=places,
        steps=STEPS,
        step_minutes=10.0,
        stay_minutes=(14 * 1440.0, 21 * 1440.0) if bed else (120.0, 240.0),
        bed=bed,
        day_offset_minutes=at_minute,
        zcc_per_step=np.full(STEPS, zcc_per_hour / 6),
        points=[5 + 6 * k for k in range(8)],  # the end of each hour
    )


def test_full_beds_at_night_stay_full_until_morning() -> None:
    # 20:00 to 04:00: beds are vacated only from 10:00, so nothing frees up; requests keep coming.
    out = run_forecast(
        model_input([place(10, 10)], bed=True, at_minute=20 * 60, zcc_per_hour=1.0), replications=200, seed=1
    )
    assert out.replications == 200
    assert out.p_full == [1.0] * 8 and out.expected_free == [0.0] * 8


def test_free_places_without_demand_stay_free() -> None:
    out = run_forecast(
        model_input([place(6, 0)], bed=False, at_minute=12 * 60, zcc_per_hour=0.0), replications=100, seed=2
    )
    assert out.expected_free == [6.0] * 8 and out.p_full == [0.0] * 8


def test_requests_use_up_the_few_free_beds_of_a_night() -> None:
    out = run_forecast(
        model_input([place(20, 17)], bed=True, at_minute=19 * 60, zcc_per_hour=1.0), replications=300, seed=3
    )
    assert out.expected_free[0] > out.expected_free[-1]
    assert out.p_full[0] < 0.2 and out.p_full[-1] > 0.8
    assert all(a >= b for a, b in zip(out.p_full[1:], out.p_full, strict=False))  # only rises through the night
    assert all(lo <= hi for lo, hi in zip(out.free_p10, out.free_p90, strict=True))


def test_a_place_on_stop_counts_nothing_free_until_the_stop_ends() -> None:
    usable = [s >= 12 for s in range(STEPS)]  # on stop for the first two hours
    out = run_forecast(
        model_input([place(5, 0, usable)], bed=False, at_minute=600, zcc_per_hour=0.0), replications=50, seed=4
    )
    assert out.expected_free[:2] == [0.0, 0.0] and out.expected_free[2:] == [5.0] * 6
    assert out.p_full[:2] == [1.0, 1.0]


def test_a_spent_budget_still_runs_one_chunk_and_says_how_many() -> None:
    inp = model_input([place(10, 5)], bed=False, at_minute=600, zcc_per_hour=1.0)
    out = run_forecast(inp, replications=10_000, seed=5, deadline=0.0)
    assert 0 < out.replications < 10_000


def test_compute_reads_the_board_and_says_when_no_place_is_open() -> None:
    region: Region = line_region()  # elv_hoog at A-E; D opens only evenings and weekends
    now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday, 10:30 local: D is closed until 17:00
    entries = {
        (pid, "elv_hoog"): CapacityEntry(
            pid, "elv_hoog", 6, 2, 0, now - timedelta(minutes=5), now + timedelta(hours=12)
        )
        for pid in region.providers
    }
    del entries[("vvt-e", "elv_hoog")]  # never reported: left out as stale
    statuses = {"vvt-a": ProviderStatus("vvt-a", "stop", "vol", now + timedelta(hours=3), now)}
    demand = Demand("default", {}, tuple([1.0] * 24), tuple([1.0] * 7))
    answer = compute(BoardNow(now, entries, statuses), region, ["elv_hoog"], demand, 8, replications=100)
    ct = answer["care_types"][0]
    assert (ct["places"], ct["stale_excluded"], ct["on_stop"]) == (4, 1, 1)
    assert ct["free_now"] == 4  # B and C; A is on stop, D closed
    hours = ct["hours"]
    assert [h["local_time"] for h in hours] == [f"{h:02d}:00" for h in range(11, 19)]
    assert [h["open_places"] for h in hours] == [2, 2, 2, 3, 3, 3, 4, 4]  # A after 13:30, D from 17:00
    assert all(h["p_full"] is not None for h in hours)


def test_history_gives_the_demand_when_there_is_enough_of_it() -> None:
    region, protocol = load_region(), load_protocol()
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    # Four weeks, a request every two hours, every other one placed in elv_hoog.
    seen = [synthetic_request(i, now - timedelta(hours=2 * i), "elv_hoog" if i % 2 else None) for i in range(1, 337)]
    demand = demand_from_history(history_of(seen), region, protocol, now)
    assert demand.source == "history" and demand.placements == 168
    assert abs(demand.per_hour["elv_hoog"] - 0.25) < 0.01  # 168 placements in 672 hours
    assert abs(sum(demand.hourly) / 24 - 1) < 1e-9 and abs(sum(demand.daily) / 7 - 1) < 1e-9


def test_the_history_read_from_stored_records_is_the_records_history() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    records = [synthetic_request(i, now - timedelta(hours=i), "seh" if i % 3 else None) for i in range(30)]
    assert history_from_store(r.to_store() for r in records) == history_of(records)


def test_thin_history_falls_back_to_the_demand_model() -> None:
    region, protocol = load_region(), load_protocol()
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    seen = [synthetic_request(i, now - timedelta(hours=i), "seh") for i in range(MIN_PLACEMENTS - 1)]
    demand = demand_from_history(history_of(seen), region, protocol, now)
    assert demand.source == "default" and demand.placements == MIN_PLACEMENTS - 1
    assert demand.per_hour == default_demand(region, protocol).per_hour
    # 72 requests a day in Limburg, spread over the care types
    assert abs(sum(demand.per_hour.values()) * 24 - 72) < 1
