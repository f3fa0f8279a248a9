"""The demand side of the simulation: how many requests arrive when, from whom, with which triage answers.

Volume (an assumption, stated as one). zcc's scope is the non-life-threatening
acute care questions that need a place found across providers (ELV and crisis
beds, urgent district nursing, GP post visits, SEH for frail elderly, acute GGZ),
not every call a GP post answers. We assume **45 such requests per 100,000
inhabitants per week**, the middle of the 30-60 per 100,000 per week our brief
quotes from ZCC pilot reports; we could not check that range against a
published source, so treat it as a planning assumption. For scale: all acute
care questions in the Netherlands (every GP-post call included) are about a
million a month (minister Kuipers' letter of July 2022, as reported by Skipr),
roughly 1,300 per 100,000 per week, so our figure is the few percent of those
that need coordination of a place. Limburg's 31 municipalities hold about
1.12 million people (CBS 2024, the populations in config/regions/limburg.yaml),
giving 1,119,300 x 45 / 100,000 / 7 = about 72 requests a day. ``--volume N``
overrides it (requests per day).

Arrivals are a non-homogeneous Poisson process (thinning) with a relative rate
per local hour of day (quiet at night, a peak from 17:00 to 22:00 when the GP
practices are closed) and per weekday (Saturday and Sunday 1.3x); the weekly
mean equals the daily volume.

Mix: U2 15%, U3 58%, U4 25% and a few U1 (2%) that zcc escalates to 112. The
urgency is never set by hand: each request is a complaint with answers from
config/triage.yaml, triaged by the real engine; the templates below were chosen
so that their outcome has the wanted urgency (checked at start: a template whose
outcome differs is an error). Ages: 65% 75+, 15% 65-74, 20% 18-64. About 70% of
those 75+ are flagged frail elderly (the matcher's level-of-care rule); no
context modifiers are sent, so the mix stays as designed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from capacity.model import Region

from ..triage import TriageProtocol, triage
from .streams import stream

__all__ = [
    "HOURLY_PROFILE",
    "REQUESTS_PER_100K_PER_WEEK",
    "URGENCY_MIX",
    "Arrival",
    "Template",
    "care_type_shares",
    "default_volume",
    "generate_arrivals",
    "relative_rate",
    "templates",
]

#: Requests needing coordination per 100,000 inhabitants per week: an assumption (see the module docstring).
REQUESTS_PER_100K_PER_WEEK = 45.0

#: Relative arrival rate per local hour 0..23 (normalised below); evening peak after GP practice hours.
HOURLY_PROFILE: tuple[float, ...] = (
    0.45, 0.35, 0.30, 0.25, 0.25, 0.30,  # 00-05 night
    0.45, 0.70, 0.90, 1.00, 1.05, 1.05,  # 06-11 morning
    1.00, 1.00, 1.05, 1.10, 1.25, 1.70,  # 12-17 afternoon, the practices close
    1.90, 1.85, 1.70, 1.45, 1.10, 0.75,  # 18-23 evening peak
)  # fmt: skip
#: Relative volume per weekday (0 = Monday): weekends are busier for out-of-hours care.
DAY_PROFILE: tuple[float, ...] = (1.0, 0.9, 0.9, 0.9, 1.0, 1.3, 1.3)
#: The urgency mix of the requests (U1 goes to 112).
URGENCY_MIX: Mapping[str, float] = {"U1": 0.02, "U2": 0.15, "U3": 0.58, "U4": 0.25}
#: Age bands (low, high, share).
AGE_BANDS: tuple[tuple[int, int, float], ...] = ((75, 98, 0.65), (65, 74, 0.15), (18, 64, 0.20))
FRAIL_SHARE_75 = 0.7
#: How far from its municipality's centre a patient lives (km, uniform in a disc).
JITTER_KM = 3.0


@dataclass(frozen=True, slots=True)
class Template:
    """A complaint with its answers that the protocol triages to ``urgency``; ``weight`` within that urgency."""

    complaint: str
    answers: Mapping[str, bool]
    urgency: str
    weight: float = 1.0


# (complaint, the question answered yes or None for the default, expected urgency, weight)
_TEMPLATES: tuple[tuple[str, str | None, str, float], ...] = (
    # U1: escalated to 112, never placed
    ("dyspnoe", "dys_geen_zinnen", "U1", 1.0),
    ("pijn_op_de_borst", "pob_acs_nu", "U1", 1.0),
    ("verwardheid_delier", "del_uitval", "U1", 1.0),
    # U2: within an hour
    ("dyspnoe", "dys_copd_hartfalen", "U2", 3.0),
    ("koorts_oudere", "ko_sepsis", "U2", 2.0),
    ("val_trauma_oudere", "val_fractuur", "U2", 2.0),
    ("val_trauma_oudere", "val_hoofd_antistolling", "U2", 1.0),
    ("verwardheid_delier", "del_gevaar", "U2", 1.0),
    ("palliatieve_situatie", "pal_ondraaglijk", "U2", 1.0),
    ("urineweginfectie", "uwi_sepsis", "U2", 1.0),
    ("buikpijn", "buik_hevig", "U2", 1.0),
    ("pijn_op_de_borst", "pob_rust_risico", "U2", 1.0),
    ("psychische_crisis", "psy_gevaar", "U2", 1.0),
    ("koorts_volwassene", "kv_sepsis", "U2", 0.5),
    # U3: within a few hours, the bulk of a ZCC's work
    ("dyspnoe", "dys_koorts_oudere", "U3", 3.0),
    ("koorts_oudere", "ko_drinkt_niet", "U3", 3.0),
    ("koorts_oudere", "ko_benauwd", "U3", 2.0),
    ("val_trauma_oudere", "val_lang_gelegen", "U3", 3.0),
    ("val_trauma_oudere", "val_pijn_zwelling", "U3", 2.0),
    ("verwardheid_delier", "del_acuut", "U3", 3.0),
    ("zorg_thuis_onmogelijk", "thuis_alleen_onveilig", "U3", 3.0),
    ("zorg_thuis_onmogelijk", "thuis_acuut_ziek", "U3", 2.0),
    ("palliatieve_situatie", "pal_nieuw_symptoom", "U3", 1.5),
    ("palliatieve_situatie", "pal_pomp", "U3", 0.5),
    ("urineweginfectie", "uwi_retentie", "U3", 1.0),
    ("buikpijn", "buik_koorts_braken", "U3", 1.0),
    ("psychische_crisis", "psy_niet_meer_aan", "U3", 1.0),
    ("suicidale_uitingen", None, "U3", 0.5),
    ("koorts_volwassene", "kv_benauwd", "U3", 0.5),
    ("wond", "wond_hechten", "U3", 0.5),
    # U4: the same day
    ("zorg_thuis_onmogelijk", "thuis_overbelast", "U4", 3.0),
    ("zorg_thuis_onmogelijk", "thuis_nacht_niet_geregeld", "U4", 2.0),
    ("palliatieve_situatie", "pal_zorg_thuis", "U4", 1.5),
    ("val_trauma_oudere", None, "U4", 2.0),
    ("koorts_oudere", None, "U4", 1.0),
    ("verwardheid_delier", None, "U4", 2.0),
    ("wond", "wond_verzorging", "U4", 1.5),
    ("wond", "wond_infectie", "U4", 1.0),
    ("dyspnoe", None, "U4", 1.0),
    ("psychische_crisis", None, "U4", 0.5),
)


@dataclass(frozen=True, slots=True)
class Arrival:
    """One request as it reaches the ZCC: when, who (pseudonymous), where, what; fixed by the seed."""

    index: int
    at: datetime
    patient_ref: str
    age: int
    lat: float
    lon: float
    location: str
    complaint: str
    answers: Mapping[str, bool]
    urgency: str  # as the template was built for; the service triages it again
    frail_elderly: bool = False
    context: Mapping[str, bool | int] = field(default_factory=dict)


def default_volume(region: Region) -> float:
    """Requests per day for ``region`` from its population (see the module docstring)."""
    population = sum(loc.population for loc in region.locations.values())
    return population * REQUESTS_PER_100K_PER_WEEK / 100_000 / 7


def templates(protocol: TriageProtocol) -> dict[str, list[Template]]:
    """The templates per urgency, each checked against the protocol (ValueError when one triages otherwise)."""
    out: dict[str, list[Template]] = {}
    for complaint, question, urgency, weight in _TEMPLATES:
        spec = protocol.complaints.get(complaint)
        if spec is None:
            continue  # a region protocol without this complaint: the others still make the mix
        # Asked as a triagist asks: every question in order, "nee" until the one answered "ja".
        answers: dict[str, bool] = {}
        for q in spec.questions:
            answers[q.id] = q.id == question
            if q.id == question:
                break
        age = 80 if spec.fits_age(80) else 40
        got = triage(protocol, complaint, answers, age=age).urgency
        if got != urgency:
            raise ValueError(f"simulation template {complaint}/{question} triages to {got}, not {urgency}")
        out.setdefault(urgency, []).append(Template(complaint, answers, urgency, weight))
    return out


def relative_rate(at: datetime, tz: ZoneInfo) -> float:
    """Relative arrival rate at ``at``: hour of day times weekday, with a weekly mean of 1 per hour."""
    local = at.astimezone(tz)
    return HOURLY_PROFILE[local.hour] * DAY_PROFILE[local.weekday()] / _MEAN


_MEAN = (sum(HOURLY_PROFILE) / 24) * (sum(DAY_PROFILE) / 7)


def care_type_shares(protocol: TriageProtocol) -> dict[str, float]:
    """The share of placed requests per care type the mix above implies, spread evenly over each triage's care types.

    The forecast's demand when the request history is too thin. A rough default: where a request
    ends among its triage's care types depends on what is free and near, which only history shows.
    """
    mix = {u: w for u, w in URGENCY_MIX.items() if u in _PLACED}
    shares: dict[str, float] = {}
    for urgency, group in templates(protocol).items():
        if urgency not in mix:
            continue
        weights = sum(t.weight for t in group)
        for t in group:
            spec = protocol.complaints[t.complaint]
            care_types = triage(protocol, t.complaint, t.answers, age=80 if spec.fits_age(80) else 40).care_types
            for ct in care_types:
                share = mix[urgency] / sum(mix.values()) * t.weight / weights / len(care_types)
                shares[ct] = shares.get(ct, 0.0) + share
    return shares


_PLACED = ("U2", "U3", "U4")


def _age(rng: random.Random) -> int:
    r, acc = rng.random(), 0.0
    for low, high, share in AGE_BANDS:
        acc += share
        if r < acc:
            return rng.randint(low, high)
    return rng.randint(AGE_BANDS[-1][0], AGE_BANDS[-1][1])


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _point(rng: random.Random, lat: float, lon: float) -> tuple[float, float]:
    """A uniform point within JITTER_KM of (lat, lon)."""
    r = JITTER_KM * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.32
    dlon = r * math.sin(theta) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def generate_arrivals(
    region: Region,
    protocol: TriageProtocol,
    *,
    seed: int,
    start: datetime,
    hours: float,
    per_day: float,
) -> list[Arrival]:
    """The arrival stream: the same for every policy of one seed."""
    rng = stream(seed, "arrivals")
    tz = region.tz
    by_urgency = templates(protocol)
    mix = {u: w for u, w in URGENCY_MIX.items() if by_urgency.get(u)}
    locations = [loc for loc in region.locations.values() if loc.population > 0] or list(region.locations.values())
    loc_weights = [max(loc.population, 1) for loc in locations]
    per_hour = per_day / 24
    peak = max(HOURLY_PROFILE) * max(DAY_PROFILE) / _MEAN
    end = start + timedelta(hours=hours)
    out: list[Arrival] = []
    t = start
    while per_hour > 0:
        t += timedelta(hours=rng.expovariate(per_hour * peak))
        if t >= end:
            break
        if rng.random() * peak > relative_rate(t, tz):
            continue  # thinning: this candidate falls outside the rate at t
        urgency = _pick(rng, mix)
        for _ in range(100):
            age = _age(rng)
            fitting = [tp for tp in by_urgency[urgency] if protocol.complaints[tp.complaint].fits_age(age)]
            if fitting:
                break
        template = rng.choices(fitting, weights=[tp.weight for tp in fitting])[0]
        loc = rng.choices(locations, weights=loc_weights)[0]
        lat, lon = _point(rng, loc.lat, loc.lon)
        frail = age >= 75 and rng.random() < FRAIL_SHARE_75
        index = len(out)
        out.append(
            Arrival(
                index=index,
                at=t,
                patient_ref=f"sim-{seed}-{index:05d}",
                age=age,
                lat=lat,
                lon=lon,
                location=loc.id,
                complaint=template.complaint,
                answers=dict(template.answers),
                urgency=urgency,
                frail_elderly=frail,
            )
        )
    return out


def scripted(arrivals: Sequence[Arrival]) -> list[Arrival]:
    """Arrivals given by hand (tests), re-indexed in time order."""
    ordered = sorted(arrivals, key=lambda a: (a.at, a.index))
    return [
        Arrival(i, a.at, a.patient_ref, a.age, a.lat, a.lon, a.location, a.complaint, a.answers, a.urgency,
                a.frail_elderly, a.context)
        for i, a in enumerate(ordered)
    ]  # fmt: skip
