"""Named random streams: every draw of a run comes from a stream named by the seed and what it is for."""

from __future__ import annotations

import random

__all__ = ["stream"]


def stream(seed: int, *names: object) -> random.Random:
    """A generator for ``names`` under ``seed``: the same names give the same draws, whatever ran before.

    Independent of the order of other draws, so both policies see the same world and the same staff.
    Seeded from a string (hashed with SHA-512 by :mod:`random`, not by ``hash()``), so it repeats across
    processes. Simulation draws, never secrets.
    """
    return random.Random(":".join(str(n) for n in (seed, *names)))  # noqa: S311
