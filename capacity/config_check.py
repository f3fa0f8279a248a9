"""Shared checks for configuration files: reading them and validating their fields.

Region and care-type files (:mod:`capacity.region`) and the triage protocol
(:mod:`coordinator.triage.protocol`) read and report alike: duplicate keys are
refused in YAML and JSON, every problem is a :class:`~capacity.errors.ConfigError`
whose ``field`` is a path into the file, wrong values are worded "must be X, not Y"
and unknown names get a "did you mean" hint. :class:`FieldChecker` holds the field
helpers both checkers build on; :func:`read_config_file` parses one file.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

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

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []
        # Fields with a problem already, so a consequence is not reported twice.
        self.reported: set[str | None] = set()

    def add(self, field: str | None, detail: str) -> None:
        """Report one problem at ``field``."""
        self.errors.append(ConfigError(detail, field=field))
        self.reported.add(field)

    def mapping(self, value: object, path: str | None, what: str) -> Mapping[Any, Any] | None:
        """``value`` if it is a mapping; else reported at ``path`` as ``what``."""
        if isinstance(value, Mapping):
            return value
        self.add(path, f"{what} must be a mapping, not {kind_of(value)}")
        return None

    def unknown_keys(self, item: Mapping[Any, Any], allowed: frozenset[str], path: str, what: str = "field") -> None:
        """Report every key of ``item`` not in ``allowed``, with a hint at the closest allowed one."""
        for key in item:
            if key not in allowed:
                hint = suggest(key, allowed) if isinstance(key, str) else ""
                where = f"{path}.{key}" if path else str(key)
                self.add(where, f"unknown {what} {key!r}{hint}; expected {', '.join(sorted(allowed))}")

    def get(self, item: Mapping[Any, Any], key: str, path: str, hint: str = "") -> Any:
        """A required field's value, or :data:`MISSING` (reported) when absent."""
        value = item.get(key, MISSING)
        if value is MISSING:
            self.add(f"{path}.{key}", f"missing required field {key!r}{hint}")
        return value

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

    def items(self, data: Mapping[Any, Any], key: str, *, required: bool = True) -> list[Any]:
        """The list of a top-level section ``key`` (reported at ``key``); empty when absent or wrong."""
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            if required:
                self.add(key, f"missing required section {key!r} (a list)")
            return []
        if not isinstance(value, list):
            self.add(key, f"{key} must be a list, not {kind_of(value)}")
            return []
        return value
