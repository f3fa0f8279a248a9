"""The message catalogue: both languages complete, and a text for every code the code can emit.

The codes are walked, not listed: every ``msg("...")`` / ``Message("...")`` call in the packages' source, the
dynamic ones (an f-string code) expanded over the values their code can take, the problem codes of
``coordinator.problems.STATUS_OF``, the pydantic error types the edge words, and the labels of every status,
event kind, exclusion and degraded reason the typed records allow.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import Any, get_args

import pytest

from capacity.messages import Message
from coordinator.problems import STATUS_OF
from coordinator.records import TEAM_ROLES, EventKind, RequestStatus
from coordinator.records.request import HeldPlace
from coordinator.records.stay import DESTINATIONS, OUTCOMES, REFUSAL_REASONS
from coordinator.schemas import VALIDATION_CODES
from coordinator.simulate.metrics import FIGURES
from coordinator.simulate.report import _CONTEXT as CONTEXT_ROWS
from coordinator.simulate.report import VERDICT
from coordinator.texts import LANGUAGES, catalogue
from coordinator.texts.catalogue import placeholders
from routing.matching.results import Why
from routing.matching.scoring import FIT_LEVELS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("capacity", "routing", "coordinator")


def _calls() -> tuple[set[str], list[str]]:
    """Literal codes of msg()/Message() calls, and the source of each call whose code is an f-string."""
    literal: set[str] = set()
    dynamic: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id not in ("msg", "Message") or not node.args:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    literal.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    dynamic.append(ast.unparse(first))
    return literal, dynamic


#: Every f-string code in the source, with the values it takes (a new dynamic code fails until listed here).
DYNAMIC: dict[str, set[str]] = {
    "f'reason.fit.{who}.{level}'": {
        f"reason.fit.{who}.{level}" for who in ("frail_elderly", "home_first") for level in FIT_LEVELS
    },
    "f'invalid.{kind}'": {f"invalid.{kind}" for kind in VALIDATION_CODES},
    "f'invalid.{problem}'": {"invalid.patient_ref_bsn", "invalid.patient_ref_shape"},
    "f'event.{kind}'": {"event.placement", "event.release", "event.expiry"},
    "f'event.{kind}_bare'": {"event.placement_bare", "event.release_bare", "event.expiry_bare"},
    "f'trajectory.limited.{why}'": {"trajectory.limited.open_request", "trajectory.limited.sharing_objection"},
}


def emitted_codes() -> set[str]:
    """Every message code the packages can emit."""
    literal, dynamic = _calls()
    assert set(dynamic) == set(DYNAMIC), f"a dynamic message code to list in DYNAMIC: {set(dynamic) ^ set(DYNAMIC)}"
    codes = set(literal)
    for values in DYNAMIC.values():
        codes |= values
    codes |= {f"problem.title.{code}" for code in STATUS_OF}
    codes |= {f"time.{t}" for t in ("tomorrow", "yesterday", "minutes_ago", "hours_ago")}
    codes |= {f"day.{d}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return codes


def _source(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def label_codes() -> set[str]:
    """Every label the page and the texts need, walked from the typed records."""
    kinds: dict[str, tuple[Any, ...]] = {
        "status": get_args(RequestStatus),
        "event": get_args(EventKind),
        "excluded": get_args(Why),
        "hold_status": get_args(HeldPlace.model_fields["status"].annotation),
        # the codes request creation appends when it degrades, and the one the answer adds when not recorded
        "degraded": (
            *re.findall(r'degraded\.append\("(\w+)"\)', _source("coordinator/requests/create.py")),
            "not_recorded",
        ),
        "role": tuple(TEAM_ROLES),
        # what a receiving provider reports after the placement (issue 15)
        "outcome": tuple(OUTCOMES),
        "destination": tuple(DESTINATIONS),
        "refusal_reason": tuple(REFUSAL_REASONS),
        # the simulation report's figures, verdicts and context rows
        "sim_figure": tuple(f.key for f in FIGURES),
        "verdict": tuple(VERDICT),
        "sim_context": tuple(key for key, _ in CONTEXT_ROWS),
    }
    return {f"label.{kind}.{value}" for kind, values in kinds.items() for value in values}


def test_both_languages_have_the_same_codes_with_the_same_parameters() -> None:
    cat = catalogue()
    nl, en = cat.texts("nl"), cat.texts("en")
    assert set(nl) - set(en) == set(), "codes missing in English"
    assert set(en) - set(nl) == set(), "codes missing in Dutch"
    for code in nl:
        assert placeholders(nl[code]) == placeholders(en[code]), code


def test_every_code_the_code_emits_has_a_text_in_both_languages() -> None:
    codes = emitted_codes()
    assert len(codes) > 150  # the walk found the calls (a broken walk must not pass by finding nothing)
    for lang in LANGUAGES:
        missing = sorted(codes - catalogue().codes(lang))
        assert missing == [], f"{lang}: {missing}"


def test_every_status_event_exclusion_and_role_has_a_label_in_both_languages() -> None:
    for lang in LANGUAGES:
        missing = sorted(label_codes() - catalogue().codes(lang))
        assert missing == [], f"{lang}: {missing}"


def sample(code: str, template: Any) -> Message:
    """The message of ``code`` with a value for each parameter its template uses (numbers, ids, moments)."""
    params: dict[str, Any] = {}
    for name in placeholders(template):
        if name in ("parts",):
            params[name] = (Message("reason.travel", {"minutes": 5}), Message("reason.free", {"n": 2}))
        elif name in ("rule", "ages", "reason_message"):
            params[name] = Message("ages.from", {"low": 18})
        elif name in ("until", "at", "held_until"):
            params[name] = "2026-12-03T17:00:00+00:00"
        elif name == "date":
            params[name] = "2026-12-03"
        else:
            params[name] = 3
    return Message(code, params)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_renders_with_its_parameters(lang: str) -> None:
    cat = catalogue()
    for code, template in cat.texts(lang).items():
        text = cat.render(sample(code, template), lang)
        assert text and "{" not in text and code not in text, (code, text)


def test_templates_use_only_named_fields() -> None:
    for lang in LANGUAGES:
        for code, template in catalogue().texts(lang).items():
            forms = template.values() if isinstance(template, dict) else [template]
            for form in forms:
                for _, field, _, _ in string.Formatter().parse(form):
                    assert field is None or re.fullmatch(r"[a-z_][a-z0-9_]*", field), (lang, code, field)
