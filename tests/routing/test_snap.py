"""Snapping by the grid of buckets finds the very row the k-d tree finds, inside the region and outside it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.region import load_region
from routing.snap import Snapper

from ..regions import tiny_region

LIMBURG = Snapper(load_region())
TINY = Snapper(tiny_region())


@settings(max_examples=400, deadline=None)
@given(st.floats(50.6, 51.9), st.floats(5.4, 6.4), st.booleans())
def test_the_grid_finds_the_nearest_row_as_the_tree_does(lat: float, lon: float, tiny: bool) -> None:
    snapper = TINY if tiny else LIMBURG
    x, y = snapper._project_point(lat, lon)
    tree_d, tree_i = snapper._tree.query((x, y))
    grid_i = snapper._nearest(x, y)
    gx, gy = snapper._xy[grid_i]
    assert grid_i == tree_i or abs(((gx - x) ** 2 + (gy - y) ** 2) ** 0.5 - tree_d) < 1e-9


def test_a_coordinate_far_outside_still_finds_its_nearest_row() -> None:
    x, y = LIMBURG._project_point(52.37, 4.90)
    assert LIMBURG._nearest(x, y) == int(LIMBURG._tree.query((x, y))[1])
