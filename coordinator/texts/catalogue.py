"""The one message catalogue: every text a person reads, keyed by a stable code, in Dutch and English.

The texts live in ``nl.yaml`` and ``en.yaml`` beside this module, one template per code in Python's
``str.format`` syntax (``"{n} plekken vrij"``), or per plural category (``{one: ..., other: ...}``, chosen
by the parameter ``n`` with the language's CLDR plural rule from Babel). Parameters are formatted for the
reader: a moment in Europe/Amsterdam as people say it ("14:05", "morgen 07:00", "do 3 dec. 07:00"), a
care type, provider, question, complaint, modifier or status id as its label, a nested message rendered.
Labels of the region's data (care types, providers, the triage protocol) are registered at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml
from babel.core import Locale
from babel.dates import format_date, format_datetime

from capacity.messages import Message, Param, set_plain_text

__all__ = [
    "DEFAULT_LANGUAGE",
    "LABEL_PARAMS",
    "LANGUAGES",
    "Catalogue",
    "Labels",
    "catalogue",
    "is_plain",
    "moment_text",
    "placeholders",
]

LANGUAGES: Final = ("nl", "en")
DEFAULT_LANGUAGE: Final = "nl"
_TZ: Final = ZoneInfo("Europe/Amsterdam")
#: Parameters that carry an id of a kind the catalogue has labels for: shown as the label, never as the id.
LABEL_PARAMS: Final[Mapping[str, str]] = {
    "care_type": "care_type",
    "care_types": "care_type",
    "provider_id": "provider",
    "question": "question",
    "complaint": "complaint",
    "modifier": "modifier",
    "status": "status",
    "role": "role",
    "hold_status": "hold_status",
    "outcome": "outcome",
    "destination": "destination",
    "refusal_reason": "refusal_reason",
}
_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORD = re.compile(r"\b(" + "|".join(_DAYS) + r")\b")
_FIELD = re.compile(r"\{(\w+)[^{}]*\}")


def placeholders(template: str | Mapping[str, str]) -> set[str]:
    """The parameter names a template uses (over all its plural forms)."""
    forms = template.values() if isinstance(template, Mapping) else [template]
    return {m.group(1) for form in forms for m in _FIELD.finditer(form)}


_REMEMBER: Final = 8192  # texts of plain messages remembered (then forgotten all at once)
#: Parameters whose text depends on nothing but themselves (a moment's key decides; see Catalogue.render).
_PLAIN_TYPES: Final = frozenset({int, float, bool, type(None)})


def is_plain(message: Message) -> bool:
    """Whether the text of ``message`` depends on its numbers alone (no label, moment, word or nested message)."""
    for key, value in message.params.items():  # noqa: SIM110 - twice as fast as all() over a generator, per text
        if type(value) not in _PLAIN_TYPES or key in LABEL_PARAMS:
            return False
    return True


def _is_moment(key: str) -> bool:
    return key in ("at", "until", "held_until") or key.endswith("_at")


def moment_text(when: datetime, lang: str, now: datetime | None = None) -> str:
    """A moment as people say it, in Europe/Amsterdam: the time today, 'morgen 07:00', else day and date."""
    local = when.astimezone(_TZ)
    today = (now or datetime.now(_TZ)).astimezone(_TZ).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    words = catalogue().texts(lang)
    if days == 0:
        return clock
    if days in (1, -1):
        return str(words["time.tomorrow" if days == 1 else "time.yesterday"]).format(time=clock)
    return format_datetime(local, "EEE d MMM HH:mm", tzinfo=_TZ, locale=lang)


@dataclass(slots=True)
class Labels:
    """Labels of the region's data ids (care types, providers, the protocol's questions): kind -> id -> text.

    Data is written in one language (the region's files are Dutch); the same label serves every language
    unless the catalogue has its own ``label.KIND.ID``.
    """

    by_kind: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, kind: str, labels: Mapping[str, str]) -> None:
        """Add (or replace) the labels of one kind."""
        self.by_kind.setdefault(kind, {}).update(labels)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The texts of every language."""

    _texts: Mapping[str, Mapping[str, Any]]
    _remembered: dict[tuple[str, str, tuple[tuple[str, Param], ...]], str] = field(
        default_factory=dict, compare=False, repr=False
    )

    def texts(self, lang: str) -> Mapping[str, Any]:
        """The templates of one language (code -> template)."""
        return self._texts[lang if lang in self._texts else DEFAULT_LANGUAGE]

    def codes(self, lang: str = DEFAULT_LANGUAGE) -> set[str]:
        """Every code the catalogue has a text for in ``lang``."""
        return set(self._texts[lang])

    def label(self, kind: str, key: str, lang: str, labels: Labels | None = None) -> str:
        """The label of an id in ``lang``: the catalogue's own (``label.KIND.ID``), the data's, else the id."""
        own = self.texts(lang).get(f"label.{kind}.{key}")
        if isinstance(own, str):
            return own
        if labels is not None and (data := labels.by_kind.get(kind, {}).get(key)):
            return data
        return key

    def labels(self, lang: str, labels: Labels | None = None) -> dict[str, dict[str, str]]:
        """Every label (kind -> id -> text) in ``lang``, the catalogue's and the data's, for the page."""
        out: dict[str, dict[str, str]] = {}
        for kind, entries in (labels.by_kind if labels else {}).items():
            out[kind] = {key: self.label(kind, key, lang, labels) for key in entries}
        for code, template in self.texts(lang).items():
            if code.startswith("label.") and isinstance(template, str):
                _, kind, key = code.split(".", 2)
                out.setdefault(kind, {})[key] = template
        return out

    def render(self, message: Message, lang: str, labels: Labels | None = None) -> str:
        """The text of ``message`` in ``lang`` (the code itself if the catalogue lacks it: a test forbids that).

        A message of numbers and plain words alone (no label, moment or nested message: its text depends on
        nothing else) is rendered once and remembered: most lines of a dispatch answer repeat ("12 min").
        """
        if is_plain(message):
            return self._plain(lang, message.code, tuple(message.params.items()))
        return self._render(message, lang, labels)

    def _plain(self, lang: str, code: str, params: tuple[tuple[str, Param], ...]) -> str:
        key = (lang, code, params)
        text = self._remembered.get(key)
        if text is None:
            if len(self._remembered) >= _REMEMBER:
                self._remembered.clear()
            text = self._remembered[key] = self._render(Message(code, dict(params)), lang, None)
        return text

    def render_with(self, message: Message, lang: str, labels: Labels | None, ready: Mapping[str, str]) -> str:
        """The text of ``message`` with the words of some parameters given (``ready``: its nested messages,
        rendered already by the caller); the same text :meth:`render` gives."""
        return self._render(message, lang, labels, ready)

    def list_text(self, texts: Iterable[str], lang: str) -> str:
        """Texts as a list reads (the separator of ``lang``), as a tuple of messages is rendered."""
        return str(self.texts(lang)["list.separator"]).join(texts)

    def _render(
        self, message: Message, lang: str, labels: Labels | None, ready: Mapping[str, str] | None = None
    ) -> str:
        template = self.texts(lang).get(message.code)
        if template is None:
            return message.code
        if isinstance(template, Mapping):
            n = message.params.get("n", 0)
            form = _locale(lang).plural_form(n if isinstance(n, int | float) else 0)
            template = template.get(form, template["other"])
        values = {
            key: ready[key] if ready is not None and key in ready else self._value(key, value, lang, labels)
            for key, value in message.params.items()
        }
        return str(template).format_map(values)

    def _value(self, key: str, value: Param, lang: str, labels: Labels | None) -> Any:
        if isinstance(value, Message):
            return self.render(value, lang, labels)
        if isinstance(value, tuple):
            return self.list_text((self.render(m, lang, labels) for m in value), lang)
        if _is_moment(key) and isinstance(value, str | datetime):
            try:
                when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            except ValueError:
                return value
            return moment_text(when, lang)
        if key == "date" and isinstance(value, str):
            try:
                return format_date(date.fromisoformat(value), "d MMMM y", locale=lang)
            except ValueError:
                return value
        kind = LABEL_PARAMS.get(key)
        if kind is not None and isinstance(value, str):
            if key.endswith("s"):
                return ", ".join(self.label(kind, v.strip(), lang, labels) for v in value.split(",") if v.strip())
            return self.label(kind, value, lang, labels)
        if key == "hours" and isinstance(value, str):
            return _DAY_WORD.sub(lambda m: str(self.texts(lang)[f"day.{m.group(1)}"]), value)
        if key == "ago" and isinstance(value, int | float):
            code = "time.minutes_ago" if value < 90 else "time.hours_ago"
            return self.render(Message(code, {"n": _ago(value)}), lang)
        return value


@cache
def _locale(lang: str) -> Locale:
    """Babel's locale data of a language, parsed once."""
    return Locale.parse(lang)


def _ago(minutes: float) -> int:
    return max(0, round(minutes)) if minutes < 90 else round(minutes / 60)


@cache
def catalogue() -> Catalogue:
    """The catalogue of the shipped texts (loaded once per process; data labels are added by the app)."""
    texts: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        raw = resources.files(__package__).joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
        texts[lang] = _flatten(yaml.safe_load(raw))
    return Catalogue(texts)


set_plain_text(lambda message: catalogue().render(message, "en"))


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested YAML sections to dotted codes; a mapping of plural forms (``one``/``other``) is one template."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        code = f"{prefix}{key}"
        if isinstance(value, Mapping) and not set(value) <= {"zero", "one", "two", "few", "many", "other"}:
            out.update(_flatten(value, code + "."))
        else:
            out[code] = value
    return out
