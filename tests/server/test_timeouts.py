"""Idle, half-sent and slow connections are closed after their timeouts on a real ``zcc serve`` (issue 11, #6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from .helpers import ZccServer, connect, read_answer, start_server

HEADER_TIMEOUT = 1.0
KEEPALIVE_TIMEOUT = 1.5
BODY_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZccServer]:
    """The service with short timeouts."""
    srv = asyncio.run(
        start_server(
            tmp_path_factory.mktemp("timeouts"),
            ZCC_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
            ZCC_KEEPALIVE_TIMEOUT=str(KEEPALIVE_TIMEOUT),
            ZCC_BODY_TIMEOUT=str(BODY_TIMEOUT),
        )
    )
    try:
        yield srv
    finally:
        srv.stop()


async def _closed_after(reader: asyncio.StreamReader, since: float) -> tuple[bytes, float]:
    """Everything the service sends until it closes the connection, and how long after ``since`` that was."""
    data = await asyncio.wait_for(reader.read(), 10)
    return data, asyncio.get_running_loop().time() - since


async def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(server: ZccServer) -> None:
    loop = asyncio.get_running_loop()
    opened = loop.time()
    reader, writer = await connect(server.port)
    try:
        data, after = await _closed_after(reader, opened)
    finally:
        writer.close()
    assert data == b""  # nothing was asked, nothing is answered
    assert after >= HEADER_TIMEOUT * 0.9


async def test_a_slowloris_request_gets_408_problem_and_is_closed(server: ZccServer) -> None:
    loop = asyncio.get_running_loop()
    reader, writer = await connect(server.port)
    started = loop.time()
    dribble_more = True

    async def dribble() -> None:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: zcc\r\nX-Slow: ")
        while dribble_more and not writer.is_closing():
            await asyncio.sleep(0.1)  # the attack: a byte every 0.1 s, never ending the headers
            writer.write(b"a")

    task = asyncio.create_task(dribble())
    try:
        data, after = await _closed_after(reader, started)
    finally:
        dribble_more = False
        writer.close()
        await asyncio.gather(task, return_exceptions=True)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"application/problem+json" in head
    problem = json.loads(body)
    assert problem["type"].endswith("/request-timeout") and "headers did not arrive within 1 s" in problem["detail"]
    assert after >= HEADER_TIMEOUT * 0.9


async def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(server: ZccServer) -> None:
    reader, writer = await connect(server.port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: zcc\r\n\r\n")
        answer = await asyncio.wait_for(read_answer(reader), 5)
        answered = asyncio.get_running_loop().time()
        assert answer.status == 200 and answer.headers.get("connection", "keep-alive") != "close"
        data, after = await _closed_after(reader, answered)
    finally:
        writer.close()
    assert data == b""
    assert after >= KEEPALIVE_TIMEOUT * 0.9


async def test_a_body_that_stops_arriving_gets_408_problem(server: ZccServer) -> None:
    reader, writer = await connect(server.port)
    try:
        writer.write(
            b"POST /api/v1/capacity HTTP/1.1\r\nHost: zcc\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + server.tokens["admin"].encode() + b"\r\n"
            b'Content-Length: 100\r\n\r\n{"provider_id": '
        )
        answer = await asyncio.wait_for(read_answer(reader), 10)
    finally:
        writer.close()
    assert answer.status == 408
    assert "body did not arrive within 1 s" in answer.problem()["detail"]


async def test_a_slow_body_without_a_token_is_refused_at_once(server: ZccServer) -> None:
    reader, writer = await connect(server.port)
    try:
        writer.write(b"POST /api/v1/capacity HTTP/1.1\r\nHost: zcc\r\nContent-Length: 100\r\n\r\n{")
        answer = await asyncio.wait_for(read_answer(reader), BODY_TIMEOUT / 2)
    finally:
        writer.close()
    assert answer.status == 401


async def test_a_prompt_client_keeps_its_connection_across_requests(server: ZccServer) -> None:
    reader, writer = await connect(server.port)
    try:
        for _ in range(3):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: zcc\r\n\r\n")
            assert (await asyncio.wait_for(read_answer(reader), 5)).status == 200
    finally:
        writer.close()
