"""A real redis-server for the tests: started on a free port of 127.0.0.1 in its own directory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["RedisServer", "free_cluster_port", "free_port", "redis_command"]

#: Redis Cluster's bus listens on port + 10000, so a cluster node's port must stay below this.
_CLUSTER_BUS_OFFSET = 10_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_port(taken: Sequence[int] = ()) -> int:
    """A free port below 55535 whose cluster bus port (port + 10000) is free too, not in ``taken``."""
    for _ in range(1000):
        port = free_port()
        if port + _CLUSTER_BUS_OFFSET >= 65536 or port in taken or port + _CLUSTER_BUS_OFFSET in taken:
            continue
        if _bindable(port + _CLUSTER_BUS_OFFSET):
            return port
    raise RuntimeError("no free port pair (port, port + 10000) on 127.0.0.1")


def redis_command(port: int, *args: str | int, timeout: float = 5.0) -> bytes:
    """Send one command to the server on ``port`` and return its raw RESP reply (for setup and inspection)."""
    parts = [str(a).encode() for a in args]
    packed = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(packed)
        reply = s.recv(65536)
        # A bulk or array reply may come in several segments; the callers read short replies only.
        while reply and not reply.endswith(b"\r\n"):
            reply += s.recv(65536)
        return reply


class RedisServer:
    """One redis-server process with AOF on (``appendfsync always``), as production should run.

    ``args`` are extra command-line options (``--replicaof``, ``--cluster-enabled yes``, ...);
    ``sentinel`` runs it as a Sentinel with the given configuration lines (written to its own file).
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        args: Sequence[str] = (),
        sentinel: Sequence[str] | None = None,
        name: str = "redis",
    ) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError(
                "redis-server is not installed: run scripts/test (it installs it) or apt-get install redis-server"
            )
        self.exe = exe
        self.dir = Path(tempfile.mkdtemp(prefix=f"zcc-{name}-"))
        self.port = port or free_port()
        self.args = list(args)
        self.sentinel = list(sentinel) if sentinel is not None else None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis:// URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def address(self) -> str:
        """host:port."""
        return f"127.0.0.1:{self.port}"

    def _command_line(self) -> list[str]:
        common = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--daemonize", "no"]
        common += ["--supervised", "systemd", "--loglevel", "warning", "--logfile", str(self.dir / "log")]
        if self.sentinel is not None:
            # Sentinel rewrites its configuration file (it records what it learns), so it needs its own.
            conf = self.dir / "sentinel.conf"
            if not conf.exists():
                conf.write_text("\n".join(self.sentinel) + "\n", encoding="utf-8")
            return [self.exe, str(conf), "--sentinel", *common, *self.args]
        durable = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        return [self.exe, *common, *durable, *self.args]

    def start(self, *, wait_ready: bool = True) -> None:
        """Start (or restart on the same port and data) and return once it says it is ready.

        redis-server tells a supervisor when it accepts connections (``--supervised systemd``: ``READY=1``
        on the datagram socket named by ``NOTIFY_SOCKET``, after the AOF is loaded; a replica says so
        once it has synced with its primary), so nothing is polled.
        """
        notify_path = self.dir / "notify.sock"
        notify_path.unlink(missing_ok=True)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(str(notify_path))
            self.proc = subprocess.Popen(
                self._command_line(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "NOTIFY_SOCKET": str(notify_path)},
            )
            if not wait_ready:
                return
            deadline = time.monotonic() + 10
            try:
                notify.settimeout(10)
                while b"READY=1" not in notify.recv(4096).split(b"\n"):  # STATUS=... lines come first
                    notify.settimeout(max(deadline - time.monotonic(), 0.001))
            except TimeoutError:
                exited = self.proc.poll()
                raise RuntimeError(
                    f"redis-server did not get ready on port {self.port} within 10 s (exit status {exited}); "
                    f"see {self.dir / 'log'}"
                ) from None

    @property
    def running(self) -> bool:
        """Whether the process is alive (a paused one counts)."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing is answered."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Thaw a paused server (SIGCONT)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def flush(self) -> None:
        """Empty every database (between tests)."""
        redis_command(self.port, "FLUSHALL")

    def cleanup(self) -> None:
        """Stop and remove the data directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
