"""A real ``zcc serve`` in a subprocess under a low open-file limit, and raw-socket clients to pester it.

The service runs with RLIMIT_NOFILE set to 256 (soft and hard, in a ``preexec_fn``) on the embedded
store; its log goes to a file so tests can count lines. Hostile clients connect from their own
loopback addresses (127.0.0.2, 127.0.0.3, ...: all of 127.0.0.0/8 is the loopback interface on
Linux) so that the per-address cap can be told apart from the probes on 127.0.0.1.

The test process holds one descriptor per hostile connection as well: ``raise_own_file_limit``
lifts its soft limit to what a test needs (up to the hard limit) and fails clearly when the hard
limit is lower.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from capacity.store import open_stores
from coordinator.tokens import TokenAuth

from ..eventually import eventually
from ..redis_server import free_port

__all__ = [
    "FILE_LIMIT",
    "Answer",
    "Hostile",
    "ZccServer",
    "connect",
    "raise_own_file_limit",
    "read_answer",
    "settled",
    "start_server",
]

ROOT = Path(__file__).resolve().parents[2]
FILE_LIMIT = 256


def raise_own_file_limit(needed: int) -> None:
    """Let this test process hold ``needed`` descriptors (its soft limit raised up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise AssertionError(f"this test needs {needed} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


@dataclass
class ZccServer:
    """One ``zcc serve`` process: its port, log file, tokens, and a look at its descriptors."""

    port: int
    log: Path
    proc: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def open_files(self) -> int:
        """How many descriptors the service holds now."""
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def log_lines(self) -> list[str]:
        """The log so far, line by line."""
        return self.log.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        """Terminate the service and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


async def _make_tokens(store_url: str) -> dict[str, str]:
    stores = open_stores(store_url, "limburg")
    await stores.backend.open()
    try:
        auth = TokenAuth(stores.tokens)
        return {role: (await auth.create(role, ()))[0] for role in ("admin", "triage")}
    finally:
        await stores.backend.close()


def _spawn(directory: Path, store: str, env: dict[str, str]) -> tuple[int, Path, subprocess.Popen[bytes]]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZCC_")}
    environ.update(PYTHONPATH=str(ROOT), ZCC_STORE=store, ZCC_PORT=str(port), **env)
    log = directory / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coordinator.cli", "serve"],
            cwd=directory,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_files,  # nothing but setrlimit runs between fork and exec
        )
    return port, log, proc


async def start_server(directory: Path, **env: str) -> ZccServer:
    """Start ``zcc serve`` on the embedded store in ``directory`` with ``ZCC_*`` overrides; wait until it answers."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    store = f"sqlite:///{directory}/zcc.db"
    tokens = await _make_tokens(store)
    port, log, proc = await asyncio.to_thread(_spawn, directory, store, env)
    server = ZccServer(port, log, proc, tokens)

    async def answers() -> None:
        assert proc.poll() is None, f"zcc serve exited: {log.read_text()}"
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as resp:
                assert resp.status == 200
        except aiohttp.ClientConnectionError as exc:
            raise AssertionError(f"nothing answers yet: {exc}") from exc

    try:
        await eventually(answers, timeout=30, interval=0.1, what="zcc serve answering /healthz")
    except BaseException:
        server.stop()
        raise
    return server


async def settled(server: ZccServer) -> None:
    """Wait until the service has let go of earlier tests' connections (it holds about 12 files when idle)."""

    def few() -> None:
        assert server.open_files() < 24, f"{server.open_files()} descriptors still open"

    await eventually(few, timeout=10, what="the service letting go of earlier connections")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read off a raw socket."""

    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        """The problem+json body (asserting the content type)."""
        assert self.headers.get("content-type", "").startswith("application/problem+json"), self.headers
        doc: dict[str, Any] = json.loads(self.body)
        assert doc["status"] == self.status and doc["detail"], doc
        return doc


async def read_answer(reader: asyncio.StreamReader, *, body: bool = True) -> Answer:
    """One HTTP/1.x response: its head, and its Content-Length body unless the status is 200 and ``body`` False."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if status == 200 and not body:
        return Answer(status, headers, b"")
    return Answer(status, headers, await reader.readexactly(int(headers.get("content-length", "0"))))


async def connect(
    port: int, source: str = "127.0.0.1", *, rcvbuf: int | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the service from loopback address ``source`` (with a small receive buffer if asked)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((source, 0))
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


@dataclass
class Hostile:
    """Hostile connections: idle ones, and slowloris ones that dribble a header byte now and then."""

    port: int
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    watchers: list[asyncio.Task[None]] = field(default_factory=list)
    dribblers: list[asyncio.Task[None]] = field(default_factory=list)
    closed_by_server: int = 0
    answers: list[Answer] = field(default_factory=list)

    async def open(self, source: str, count: int, *, slowloris: bool = False) -> None:
        """Open ``count`` connections from ``source``; each is watched for what the service does with it."""
        for _ in range(count):
            reader, writer = await connect(self.port, source)
            self.writers.append(writer)
            self.watchers.append(asyncio.create_task(self._watch(reader)))
            if slowloris:
                self.dribblers.append(asyncio.create_task(self._dribble(writer)))

    async def _dribble(self, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: zcc\r\nX-Slow: ")
            while not writer.is_closing():
                await asyncio.sleep(0.5)  # the attack itself: a byte every half second, never finishing
                writer.write(b"a")

    async def _watch(self, reader: asyncio.StreamReader) -> None:
        try:
            data = await reader.read(65536)
        except OSError:
            data = b""
        if not data:
            self.closed_by_server += 1
            return
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        self.answers.append(Answer(int(lines[0].split()[1]), headers, body))

    @property
    def held(self) -> int:
        """Connections the service still holds open without having answered them."""
        return sum(1 for t in self.watchers if not t.done())

    async def close(self) -> None:
        """Close every connection and stop watching."""
        for task in (*self.watchers, *self.dribblers):
            task.cancel()
        for writer in self.writers:
            writer.close()
        await asyncio.gather(*self.watchers, *self.dribblers, return_exceptions=True)
        self.writers.clear()
        self.watchers.clear()
        self.dribblers.clear()
