"""Shared checks for configuration files: reading them and validating their fields.

Region and care-type files (:mod:`capacity.region`) and the triage protocol
(:mod:`coordinator.triage.checker`) read and report alike: duplicate keys are
refused in YAML and JSON, every problem is a :class:`~capacity.errors.ConfigError`
whose ``field`` is a path into the file, wrong values are worded "must be X, not Y"
and unknown names get a "did you mean" hint. :class:`FieldChecker` holds the field
helpers both checkers build on (sections and their entries, ids, numbers, flags);
:func:`read_config_file` parses one file.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from yaml.nodes import MappingNode

from capacity.errors import ConfigError

try:
    from yaml import CSafeLoader as _SafeLoaderBase
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoaderBase  # type: ignore[assignment]

__all__ = [
    "MISSING",
    "FieldChecker",
    "first_of",
    "kind_of",
    "read_config_file",
    "suggest",
]

#: What :meth:`FieldChecker.get` returns for an absent field (it has reported it already).
MISSING: Any = object()

_T = TypeVar("_T")


class _UniqueKeyLoader(_SafeLoaderBase):
    """A safe YAML loader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object hook that refuses duplicate keys, as the YAML loader does."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"found duplicate key {key!r}")
        result[key] = value
    return result


def read_config_file(path: Path) -> object:
    """Parse one YAML file (or JSON, by its .json suffix); any I/O or syntax problem is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".json":
        # JSON is YAML too, but the json module reads a national-size file ~30x faster.
        try:
            return json.loads(text, object_pairs_hook=_unique_json_object)
        except json.JSONDecodeError as exc:
            where = f"at line {exc.lineno}, column {exc.colno}"
            raise ConfigError(f"invalid JSON in {path} {where}: {exc.msg}") from None
        except ValueError as exc:
            raise ConfigError(f"invalid JSON in {path}: {exc}") from None
    try:
        # A SafeLoader subclass: constructs plain data only, never Python objects.
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"invalid YAML in {path}{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML in {path}: {exc}") from None


def first_of(errors: list[ConfigError], what: str) -> ConfigError:
    """The first problem, its detail prefixed with how many there are."""
    first = errors[0]
    count = len(errors)
    prefix = f"1 problem in {what}" if count == 1 else f"{count} problems in {what}, the first"
    return ConfigError(f"{prefix}: {first.detail}", field=first.field)


def kind_of(value: object) -> str:
    """How a YAML value reads to a person, for 'must be X, not Y' messages."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists; only ever used on short lists."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class FieldChecker:
    """One pass over parsed data: collects every problem, each with the path of its field.

    Subclasses add the checks of one kind of file. A field with a problem is noted in
    ``reported`` so that a consequence of it need not be reported again.
    """

    __slots__ = ("errors", "reported")

    #: Whether :meth:`string` returns the value stripped of surrounding whitespace.
    strip_strings: ClassVar[bool] = False
    #: What an id (:meth:`ident`) must match in full. Ids end up in URLs, store keys and
    #: log lines: no whitespace, no slashes.
    id_pattern: ClassVar[re.Pattern[str]] = re.compile(r"[^\s/]+")
    #: What an id may not contain, in the words of the message when it does.
    id_rule: ClassVar[str] = "spaces or slashes"

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []
        # Fields with a problem already, so a consequence is not reported twice.
        self.reported: set[str | None] = set()

    def add(self, field: str | None, detail: str) -> None:
        """Report one problem at ``field``."""
        self.errors.append(ConfigError(detail, field=field))
        self.reported.add(field)

    def built(self, value: _T | None, what: str) -> _T:
        """``value`` when the pass found no problem; else raise the first problem, with the count."""
        if self.errors or value is None:
            raise first_of(self.errors or [ConfigError(f"{what} is invalid")], what)
        return value

    # -- structure

    def mapping(self, value: object, path: str | None, what: str) -> Mapping[Any, Any] | None:
        """``value`` if it is a mapping; else reported at ``path`` as ``what``."""
        if isinstance(value, Mapping):
            return value
        self.add(path, f"{what} must be a mapping, not {kind_of(value)}")
        return None

    def as_list(
        self, value: object, path: str, what: str, must: str = "a list", empty: str | None = None
    ) -> list[Any] | None:
        """``value`` if it is a list, else reported as "``what`` must be ``must``"; an empty one too if ``empty``."""
        if not isinstance(value, list):
            self.add(path, f"{what} must be {must}, not {kind_of(value)}")
            return None
        if not value and empty is not None:
            self.add(path, empty)
            return None
        return value

    def unknown_keys(
        self,
        item: Mapping[Any, Any],
        allowed: frozenset[str],
        path: str | None,
        what: str = "field",
        expected: str | None = None,
    ) -> bool:
        """Report every key of ``item`` not in ``allowed``, with a hint at the closest one; True when none is.

        The message ends in ``expected``, by default the sorted list of allowed keys.
        """
        known = True
        for key in item:
            if key not in allowed:
                hint = suggest(key, allowed) if isinstance(key, str) else ""
                where = f"{path}.{key}" if path else str(key)
                tail = expected if expected is not None else f"expected {', '.join(sorted(allowed))}"
                self.add(where, f"unknown {what} {key!r}{hint}; {tail}")
                known = False
        return known

    def items(self, data: Mapping[Any, Any], key: str, *, required: bool = True, empty: str | None = None) -> list[Any]:
        """The list of a top-level section ``key`` (reported at ``key``); empty when absent or wrong.

        ``empty`` is the problem to report when the section is there but has no entries.
        """
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            if required:
                self.add(key, f"missing required section {key!r} (a list)")
            return []
        return self.as_list(value, key, key, empty=empty) or []

    def entries(
        self,
        items: Iterable[Any],
        prefix: str,
        what: str,
        allowed: frozenset[str],
        skip: Callable[[int, Any], bool] | None = None,
    ) -> Iterator[tuple[int, str, Mapping[Any, Any]]]:
        """Each entry of a list that is a mapping, with its index and path ``prefix[i]``; unknown keys reported.

        An entry that is no mapping is reported and passed over, and so is one that
        ``skip`` accepts (a fast path that has taken the common, valid entry already).
        """
        for i, raw in enumerate(items):
            if skip is not None and skip(i, raw):
                continue
            path = f"{prefix}[{i}]"
            item = self.mapping(raw, path, what)
            if item is None:
                continue
            self.unknown_keys(item, allowed, path)
            yield i, path, item

    def first_use(self, index: dict[str, int], ident: str, i: int, section: str, what: str) -> bool:
        """Note ``ident`` as the id of ``section[i]``; False, reported, when an earlier entry has it."""
        first = index.get(ident)
        if first is not None:
            self.add(f"{section}[{i}].id", f"duplicate {what} {ident!r} (first used at {section}[{first}])")
            return False
        index[ident] = i
        return True

    # -- fields

    def get(self, item: Mapping[Any, Any], key: str, path: str, hint: str = "") -> Any:
        """A required field's value, or :data:`MISSING` (reported) when absent."""
        value = item.get(key, MISSING)
        if value is MISSING:
            self.add(f"{path}.{key}", f"missing required field {key!r}{hint}")
        return value

    def field(self, item: Mapping[Any, Any], key: str, path: str, check: Callable[[Any, str], _T | None]) -> _T | None:
        """A required field as ``check(value, its path)`` takes it; None when absent (reported) or wrong."""
        value = self.get(item, key, path)
        return None if value is MISSING else check(value, f"{path}.{key}")

    def string(self, item: Mapping[Any, Any], key: str, path: str) -> str | None:
        """A required non-blank string (stripped when :attr:`strip_strings`)."""
        value = self.get(item, key, path)
        if value is MISSING:
            return None
        if not isinstance(value, str):
            self.add(f"{path}.{key}", f"{key} must be a string, not {kind_of(value)}")
            return None
        if not value.strip():
            self.add(f"{path}.{key}", f"{key} must not be empty")
            return None
        return value.strip() if self.strip_strings else value

    def optional_string(self, item: Mapping[Any, Any], key: str, path: str) -> str | None:
        """An optional string, stripped; absent or null is ``""``."""
        value = item.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(f"{path}.{key}", f"{key} must be a string, not {kind_of(value)}")
            return None
        return value.strip()

    def ident(self, item: Mapping[Any, Any], key: str, path: str) -> str | None:
        """A required id: a string as :meth:`string` takes it that matches :attr:`id_pattern` in full."""
        value = self.string(item, key, path)
        if value is not None and not self.id_pattern.fullmatch(value):
            self.add(f"{path}.{key}", f"{key} {value!r} must not contain {self.id_rule}")
            return None
        return value

    def number(self, item: Mapping[Any, Any], key: str, path: str) -> float | None:
        """A required finite number (booleans are refused), as a float."""
        value = self.get(item, key, path)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(f"{path}.{key}", f"{key} must be a number, not {kind_of(value)}")
            return None
        if not math.isfinite(value):
            self.add(f"{path}.{key}", f"{key} must be a finite number, not {value}")
            return None
        return float(value)

    def count(self, value: object, path: str, what: str) -> int | None:
        """A non-negative whole number (booleans and floats are refused)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(path, f"{what} must be a non-negative whole number, not {kind_of(value)}")
            return None
        return value

    def whole(self, value: object, path: str, what: str, low: int, high: int | None = None) -> int | None:
        """A whole number in [low, high] (booleans and floats are refused), the limits named when outside."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"{what} must be a whole number, not {kind_of(value)}")
            return None
        if value < low or (high is not None and value > high):
            limits = f"{low} to {high}" if high is not None else f"at least {low}"
            self.add(path, f"{what} must be {limits}, not {value}")
            return None
        return value

    def flag(self, value: object, path: str, what: str) -> bool | None:
        """A boolean: true or false, nothing else."""
        if isinstance(value, bool):
            return value
        self.add(path, f"{what} must be true or false, not {kind_of(value)}")
        return None
