"""Live streams (SSE) are capped per client address and in all, and a stream whose client stops reading is cut off.

Against a real ``zcc serve`` (finding 6 of issue 11): at most 2 streams per address and 4 in all
here; a refused stream gets a 503 problem with Retry-After, and its slot is free again as soon as
a stream ends, including one the service cut off because its client took no data for 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from capacity.clock import utcnow

from ..eventually import eventually
from ..http_helpers import iso
from .helpers import Answer, ZccServer, connect, read_answer, start_server

SEND_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZccServer]:
    """The service with small stream caps and a short send timeout."""
    srv = asyncio.run(
        start_server(
            tmp_path_factory.mktemp("streams"),
            ZCC_MAX_STREAMS="4",
            ZCC_MAX_STREAMS_PER_CLIENT="2",
            ZCC_SEND_TIMEOUT=str(SEND_TIMEOUT),
        )
    )
    try:
        yield srv
    finally:
        srv.stop()


class Stream:
    """One raw stream request from a loopback address."""

    def __init__(self, server: ZccServer, source: str, *, rcvbuf: int | None = None) -> None:
        self.server, self.source, self.rcvbuf = server, source, rcvbuf
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, *, read_board: bool = True) -> Answer | None:
        """Ask for the stream: None once it is live (its board event read, if asked), else the refusal."""
        reader, self.writer = await connect(self.server.port, self.source, rcvbuf=self.rcvbuf)
        token = self.server.tokens["triage"]
        self.writer.write(
            f"GET /api/v1/capacity/stream HTTP/1.1\r\nHost: zcc\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        answer = await asyncio.wait_for(read_answer(reader, body=False), 5)
        if answer.status != 200:
            self.close()
            return answer
        assert answer.headers["content-type"] == "text/event-stream"
        if read_board:
            await asyncio.wait_for(reader.readuntil(b"event: board"), 5)
        self.reader = reader
        return None

    def close(self) -> None:
        """Hang up."""
        if self.writer is not None:
            self.writer.close()


@contextlib.asynccontextmanager
async def streams() -> AsyncIterator[list[Stream]]:
    """Streams opened in the block are closed after it."""
    opened: list[Stream] = []
    try:
        yield opened
    finally:
        for s in opened:
            s.close()


def _refused(answer: Answer | None, says: str) -> None:
    assert answer is not None, "the stream was not refused"
    assert answer.status == 503 and answer.headers["retry-after"] == "5"
    assert says in answer.problem()["detail"]


async def test_streams_are_capped_per_address_and_in_all(server: ZccServer) -> None:
    async with streams() as opened:
        for source in ("127.0.0.30", "127.0.0.30", "127.0.0.31", "127.0.0.31"):
            opened.append(Stream(server, source))
            assert await opened[-1].open() is None
        _refused(await Stream(server, "127.0.0.30").open(), "127.0.0.30 already has 2 live streams")
        _refused(await Stream(server, "127.0.0.32").open(), "4 live streams, its limit")

        # Other calls from a refused address are served; a slot is free again once a stream ends.
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {server.tokens['triage']}"}
            async with http.get(f"{server.url}/api/v1/capacity", headers=headers) as resp:
                assert resp.status == 200
        opened[0].close()

        async def live_again() -> None:
            stream = Stream(server, "127.0.0.32")
            answer = await stream.open()
            opened.append(stream)
            assert answer is None, answer

        await eventually(live_again, what="a stream once a slot is free")


async def _post_updates(http: aiohttp.ClientSession, server: ZccServer, board: list[dict[str, Any]], n: int) -> None:
    """One batch updating every entry of the board (each is an ``entry`` event on every stream)."""
    at = iso(utcnow())
    updates = [
        {
            "provider_id": e["provider_id"],
            "care_type": e["care_type"],
            "available": (n + i) % (e["total"] + 1),
            "reported_at": at,
        }
        for i, e in enumerate(board)
    ]
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    async with http.post(f"{server.url}/api/v1/capacity", json={"updates": updates}, headers=headers) as resp:
        assert resp.status == 200, await resp.text()


async def test_a_stream_whose_client_stops_reading_is_cut_off_and_frees_its_slot(server: ZccServer) -> None:
    async with streams() as opened, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {server.tokens['triage']}"}
        async with http.get(f"{server.url}/api/v1/capacity", headers=headers) as resp:
            board = (await resp.json())["entries"]

        # Two streams that never read (small receive buffers fill fast): the address's cap.
        # (A stream an earlier test hung up on holds its slot until the service notices, within a second.)
        async def stalled() -> None:
            stream = Stream(server, "127.0.0.33", rcvbuf=4096)
            answer = await stream.open(read_board=False)
            assert answer is None, answer
            opened.append(stream)

        for _ in range(2):
            await eventually(stalled, what="a free stream slot")
        _refused(await Stream(server, "127.0.0.33").open(), "already has 2 live streams")

        batches = 0

        async def cut_off() -> None:
            nonlocal batches
            batches += 1
            await _post_updates(http, server, board, batches)
            stream = Stream(server, "127.0.0.33")
            answer = await stream.open()
            opened.append(stream)
            assert answer is None, f"after {batches} batches: {answer}"

        await eventually(cut_off, timeout=30, interval=0.2, what="the stalled streams cut off")
    assert any(f"cut off 127.0.0.33: it took no data for {SEND_TIMEOUT:g} s" in line for line in server.log_lines())
