"""The history's arithmetic: the last sample at each point, fresh ones summed, stale stretches as gaps."""

from __future__ import annotations

from capacity.history import pick_resolution, points
from capacity.store.interop import Sample

MIN = 60_000


def test_points_take_the_last_sample_and_leave_gaps_where_nothing_was_fresh() -> None:
    a = [
        Sample(0, 1, 5, 1, 10, 30 * MIN),  # fresh 0-30 min
        Sample(60 * MIN, 2, 3, 0, 10, 120 * MIN),  # fresh 60-120 min
    ]
    b = [Sample(10 * MIN, 1, 2, 0, 4, 200 * MIN)]
    got = points({("p", "x"): a, ("q", "x"): b}, [0, 15 * MIN, 45 * MIN, 90 * MIN, 240 * MIN])
    assert [(p.free, p.held, p.total, p.reporting) for p in got] == [
        (4, 1, 10, 1),  # only a reported yet
        (6, 1, 14, 2),
        (2, 0, 4, 1),  # a's report ran out at 30 min: only b
        (5, 0, 14, 2),
        (None, None, None, 0),  # nothing fresh: a gap, not zeros
    ]
    assert all(p.entries == 2 for p in got)


def test_a_report_stops_counting_at_its_valid_until() -> None:
    s = [Sample(0, 1, 1, 0, 1, 10 * MIN)]
    got = points({("p", "x"): s}, [10 * MIN - 1, 10 * MIN])
    assert [p.free for p in got] == [1, None]


def test_the_resolution_is_the_coarsest_that_divides_the_step_and_still_holds_the_range() -> None:
    keep = {300: 35 * 86400, 3600: 400 * 86400, 21600: 400 * 86400, 86400: 400 * 86400}
    now = 1_000 * 86_400_000
    assert pick_resolution(300, now - 86_400_000, now, keep) == 300
    assert pick_resolution(3600, now - 86_400_000, now, keep) == 3600
    assert pick_resolution(7200, now - 100 * 86_400_000, now, keep) == 3600
    assert pick_resolution(43200, now - 300 * 86_400_000, now, keep) == 21600
    assert pick_resolution(86400, now - 300 * 86_400_000, now, keep) == 86400
    assert pick_resolution(900, now - 100 * 86_400_000, now, keep) == 300  # nothing coarser divides 15 min
