"""EDXL-HAVE 2.0's namespace and code lists as zcc uses them, and the bed type -> care type map."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from capacity.errors import ConfigError
from capacity.region.paths import default_config_dir

__all__ = ["BED_TYPES", "EMS_TRAFFIC_STATUS", "HAVE_NAMESPACES", "HAVE_NS", "load_bed_map"]

#: The namespace of EDXL-HAVE 2.0 (as its schema declares it).
HAVE_NS = "urn:oasis:names:tc:emergency:edxl:have:2.0"
#: Namespaces read: 2.0 as declared, and the capitalised form some senders use.
HAVE_NAMESPACES = frozenset({HAVE_NS, "urn:oasis:names:tc:emergency:EDXL:HAVE:2.0"})
#: EMSTrafficStatus: Normal (accepting all EMS traffic), Advisory (resource limits may affect some EMS
#: traffic), Closed (requesting re-route of EMS traffic), NotApplicable (no emergency department).
EMS_TRAFFIC_STATUS = ("Normal", "Advisory", "Closed", "NotApplicable")
#: BedType: the specification's code list.
BED_TYPES = (
    "AdultICU",
    "PediatricICU",
    "NeonatalICU",
    "EmergencyDepartment",
    "NurseryBeds",
    "MedicalSurgical",
    "RehabLongTermCare",
    "Burn",
    "Pediatrics",
    "AdultPsychiatric",
    "PediatricPsychiatric",
    "NegativeFlowIsolation",
    "OtherIsolation",
    "OperatingRooms",
)


@cache
def load_bed_map(path: Path | None = None) -> Mapping[str, str]:
    """Bed type -> care type (default ``config/interop/have_beds.yaml``); ConfigError when malformed."""
    path = path or default_config_dir() / "interop" / "have_beds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    beds = data.get("bed_types") or {}
    if not isinstance(beds, dict):
        raise ConfigError(f"{path}: bed_types must be a mapping")
    unknown = sorted(set(beds) - set(BED_TYPES))
    if unknown:
        raise ConfigError(f"{path}: unknown bed types {', '.join(unknown)}; EDXL-HAVE 2.0 has {', '.join(BED_TYPES)}")
    return {str(k): str(v) for k, v in beds.items()}
