"""The triage protocol file checker: modifiers, what they can raise an outcome to, and check/parse/load.

Validation works as for region files (:mod:`capacity.region`): one pass collects
every problem as a :class:`~capacity.errors.ConfigError` whose ``field`` is a path
into the file (``complaints[3].questions[1].care_types[0]``); :func:`parse_protocol`
raises the first (with the count), :func:`check_protocol` returns them all. Beyond
the form of each field it checks what makes the engine total and monotone:

- questions go from most to least urgent and the default is not more urgent than
  the last question, so answering yes to an earlier question never lowers urgency;
- U0/U1 (112) and U5 (advice) outcomes have no care types, U2-U4 outcomes at least one;
- every level a modifier can raise an outcome to still has care types where it needs
  them (an advice-only outcome raised to U2-U4 uses ``raised_care_types``).

The urgencies and complaints sections are checked by :mod:`.sections`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from capacity.config_check import MISSING, kind_of, suggest
from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import check_with_care_types, default_config_dir, read_with_care_types

from .protocol import (
    DEFAULT_MODIFIER_CAP,
    MODIFIER_TYPES,
    URGENCY_IDS,
    Complaint,
    Modifier,
    ModifierType,
    TriageProtocol,
    care_types_for,
    needs_place,
    urgency_rank,
)
from .sections import SectionChecker

__all__ = [
    "TRIAGE_FILE",
    "ProtocolChecker",
    "check_protocol",
    "check_protocol_file",
    "load_protocol",
    "parse_protocol",
]

_LOGGER = logging.getLogger(__name__)

#: The protocol file, relative to :func:`capacity.region.default_config_dir`.
TRIAGE_FILE = "triage.yaml"

_TOP_KEYS = frozenset({"version", "urgencies", "modifiers", "complaints"})
_MODIFIER_KEYS = frozenset(
    {"id", "label", "type", "range", "threshold", "effect", "applies_to", "age_min", "description"}
)
_EFFECT_KEYS = frozenset({"raise", "at_least", "max"})


class ProtocolChecker(SectionChecker):
    """One pass over a parsed protocol file: collects every problem and builds the protocol on the way."""

    __slots__ = ()

    # -- modifiers

    def modifiers(self, items: list[Any], complaint_index: Mapping[str, int]) -> list[Modifier]:
        """The valid modifiers, in file order."""
        modifiers: list[Modifier] = []
        index: dict[str, int] = {}
        for i, path, item in self.entries(items, "modifiers", "a modifier", _MODIFIER_KEYS):
            mid = self.ident(item, "id", path)
            label = self.string(item, "label", path)
            mtype = self.modifier_type(item, path)
            threshold_ok, threshold, value_range = self.int_spec(item, path, mtype)
            effect = self.effect(item, path)
            applies_ok, applies_to = self.applies_to(item, path, complaint_index)
            age_ok, age_min = self.age(item, "age_min", path)
            description = self.optional_string(item, "description", path)
            if mid is None or not self.first_use(index, mid, i, "modifiers", "modifier id"):
                continue
            if (
                label is None
                or mtype is None
                or not threshold_ok
                or effect is None
                or not applies_ok
                or not age_ok
                or description is None
            ):
                continue
            raise_levels, at_least, cap = effect
            modifiers.append(
                Modifier(
                    id=mid,
                    label=label,
                    type=mtype,
                    raise_levels=raise_levels,
                    at_least=at_least,
                    cap=cap,
                    applies_to=applies_to,
                    threshold=threshold,
                    value_range=value_range,
                    age_min=age_min,
                    description=description,
                )
            )
        return modifiers

    def modifier_type(self, item: Mapping[Any, Any], path: str) -> ModifierType | None:
        """A modifier's type: bool or int."""
        value = self.get(item, "type", path)
        if value is MISSING:
            return None
        if value == "bool":
            return "bool"
        if value == "int":
            return "int"
        hint = suggest(value, MODIFIER_TYPES) if isinstance(value, str) else ""
        shown = repr(value) if isinstance(value, str) else kind_of(value)
        self.add(f"{path}.type", f"unknown modifier type {shown}{hint}; expected bool or int")
        return None

    def int_spec(
        self, item: Mapping[Any, Any], path: str, mtype: ModifierType | None
    ) -> tuple[bool, int | None, tuple[int, int] | None]:
        """(ok, threshold, range) of an int modifier; a bool one takes neither."""
        raw_range, raw_threshold = item.get("range"), item.get("threshold")
        if mtype != "int":
            ok = True
            if mtype == "bool":
                for key, value in (("range", raw_range), ("threshold", raw_threshold)):
                    if value is not None:
                        self.add(f"{path}.{key}", f"a bool modifier takes no {key}; only an int modifier does")
                        ok = False
            return ok, None, None
        value_range: tuple[int, int] | None = None
        if raw_range is None:
            self.add(f"{path}.range", "an int modifier needs range: [lowest, highest] allowed value")
        elif (
            not isinstance(raw_range, list)
            or len(raw_range) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in raw_range)
        ):
            self.add(f"{path}.range", f"range must be two whole numbers [lowest, highest], not {kind_of(raw_range)}")
        elif raw_range[0] >= raw_range[1]:
            self.add(f"{path}.range", f"range [{raw_range[0]}, {raw_range[1]}] must go from low to high")
        else:
            value_range = (raw_range[0], raw_range[1])
        threshold: int | None = None
        if raw_threshold is None:
            self.add(f"{path}.threshold", "an int modifier needs a threshold (the effect applies from it up)")
        elif value_range is not None:
            threshold = self.whole(raw_threshold, f"{path}.threshold", "threshold", *value_range)
        return value_range is not None and threshold is not None, threshold, value_range

    def effect(self, item: Mapping[Any, Any], path: str) -> tuple[int, str | None, str] | None:
        """(raise, at_least, cap) of a modifier's effect, which must raise urgency and stay under its cap."""
        raw = self.get(item, "effect", path, " (raise: N and/or at_least: Ux)")
        if raw is MISSING:
            return None
        epath = f"{path}.effect"
        effect = self.mapping(raw, epath, "effect (raise: N and/or at_least: Ux)")
        if effect is None:
            return None
        ok = self.unknown_keys(
            effect,
            _EFFECT_KEYS,
            epath,
            "effect",
            expected="a modifier can only raise urgency: expected raise, at_least, max",
        )
        raise_levels = 0
        if effect.get("raise") is not None:
            checked = self.whole(effect["raise"], f"{epath}.raise", "raise", 0, len(URGENCY_IDS) - 1)
            ok = ok and checked is not None
            raise_levels = checked or 0
        at_least: str | None = None
        if effect.get("at_least") is not None:
            at_least = self.urgency(effect["at_least"], f"{epath}.at_least", ("U1", "U2", "U3", "U4"))
            ok = ok and at_least is not None
        cap: str | None = DEFAULT_MODIFIER_CAP
        if effect.get("max") is not None:
            cap = self.urgency(effect["max"], f"{epath}.max", ("U1", "U2", "U3", "U4"))
            ok = ok and cap is not None
        if not ok or cap is None:
            return None
        if raise_levels == 0 and at_least is None:
            self.add(epath, "an effect must raise urgency: give raise: N (N >= 1) and/or at_least: Ux")
            return None
        if at_least is not None and urgency_rank(at_least) < urgency_rank(cap):
            hint = " (add max: U1 to let it escalate to 112)" if at_least == "U1" else ""
            self.add(f"{epath}.at_least", f"at_least {at_least} is above the modifier's cap {cap}{hint}")
            return None
        return raise_levels, at_least, cap

    def applies_to(
        self, item: Mapping[Any, Any], path: str, complaint_index: Mapping[str, int]
    ) -> tuple[bool, tuple[str, ...] | None]:
        """(ok, complaint ids) a modifier is limited to; absent or null: every complaint (None)."""
        raw = item.get("applies_to")
        if raw is None:
            return True, None
        ids = self.as_list(
            raw,
            f"{path}.applies_to",
            "applies_to",
            "a list of complaint ids",
            empty="applies_to is empty: list complaint ids, or leave it out to apply to every complaint",
        )
        if ids is None:
            return False, None
        if not self.known_ids(ids, f"{path}.applies_to", "complaint", complaint_index):
            return False, None
        return True, tuple(ids)

    # -- every path

    def paths(self, complaints: Mapping[str, Complaint], index: Mapping[str, int], modifiers: list[Modifier]) -> None:
        """Every level any combination of modifiers can raise any outcome to must have its care types."""
        for complaint in complaints.values():
            applicable = [m for m in modifiers if _can_apply(m, complaint)]
            for decided_by, outcome in complaint.outcomes():
                for level, chain in _reachable(outcome.urgency, applicable).items():
                    if needs_place(level) and not care_types_for(complaint, outcome, level):
                        where = "default" if decided_by == "default" else f"question {decided_by!r}"
                        self.add(
                            f"complaints[{index[complaint.id]}].raised_care_types",
                            f"the {where} outcome is {outcome.urgency} (advice, no place), but modifier "
                            f"{' then '.join(chain)} can raise it to {level}, which needs a place: "
                            "list raised_care_types",
                        )
                        break

    # -- the protocol

    def protocol(self, data: object) -> TriageProtocol | None:
        """The protocol of a parsed file; None when there is any problem."""
        root = self.mapping(data, "", "a triage protocol file")
        if root is None:
            return None
        self.unknown_keys(root, _TOP_KEYS, "", "section")
        version = ""
        if root.get("version") is not None:
            raw_version = root["version"]
            if isinstance(raw_version, str | int | float) and not isinstance(raw_version, bool):
                version = str(raw_version)
            else:
                self.add("version", f"version must be a string, not {kind_of(raw_version)}")
        urgencies = self.urgencies(self.items(root, "urgencies"))
        complaints, index = self.complaints(self.items(root, "complaints", empty="the protocol has no complaints"))
        modifiers = self.modifiers(self.items(root, "modifiers", required=False), index)
        if self.errors:
            return None
        self.paths(complaints, index, modifiers)
        if self.errors:
            return None
        return TriageProtocol(
            urgencies=MappingProxyType(urgencies),
            complaints=MappingProxyType(complaints),
            modifiers=tuple(modifiers),
            version=version,
        )


def _can_apply(modifier: Modifier, complaint: Complaint) -> bool:
    """Whether the modifier can ever count for the complaint (its list and the ages overlap)."""
    if modifier.applies_to is not None and complaint.id not in modifier.applies_to:
        return False
    return modifier.age_min is None or complaint.age_max is None or complaint.age_max >= modifier.age_min


def _reachable(start: str, modifiers: Iterable[Modifier]) -> dict[str, tuple[str, ...]]:
    """Every level some subset of ``modifiers`` (applied in order) leads ``start`` to, with one such chain."""
    reached: dict[str, tuple[str, ...]] = {start: ()}
    for modifier in modifiers:
        for level, chain in list(reached.items()):
            raised = modifier.apply(level)
            if raised not in reached:
                reached[raised] = (*chain, modifier.id)
    return reached


# --------------------------------------------------------------------------- public API


def check_protocol(data: object, care_types: Mapping[str, CareType]) -> list[ConfigError]:
    """Every problem of a parsed protocol file, each with the path of its field; empty when valid."""
    checker = ProtocolChecker(care_types)
    checker.protocol(data)
    return checker.errors


def parse_protocol(data: object, care_types: Mapping[str, CareType]) -> TriageProtocol:
    """Build the protocol of parsed data (a file's YAML, or :meth:`TriageProtocol.to_json`); raise if invalid."""
    checker = ProtocolChecker(care_types)
    return checker.built(checker.protocol(data), "the triage protocol")


def load_protocol(path: str | Path | None = None, care_types: Mapping[str, CareType] | None = None) -> TriageProtocol:
    """Read, validate and build a protocol file (default: the shipped config/triage.yaml).

    ``care_types`` defaults to the shipped (or configured) config/care_types.yaml.
    """
    file = Path(path) if path is not None else default_config_dir() / TRIAGE_FILE
    data, types = read_with_care_types(file, care_types)
    protocol = parse_protocol(data, types)
    _LOGGER.info(
        "loaded triage protocol %s from %s: %d complaints, %d modifiers",
        protocol.version or "(no version)",
        file,
        len(protocol.complaints),
        len(protocol.modifiers),
    )
    return protocol


def check_protocol_file(path: str | Path, care_types: Mapping[str, CareType] | None = None) -> list[ConfigError]:
    """Every problem of a protocol file on disk (unreadable file and bad YAML included); empty when valid."""
    return check_with_care_types(path, care_types, check_protocol)
