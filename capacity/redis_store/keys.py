"""The Redis key layout of one region; the ``{region}`` hash tag keeps a region in one cluster slot.

Every key of region ``R`` starts with ``zcc:{R}:``, so Redis Cluster puts them all in one slot and
every script may touch any of them::

    zcc:{R}:capacity              hash   "provider|care_type" -> CapacityEntry JSON
    zcc:{R}:status                hash   provider_id or "provider|care_type" -> ProviderStatus JSON
    zcc:{R}:holds                 hash   hold_id -> Hold JSON (every hold, in any state)
    zcc:{R}:holds:due             zset   hold_id scored by held_until ms (active holds only)
    zcc:{R}:idem:<key>            string {"fingerprint", "response"} JSON, EX 1 day
    zcc:{R}:op:<op_id>            string the stored result of a write, EX 1 day
    zcc:{R}:events                stream ts, type, data (JSON) [, ek, ev]; MAXLEN ~ stream_maxlen
    zcc:{R}:tokens                hash   token hash -> TokenRecord JSON
    zcc:{R}:tokens:used           hash   token hash -> when it was last used (ms)
    zcc:{R}:requests:body         hash   request id -> record body (JSON text, as given)
    zcc:{R}:requests:version      hash   request id -> version (1 on create)
    zcc:{R}:requests:all          zset   request id scored by creation ms (every request)
    zcc:{R}:requests:open         zset   request id scored by creation ms (open requests only)
    zcc:{R}:trajectories:body     hash   patient_ref -> trajectory record body (JSON text, as given)
    zcc:{R}:trajectories:version  hash   patient_ref -> version
    zcc:{R}:trajectory:<ref>:events  list  the patient's trajectory events (JSON texts), oldest first
    zcc:{R}:audit                 zset   "<id> <body>" scored by the entry's time ms
    zcc:{R}:audit:patient:<ref>   zset   the same members for one patient, EX the retention
    zcc:{R}:fence                 string a counter every replicated write increments before its WAIT (writes.py)

A record's body and its version live in two hashes so that no script parses a body. The events
stream's optional ``ek`` ("provider|care_type") and ``ev`` (version) fields of a
``capacity.updated`` event let a follower skip an entry it already has without decoding ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RegionKeys", "entry_field"]


def entry_field(provider_id: str, care_type: str) -> str:
    """The field of a capacity entry in the capacity hash: ``provider|care_type``."""
    return f"{provider_id}|{care_type}"


@dataclass(frozen=True, slots=True)
class RegionKeys:
    """The key names of one region, set once; see the module docstring for what each holds."""

    prefix: str
    capacity: str
    status: str
    holds: str
    due: str
    events: str
    tokens: str
    tokens_used: str
    request_bodies: str
    request_versions: str
    requests_all: str
    requests_open: str
    trajectory_bodies: str
    trajectory_versions: str
    audit: str
    fence: str

    @classmethod
    def of(cls, region_id: str) -> RegionKeys:
        """The keys of ``region_id`` (``open_redis`` refuses a region id with braces: they break the tag)."""
        p = f"zcc:{{{region_id}}}:"
        return cls(
            prefix=p,
            capacity=p + "capacity",
            status=p + "status",
            holds=p + "holds",
            due=p + "holds:due",
            events=p + "events",
            tokens=p + "tokens",
            tokens_used=p + "tokens:used",
            request_bodies=p + "requests:body",
            request_versions=p + "requests:version",
            requests_all=p + "requests:all",
            requests_open=p + "requests:open",
            trajectory_bodies=p + "trajectories:body",
            trajectory_versions=p + "trajectories:version",
            audit=p + "audit",
            fence=p + "fence",
        )

    def patient_audit(self, patient_ref: str) -> str:
        """The audit entries of one patient."""
        return f"{self.prefix}audit:patient:{patient_ref}"

    def trajectory_events(self, patient_ref: str) -> str:
        """The trajectory events of one patient."""
        return f"{self.prefix}trajectory:{patient_ref}:events"

    def idem(self, key: str) -> str:
        """The record of an Idempotency-Key (already scoped by the caller)."""
        return f"{self.prefix}idem:{key}"

    def op(self, op_id: str) -> str:
        """The stored result of the write with ``op_id``."""
        return f"{self.prefix}op:{op_id}"
