"""What a Dutch user reads has no English in it, over every reason, event, triage, error and label code; English
on request. The check renders every code of the catalogue's person-facing sections in Dutch, with the labels
of the shipped region and protocol, and looks for English words (a list of the words our English texts use)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capacity.messages import Message
from capacity.region import load_region
from coordinator.texts import catalogue
from coordinator.texts.data_labels import labels_of
from coordinator.triage import load_protocol

from .test_catalogue import emitted_codes, sample

ROOT = Path(__file__).resolve().parents[2]

#: Words of the English texts that never appear in Dutch ones (not "min", "stop" inside "opnamestop", "open").
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        """the and or to for at on are be may must should not no yes free updated ago across border choice
    care home ranks before after hospital last preferred provider busy held eligible expected return has
    patient place needs road closed arrival stale report yet full too far window until tomorrow yesterday request
    reserved placed cancelled released expired hold unknown field missing invalid value role allowed answer first
    question earlier skipped none questions answered life threatening advice only needed raised types stays does
    apply from years message trajectory updated against wish requests within days evaluation planned shows
    objects sharing something wrong side quote operators body larger than limit allowed
    resource input number string list least most items characters pattern valid integer boolean time zone
    this that it its with without by when while reload meanwhile changed confirmed cannot undone already release
    left offer offers fit fitting suit stop""",
    )
)
#: Technical literals that are the same in every language: header and command names, field paths.
TECHNICAL = re.compile(r"Authorization: Bearer <token>|zcc token create|Idempotency-Key|[A-Za-z]+(?:[._][A-Za-z]+)+")
#: The catalogue sections a person reads (every code under them).
SECTIONS = (
    "reason.",
    "eligible.",
    "ineligible.",
    "excluded.",
    "triage.",
    "history.",
    "event.",
    "trajectory.",
    "error.",
    "invalid.",
    "problem.",
    "label.",
    "time.",
    "ages.",
)


def english_words(text: str) -> set[str]:
    """The English words in ``text``, technical literals aside."""
    words = set(re.findall(r"[^\W\d_]+", TECHNICAL.sub(" ", text)))
    return {w for w in words if w.lower() in ENGLISH}


@pytest.fixture(scope="module")
def region_labels() -> object:
    region = load_region(ROOT / "config" / "regions" / "limburg.yaml")
    return labels_of(region, load_protocol(ROOT / "config" / "triage.yaml"))


def test_the_word_check_finds_english(region_labels: object) -> None:
    """The check itself: the English texts of the same codes are caught."""
    cat = catalogue()
    caught = [
        code
        for code in cat.codes("en")
        if code.startswith(("reason.", "excluded.", "event."))
        and english_words(cat.render(sample(code, cat.texts("en")[code]), "en"))
    ]
    assert len(caught) > 20


def test_no_english_in_any_dutch_text_a_person_reads(region_labels: object) -> None:
    cat = catalogue()
    codes = sorted(c for c in emitted_codes() | cat.codes("nl") if c.startswith(SECTIONS))
    assert any(c.startswith("reason.") for c in codes) and any(c.startswith("event.") for c in codes)
    found = {}
    for code in codes:
        text = cat.render(sample(code, cat.texts("nl")[code]), "nl", region_labels)  # type: ignore[arg-type]
        if words := english_words(text):
            found[code] = (text, words)
    assert found == {}


def test_english_on_request_reads_english() -> None:
    cat = catalogue()
    m = Message("reason.free", {"n": 3})
    assert (cat.render(m, "nl"), cat.render(m, "en")) == ("3 plekken vrij", "3 free")
    assert cat.render(Message("reason.free", {"n": 1}), "nl") == "1 plek vrij"
