"""Hostile connections against a real ``zcc serve`` under an open-file limit of 256 (finding 6 of issue 11).

Before the fix, one client holding 356 idle connections took /healthz down and wrote 74,850 log
lines in 3 s. Here eight loopback addresses open 360 idle and slowloris connections, more than the
service can hold: the service keeps answering /healthz and an authenticated client throughout,
stays under its open-file limit, answers the connections over the per-address cap with a 503
problem, and logs the refusals at one line per second with a count.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import aiohttp
import pytest

from ..eventually import eventually
from .helpers import (
    FILE_LIMIT,
    Hostile,
    ZccServer,
    connect,
    raise_own_file_limit,
    read_answer,
    settled,
    start_server,
)

PER_CLIENT = 40
HOSTILE = [f"127.0.0.{i}" for i in range(2, 10)]  # 8 addresses x (40 + 5) connections = 360


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZccServer]:
    """The service with timeouts long enough that only its caps protect it during a test."""
    srv = asyncio.run(
        start_server(
            tmp_path_factory.mktemp("caps"),
            ZCC_MAX_CONNECTIONS_PER_CLIENT=str(PER_CLIENT),
            ZCC_HEADER_TIMEOUT="60",
            ZCC_KEEPALIVE_TIMEOUT="60",
            ZCC_LOG_REPEAT_SECONDS="1",
        )
    )
    try:
        yield srv
    finally:
        srv.stop()


def _refusals_logged(lines: list[str], kind: str, marker: str) -> int:
    """Refusals the log accounts for: lines written plus the counts of lines held back."""
    total = 0
    for line in lines:
        if m := re.search(rf"(\d+) more log lines of kind {kind}\b", line):
            total += int(m.group(1))
        elif marker in line:
            total += 1
            if m := re.search(r"\[(\d+) more like this", line):
                total += int(m.group(1))
    return total


async def test_hundreds_of_hostile_connections_leave_health_and_api_answering(server: ZccServer) -> None:
    raise_own_file_limit(1024)  # 360 hostile sockets live in this process too
    await settled(server)
    hostile = Hostile(server.port)
    statuses: list[int] = []
    peak = 0
    auth = {"Authorization": f"Bearer {server.tokens['triage']}"}
    fresh = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))  # a new connection per probe
    api = aiohttp.ClientSession()  # an ordinary client, keeping its connection alive

    async def probe() -> None:
        nonlocal peak
        async with fresh.get(f"{server.url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as resp:
            statuses.append(resp.status)
        async with api.get(f"{server.url}/api/v1/capacity", headers=auth) as resp:
            statuses.append(resp.status)
            assert (await resp.json())["region"] == "limburg"
        peak = max(peak, server.open_files())

    try:
        for i, source in enumerate(HOSTILE):
            await hostile.open(source, PER_CLIENT + 5, slowloris=i % 2 == 1)
            await probe()
        for _ in range(20):  # the attack goes on (slowloris bytes keep coming); so do the answers
            await probe()
        held = hostile.held
        await eventually(lambda: _all_accounted(hostile, 8 * (PER_CLIENT + 5)), what="every hostile connection seen")
    finally:
        await fresh.close()
        await api.close()
        await hostile.close()

    assert statuses and set(statuses) == {200}, statuses
    assert peak < FILE_LIMIT, f"the service reached {peak} open files"
    # It held well over a hundred idle connections while answering, as many as its open files allow.
    assert 100 <= held < FILE_LIMIT, held
    # Over the per-address cap: a 503 problem with Retry-After; at the total cap, idle ones were closed.
    assert hostile.answers, "no connection was refused"
    for answer in hostile.answers:
        assert answer.status == 503 and answer.headers["retry-after"] == "5"
        assert answer.problem()["type"].endswith("/too-many-connections")
    assert hostile.closed_by_server > 0

    refused = len(hostile.answers)
    marker = "refused a connection from"
    await eventually(
        lambda: _check_log_accounts(server, refused, marker),
        timeout=5,
        what="the log accounting for every refusal",
    )
    lines = [line for line in server.log_lines() if marker in line]
    assert len(lines) <= 10, f"{len(lines)} refusal lines for {refused} refusals (one per second expected)"


def _all_accounted(hostile: Hostile, opened: int) -> None:
    seen = hostile.held + hostile.closed_by_server + len(hostile.answers)
    assert seen == opened, f"{seen} of {opened}"


def _check_log_accounts(server: ZccServer, refused: int, marker: str) -> None:
    logged = _refusals_logged(server.log_lines(), "connection-refused", marker)
    assert logged == refused, f"the log accounts for {logged} of {refused} refusals"


async def test_one_address_over_its_cap_gets_503_problem_and_others_are_served(server: ZccServer) -> None:
    await settled(server)
    hostile = Hostile(server.port)
    try:
        await hostile.open("127.0.0.20", PER_CLIENT)
        reader, writer = await connect(server.port, "127.0.0.20")
        try:
            answer = await asyncio.wait_for(read_answer(reader), 5)
            assert await reader.read() == b"", "the refused connection is closed after the answer"
        finally:
            writer.close()
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as resp:
            assert resp.status == 200
        assert hostile.held == PER_CLIENT
    finally:
        await hostile.close()
    assert answer.status == 503
    assert answer.headers["retry-after"] == "5"
    problem = answer.problem()
    assert problem["type"].endswith("/too-many-connections")
    assert "127.0.0.20" in problem["detail"] and f"{PER_CLIENT} connections" in problem["detail"]


async def _raw(server: ZccServer, request: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    reader, writer = await connect(server.port)
    try:
        writer.write(request)
        answer = await asyncio.wait_for(read_answer(reader), 5)
    finally:
        writer.close()
    return answer.status, answer.headers, answer.problem()


async def test_requests_the_parser_refuses_get_a_problem_a_person_can_act_on(server: ZccServer) -> None:
    status, _, problem = await _raw(
        server, b"GET /healthz HTTP/1.1\r\nHost: zcc\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
    )
    assert (status, problem["type"]) == (431, "https://zcc.example/problems/header-too-large")
    assert "8190 bytes" in str(problem["detail"])

    many = b"".join(b"X-%d: 1\r\n" % i for i in range(200))
    status, _, problem = await _raw(server, b"GET /healthz HTTP/1.1\r\nHost: zcc\r\n" + many + b"\r\n")
    assert (status, problem["type"]) == (431, "https://zcc.example/problems/too-many-headers")

    status, _, problem = await _raw(server, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: zcc\r\n\r\n")
    assert (status, problem["type"]) == (414, "https://zcc.example/problems/uri-too-long")

    status, _, problem = await _raw(server, b"GET /healthz HTTP/1.1\r\nHost: zcc\r\nBad Header: 1\r\n\r\n")
    assert (status, problem["type"]) == (400, "https://zcc.example/problems/bad-request")
    assert "Invalid header token" in str(problem["detail"])

    status, _, problem = await _raw(server, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
    assert status == 400 and "https://" in str(problem["detail"])

    # An ordinary client sending an oversized header (a runaway cookie) reads the reason as JSON.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/v1/capacity", headers={"Cookie": "c=" + "x" * 9000}) as resp:
            assert resp.status == 431
            assert resp.content_type == "application/problem+json"
            assert "header" in (await resp.json())["detail"]
        async with http.get(f"{server.url}/healthz") as resp:
            assert resp.status == 200
    log = server.log_lines()
    assert not [line for line in log if "Traceback" in line], "a refused request logged a traceback"
    assert any("refused a malformed request from 127.0.0.1: header-too-large" in line for line in log)
