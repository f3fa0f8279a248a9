"""The pieces behind the connection caps and the calm log, in process: who is evicted, what is counted."""

from __future__ import annotations

import errno
import logging

import pytest
from aiohttp import web

from coordinator.server.limits import ConnectionTable
from coordinator.server.runner import server_limits
from coordinator.server.streams import StreamSlots
from coordinator.server.throttle import LogThrottle
from coordinator.settings import Settings


class Conn:
    """A stand-in connection: idle or busy, last active at a given time."""

    def __init__(self, name: str, *, idle: bool, last_active: float) -> None:
        self.name, self.idle, self.last_active, self.evicted = name, idle, last_active, False

    def evict(self) -> None:
        self.evicted = True


def test_at_the_total_cap_the_fullest_address_loses_its_longest_idle_connection() -> None:
    table = ConnectionTable(max_total=4, max_per_client=0)
    a1, a2, a3 = (Conn(f"a{i}", idle=True, last_active=t) for i, t in ((1, 5.0), (2, 1.0), (3, 3.0)))
    b1 = Conn("b1", idle=True, last_active=0.0)
    for conn, client in ((a1, "a"), (a2, "a"), (a3, "a"), (b1, "b")):
        assert table.admit(conn, client) is None
    assert table.admit(Conn("c1", idle=False, last_active=9.0), "c") is None
    assert [c.name for c in (a1, a2, a3, b1) if c.evicted] == ["a2"]  # a holds most; a2 idle longest
    assert (len(table), table.count("a"), table.evicted) == (4, 2, 1)


def test_when_every_connection_is_busy_a_newcomer_is_refused_as_server_busy() -> None:
    table = ConnectionTable(max_total=2, max_per_client=0)
    for i in range(2):
        assert table.admit(Conn(f"x{i}", idle=False, last_active=0.0), f"10.0.0.{i}") is None
    refusal = table.admit(Conn("y", idle=True, last_active=0.0), "10.0.0.9")
    assert refusal is not None and (refusal.status, refusal.code) == (503, "server-busy")


def test_the_per_address_cap_refuses_and_closes_nothing() -> None:
    table = ConnectionTable(max_total=10, max_per_client=2)
    mine = [Conn(f"m{i}", idle=True, last_active=0.0) for i in range(3)]
    assert table.admit(mine[0], "a") is None and table.admit(mine[1], "a") is None
    refusal = table.admit(mine[2], "a")
    assert refusal is not None and refusal.code == "too-many-connections" and "a already holds 2" in refusal.detail
    assert not any(c.evicted for c in mine)
    table.remove(mine[0])
    table.remove(mine[0])  # twice is harmless
    assert table.admit(mine[2], "a") is None


def test_stream_slots_are_given_back_when_a_stream_ends() -> None:
    slots = StreamSlots(max_total=3, max_per_client=2, retry_after=7)
    with slots.hold("a"), slots.hold("a"):
        with pytest.raises(web.HTTPServiceUnavailable) as refused, slots.hold("a"):
            pass
        assert refused.value.headers["Retry-After"] == "7"
        with slots.hold("b"), pytest.raises(web.HTTPServiceUnavailable) as full, slots.hold("c"):
            pass
        assert "3 live streams, its limit" in (full.value.text or "")
    assert len(slots) == 0


def test_the_connection_cap_follows_the_open_file_limit() -> None:
    assert server_limits(Settings(), in_use=12, soft_limit=256).max_connections == 256 - 12 - 64
    assert server_limits(Settings(), in_use=12, soft_limit=1_000_000).max_connections == 1000
    redis = server_limits(Settings(store_url="redis://127.0.0.1:6379/0"), in_use=12, soft_limit=256)
    assert redis.max_connections == 256 - 12 - 64 - 64
    explicit = server_limits(Settings(max_connections=500), in_use=12, soft_limit=256)
    assert explicit.max_connections == 500 and not explicit.fits


def _record(msg: str, *args: object, exc: BaseException | None = None, kind: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, (type(exc), exc, None) if exc else None)
    if kind is not None:
        record.throttle = kind
    return record


def test_one_line_of_a_kind_per_interval_and_the_rest_counted(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    throttle = LogThrottle(10.0, clock=lambda: now[0])
    emfile = OSError(errno.EMFILE, "Too many open files")
    passed = [throttle.filter(_record("socket.accept() out of system resource", exc=emfile)) for _ in range(500)]
    assert passed.count(True) == 1
    assert throttle.filter(_record("something else"))  # other lines are untouched
    assert throttle.filter(_record("refused %s", "x", kind="conn")) and not throttle.filter(
        _record("refused y", kind="conn")
    )
    now[0] += 10.0
    again = _record("accept: %s", "[Errno 24] Too many open files")
    assert throttle.filter(again)
    assert again.getMessage() == "accept: [Errno 24] Too many open files [499 more like this in the last 10 s]"
    with caplog.at_level(logging.WARNING, logger="coordinator.server.throttle"):
        throttle.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "1 more log lines of kind conn in the last 10 s, the last: refused y"
    ]
