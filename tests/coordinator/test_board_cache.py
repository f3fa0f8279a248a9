"""The board cache: a rendered body is reused only while the view is unchanged, within the same second."""

from __future__ import annotations

from coordinator.board_cache import BoardCache


def test_a_body_is_reused_while_nothing_changed_in_the_same_second() -> None:
    cache = BoardCache()
    key = (None, None, None, False)
    cache.put(key, 7, 100, b"board")
    assert cache.get(key, 7, 100) == b"board"


def test_any_change_or_the_next_second_invalidates_it() -> None:
    cache = BoardCache()
    key = (None, None, None, False)
    cache.put(key, 7, 100, b"board")
    assert cache.get(key, 8, 100) is None  # the view changed
    assert cache.get(key, 7, 101) is None  # ages moved on
    assert cache.get((None, None, None, True), 7, 100) is None  # another filter or degraded state


def test_the_cache_stays_bounded() -> None:
    cache = BoardCache(max_items=3)
    for i in range(3):
        cache.put((i,), 1, 1, b"x")
    cache.put((99,), 1, 1, b"y")
    assert cache.get((0,), 1, 1) is None
    assert cache.get((99,), 1, 1) == b"y"
