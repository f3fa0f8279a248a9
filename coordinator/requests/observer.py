"""What the request lifecycle tells whoever counts it (the service's metrics): one call per transition that happened."""

from __future__ import annotations

from typing import Literal, Protocol, TypeAlias

__all__ = ["HoldEvent", "LifecycleObserver", "NoObserver", "Outcome"]

#: A hold's transitions: a unit taken, then confirmed (a placement), released (given back) or expired.
HoldEvent: TypeAlias = Literal["taken", "confirmed", "released", "expired"]
#: How a request ended: escalated to 112 and advice end at triage; placed and cancelled later.
Outcome: TypeAlias = Literal["escalated", "advice", "placed", "cancelled"]


class LifecycleObserver(Protocol):
    """Called after a transition is stored, once per transition (never for a replayed or repeated call)."""

    def hold(self, event: HoldEvent) -> None:
        """A hold was taken, confirmed, released or expired."""

    def created(self, urgency: str) -> None:
        """A request was triaged and stored."""

    def closed(self, urgency: str, outcome: Outcome) -> None:
        """A request ended (at triage for escalated and advice)."""

    def placed(self, urgency: str, seconds: float) -> None:
        """A placement was confirmed ``seconds`` after the request was created."""


class NoObserver:
    """Counts nothing (the simulation and tests that do not look)."""

    def hold(self, event: HoldEvent) -> None:
        """Nothing."""

    def created(self, urgency: str) -> None:
        """Nothing."""

    def closed(self, urgency: str, outcome: Outcome) -> None:
        """Nothing."""

    def placed(self, urgency: str, seconds: float) -> None:
        """Nothing."""
