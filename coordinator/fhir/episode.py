"""The ``EpisodeOfCare``: the zorgtraject itself, with its phase, period, care manager and team.

``status`` from the phase (:data:`~.codes.EPISODE_STATUS`): intake -> planned;
startfase, vervolgfase, evaluation_due -> active; ended -> finished. ``period`` =
started_at..ended_at, ``statusHistory`` holds the current status since
``phase_since``. ``type``: the trajectory kind and its phase (zcc codes).
``careManager`` -> the regiebehandelaar's PractitionerRole, ``managingOrganization``
-> that role's organisation, ``team`` -> CareTeam. Status and period follow nl-core's
zib ZorgEpisode guidance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .builder import Builder
from .care_team import care_team
from .codes import EPISODE_STATUS, PHASE_LABEL
from .datatypes import JSONDict, period

__all__ = ["episode_of_care"]


def episode_of_care(
    b: Builder,
    *,
    phase: Any,
    phase_since: Any,
    started_at: Any,
    ended_at: Any,
    members: Iterable[Mapping[str, Any]],
) -> JSONDict:
    """Add the EpisodeOfCare with its CareTeam; ValueError for a phase without an EpisodeOfCare status."""
    if not isinstance(phase, str) or phase not in EPISODE_STATUS:
        raise ValueError(f"trajectory phase {phase!r} has no EpisodeOfCare status")
    status = EPISODE_STATUS[phase]
    team, manager, manager_org = care_team(b, members, ended=phase == "ended", started_at=started_at, ended_at=ended_at)
    body: JSONDict = {
        "status": status,
        "type": [
            {
                "coding": [
                    b.coding(
                        "trajectory-type",
                        "zorgtraject-kwetsbare-ouderen",
                        "Zorgtraject kwetsbare ouderen (GZSP)",
                    )
                ],
                "text": "Zorgtraject kwetsbare ouderen (GZSP)",
            },
            {
                "coding": [b.coding("trajectory-phase", phase, PHASE_LABEL[phase])],
                "text": PHASE_LABEL[phase],
            },
        ],
        "patient": b.ref("Patient", b.patient_ref),
        "period": period(started_at, ended_at),
        "team": [team],
    }
    if phase_since:
        body["statusHistory"] = [{"status": status, "period": period(phase_since, ended_at)}]
    if manager_org is not None:
        body["managingOrganization"] = manager_org
    if manager is not None:
        body["careManager"] = manager
    return b.add("EpisodeOfCare", b.trajectory_key, body)
