"""Real Redis Sentinel and Redis Cluster deployments for the tests, on free loopback ports, each in its own directories.

Both are built from ``RedisServer`` processes (AOF, ``appendfsync always``) and started and stopped by the
caller (a fixture or the fault benchmark). The data nodes run with ``min-replicas-to-write 1``: a primary
that has lost every replica refuses writes instead of taking ones a failover would drop.
"""

from __future__ import annotations

import binascii
import shutil
import subprocess
import time
from collections.abc import Callable

from .redis_server import RedisServer, free_cluster_port, redis_command

__all__ = ["ClusterTopology", "SentinelTopology", "key_slot", "wait_until"]

#: The options every data node of a replicated topology gets (see the README's deployment section).
REPLICATED_NODE_ARGS = (
    "--min-replicas-to-write",
    "1",
    "--min-replicas-max-lag",
    "10",
    # A replica that (re)joins is synced at once (the default waits 5 s for more replicas to share the transfer).
    "--repl-diskless-sync-delay",
    "0",
)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``check`` (a cheap look at a server's state) until it holds; RuntimeError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _info(port: int, section: str) -> dict[str, str]:
    raw = redis_command(port, "INFO", section).decode(errors="replace")
    out: dict[str, str] = {}
    for line in raw.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key] = value.strip()
    return out


def _crc16(data: bytes) -> int:
    """CRC16/XMODEM, the hash of Redis Cluster's key slots."""
    return binascii.crc_hqx(data, 0)


def key_slot(key: str) -> int:
    """The cluster hash slot of ``key`` (its ``{tag}`` when it has a non-empty one)."""
    raw = key.encode()
    start = raw.find(b"{")
    if start != -1:
        end = raw.find(b"}", start + 1)
        if end > start + 1:
            raw = raw[start + 1 : end]
    return _crc16(raw) % 16384


class SentinelTopology:
    """A primary with ``replicas`` replicas and three Sentinels (``down-after-milliseconds``, quorum 2)."""

    SERVICE = "zcc"

    def __init__(self, *, replicas: int = 2, sentinels: int = 3, down_after_ms: int = 1000) -> None:
        self.primary_at_start = RedisServer(name="primary", args=REPLICATED_NODE_ARGS)
        self.data = [self.primary_at_start]
        for i in range(replicas):
            args = [*REPLICATED_NODE_ARGS, "--replicaof", "127.0.0.1", str(self.primary_at_start.port)]
            self.data.append(RedisServer(name=f"replica{i}", args=args))
        monitor = [
            f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.primary_at_start.port} 2",
            f"sentinel down-after-milliseconds {self.SERVICE} {down_after_ms}",
            f"sentinel failover-timeout {self.SERVICE} 10000",
            f"sentinel parallel-syncs {self.SERVICE} 1",
        ]
        self.sentinels = [RedisServer(name=f"sentinel{i}", sentinel=monitor) for i in range(sentinels)]

    @property
    def url(self) -> str:
        """The ``redis+sentinel://`` store URL (database 0)."""
        hosts = ",".join(s.address for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.SERVICE}/0"

    def start(self) -> None:
        """Start the data nodes, then the Sentinels; return once every Sentinel sees every node and each other."""
        for server in self.data:
            server.start()
        for sentinel in self.sentinels:
            sentinel.start()
        want_replicas = len(self.data) - 1
        want_others = len(self.sentinels) - 1

        def settled() -> bool:
            info = _info(self.primary_at_start.port, "replication")
            if int(info.get("min_slaves_good_slaves", "0")) < want_replicas:
                return False
            for s in self.sentinels:
                master = _sentinel_master(s.port)
                if int(master.get("num-slaves", 0)) < want_replicas:
                    return False
                if int(master.get("num-other-sentinels", 0)) < want_others:
                    return False
            return True

        wait_until(settled, "the replicas in sync and the Sentinels seeing every node and each other")

    def primary_port(self) -> int:
        """The port of the primary as the Sentinels name it now."""
        reply = redis_command(self.sentinels[0].port, "SENTINEL", "get-master-addr-by-name", self.SERVICE)
        return int(reply.split(b"\r\n")[4])

    def primary(self) -> RedisServer:
        """The data node that is the primary now."""
        port = self.primary_port()
        return next(s for s in self.data if s.port == port)

    def wait_for_new_primary(self, old_port: int, timeout: float = 30.0) -> RedisServer:
        """Wait until the Sentinels promoted another node and it has a replica in sync; return it."""

        def moved() -> bool:
            port = self.primary_port()
            if port == old_port:
                return False
            return int(_info(port, "replication").get("connected_slaves", "0")) >= 1

        wait_until(moved, "a failover to a new primary with a replica", timeout)
        return self.primary()

    def cleanup(self) -> None:
        """Stop every process and remove every directory."""
        for server in [*self.sentinels, *self.data]:
            server.cleanup()


def _sentinel_master(port: int) -> dict[str, str]:
    """SENTINEL MASTER's fields as a dict (parsed from the raw reply)."""
    lines = redis_command(port, "SENTINEL", "MASTER", SentinelTopology.SERVICE).split(b"\r\n")
    values = [line.decode() for line in lines[1:] if line and not line.startswith((b"$", b"*"))]
    return dict(zip(values[::2], values[1::2], strict=False))


class ClusterTopology:
    """``primaries`` primaries with ``replicas`` replicas each, made by ``redis-cli --cluster create``.

    ``spares`` more nodes join as extra replicas: with ``cluster-migration-barrier 1`` one of them moves by
    itself to a primary that a failover left without a replica, so its writes can be replicated again.
    """

    def __init__(self, *, primaries: int = 3, replicas: int = 1, spares: int = 1, node_timeout_ms: int = 2000) -> None:
        exe = shutil.which("redis-cli")
        if exe is None:
            raise RuntimeError("redis-cli is not installed: run scripts/test (it installs redis-tools)")
        self.cli = exe
        self.primaries = primaries
        self.replicas = replicas
        taken: list[int] = []
        self.nodes: list[RedisServer] = []
        for i in range(primaries * (1 + replicas) + spares):
            port = free_cluster_port(taken)
            taken += [port, port + 10_000]
            args = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(node_timeout_ms),
                # One shard's outage must not stop the regions on the other shards.
                "--cluster-require-full-coverage",
                "no",
                "--cluster-migration-barrier",
                "1",
                *REPLICATED_NODE_ARGS,
            ]
            self.nodes.append(RedisServer(name=f"cluster{i}", port=port, args=args))
        self.spares = spares

    @property
    def url(self) -> str:
        """The ``redis+cluster://`` store URL (every node a startup node)."""
        return "redis+cluster://" + ",".join(n.address for n in self.nodes)

    def start(self) -> None:
        """Start the nodes, create the cluster, add the spares, and return once every node agrees it is ok."""
        for node in self.nodes:
            node.start()
        core = self.nodes[: self.primaries * (1 + self.replicas)]
        self._cli("--cluster", "create", *(n.address for n in core), "--cluster-replicas", str(self.replicas))
        for spare in self.nodes[len(core) :]:
            self._cli("--cluster", "add-node", spare.address, core[0].address, "--cluster-slave")
        self.wait_ok()

    def _cli(self, *args: str) -> None:
        done = subprocess.run(
            [self.cli, *args, "--cluster-yes"], capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli {' '.join(args)} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Wait until every running node says ``cluster_state:ok`` and knows every node, and every replica synced."""
        live = [n for n in self.nodes if n.running]

        def ok() -> bool:
            for n in live:
                info = _info_cluster(n.port)
                if info.get("cluster_state") != "ok" or int(info.get("cluster_known_nodes", 0)) < len(self.nodes):
                    return False
                replication = _info(n.port, "replication")
                if replication.get("role") == "slave" and replication.get("master_link_status") != "up":
                    return False
            return all(len(self.replicas_of(p)) >= 1 for p in self.current_primaries())

        wait_until(ok, "the cluster to be ok on every node", timeout)

    def nodes_view(self, via: RedisServer | None = None) -> list[dict[str, str]]:
        """CLUSTER NODES as seen by ``via`` (a running node): id, address, flags, master id, slots."""
        via = via or next(n for n in self.nodes if n.running)
        raw = redis_command(via.port, "CLUSTER", "NODES").decode()
        body = raw.split("\r\n", 1)[1] if raw.startswith("$") else raw
        out = []
        for line in body.splitlines():
            parts = line.split()
            if len(parts) < 8:
                continue
            out.append(
                {
                    "id": parts[0],
                    "address": parts[1].split("@")[0],
                    "flags": parts[2],
                    "master": parts[3],
                    "slots": " ".join(parts[8:]),
                }
            )
        return out

    def current_primaries(self) -> list[RedisServer]:
        """The running nodes that own slots now."""
        return [
            self._by_address(n["address"])
            for n in self.nodes_view()
            if "master" in n["flags"] and "fail" not in n["flags"] and n["slots"]
        ]

    def primary_of(self, key: str, via: RedisServer | None = None) -> RedisServer:
        """The node that owns ``key``'s slot now."""
        slot = key_slot(key)
        for node in self.nodes_view(via):
            if "master" not in node["flags"] or "fail" in node["flags"]:
                continue
            for span in node["slots"].split():
                if span.startswith("["):
                    continue
                lo, _, hi = span.partition("-")
                if int(lo) <= slot <= int(hi or lo):
                    return self._by_address(node["address"])
        raise RuntimeError(f"no primary owns slot {slot}")

    def replicas_of(self, primary: RedisServer, via: RedisServer | None = None) -> list[RedisServer]:
        """The running replicas that follow ``primary`` now."""
        view = self.nodes_view(via)
        pid = next(n["id"] for n in view if n["address"] == primary.address)
        return [
            self._by_address(n["address"])
            for n in view
            if n["master"] == pid and "fail" not in n["flags"] and self._by_address(n["address"]).running
        ]

    def _by_address(self, address: str) -> RedisServer:
        return next(n for n in self.nodes if n.address == address)

    def cleanup(self) -> None:
        """Stop every node and remove every directory."""
        for node in self.nodes:
            node.cleanup()


def _info_cluster(port: int) -> dict[str, str]:
    raw = redis_command(port, "CLUSTER", "INFO").decode(errors="replace")
    out: dict[str, str] = {}
    for line in raw.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key] = value.strip()
    return out
