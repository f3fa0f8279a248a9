"""When the process does run out of file descriptors, new connections get a 503 problem and the log stays calm.

The connection cap normally keeps the service well under its open-file limit; here it is set
(ZCC_MAX_CONNECTIONS=1000) above what a limit of 256 allows, to show the last line of defence.
Before the fix, 356 idle connections at this limit made asyncio log 12,938 EMFILE tracebacks
(74,850 lines) in 3 s while /healthz timed out.
"""

from __future__ import annotations

import re

import aiohttp
import pytest

from ..eventually import eventually
from .helpers import FILE_LIMIT, Hostile, ZccServer, raise_own_file_limit, start_server

HOSTILE = 300


def _logged_refusals(lines: list[str]) -> int:
    """Refusals for want of descriptors the log accounts for: lines written plus counts of those held back."""
    total = 0
    for line in lines:
        if m := re.search(r"(\d+) more log lines of kind open-files\b", line):
            total += int(m.group(1))
        elif "out of file descriptors" in line:
            total += 1
            if m := re.search(r"\[(\d+) more like this", line):
                total += int(m.group(1))
    return total


async def test_out_of_descriptors_new_connections_get_503_and_one_log_line_a_second(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    raise_own_file_limit(1024)
    server: ZccServer = await start_server(
        tmp_path_factory.mktemp("nofiles"),
        ZCC_MAX_CONNECTIONS="1000",
        ZCC_MAX_CONNECTIONS_PER_CLIENT="0",
        ZCC_HEADER_TIMEOUT="60",
        ZCC_LOG_REPEAT_SECONDS="1",
    )
    hostile = Hostile(server.port)
    try:
        assert any("leaves fewer than the" in line for line in server.log_lines()), "no warning of the setting"
        await hostile.open("127.0.0.40", HOSTILE)
        assert server.open_files() >= FILE_LIMIT - 4  # (nearly) every descriptor taken

        async def answered() -> None:
            assert hostile.held + len(hostile.answers) == HOSTILE

        await eventually(answered, what="every hostile connection held or answered")
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as resp:
            # An answer, at once: not a timeout.
            assert resp.status == 503 and resp.headers["Retry-After"] == "5"
            assert (await resp.json(content_type="application/problem+json"))["type"].endswith("/out-of-files")
        refused = len(hostile.answers) + 1
        for answer in hostile.answers:
            assert answer.status == 503 and answer.problem()["type"].endswith("/out-of-files")
        assert hostile.held >= FILE_LIMIT - 24  # all it could hold

        def accounted() -> None:
            assert _logged_refusals(server.log_lines()) == refused

        await eventually(accounted, what="the log accounting for every refusal")
    finally:
        await hostile.close()
        try:
            lines = server.log_lines()
            async with aiohttp.ClientSession() as http:

                async def healthy() -> None:
                    async with http.get(f"{server.url}/healthz") as resp:
                        assert resp.status == 200

                await eventually(healthy, what="/healthz once the hostile connections are gone")
        finally:
            server.stop()
    written = [line for line in lines if "out of file descriptors" in line or "open-files" in line]
    assert 1 <= len(written) <= 6, written
    assert not [line for line in lines if "Traceback" in line], "a traceback was logged"
    assert len([line for line in lines if "Too many open files" in line]) == len(written)
