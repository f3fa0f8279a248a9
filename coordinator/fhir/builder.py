"""Bundle assembly: stable fullUrls and references, each resource added once, entries ordered, the Bundle itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from .codes import V3_CONFIDENTIALITY
from .datatypes import JSONDict

__all__ = ["TYPE_ORDER", "Builder"]

#: Entry order of the Bundle: the trajectory first, then the requests, then the organisations.
TYPE_ORDER = (
    "Patient",
    "EpisodeOfCare",
    "CarePlan",
    "CareTeam",
    "PractitionerRole",
    "Practitioner",
    "ServiceRequest",
    "Task",
    "Encounter",
    "Organization",
)


class Builder:
    """Collects the bundle's resources, each once, under a stable key; resolves references to fullUrls.

    The resource modules (:mod:`.patient`, :mod:`.care_team` and so on) take a builder and add
    their resources to it; the builder knows naming and identity, not what a resource holds.
    """

    def __init__(
        self,
        *,
        patient_ref: str,
        trajectory_key: str,
        providers: Mapping[str, Mapping[str, Any]],
        care_type_names: Mapping[str, str],
        region_id: str,
        base_url: str,
    ) -> None:
        self.patient_ref = patient_ref
        self.trajectory_key = trajectory_key
        self.providers = providers
        self.care_type_names = care_type_names
        self.region_id = region_id
        self.base_url = base_url.rstrip("/:")
        self._sep = ":" if self.base_url.startswith("urn:") else "/"
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.base_url}{self._sep}{region_id}")
        self._entries: dict[tuple[str, str], JSONDict] = {}

    # --- naming -----------------------------------------------------------------

    def system(self, *parts: str) -> str:
        """An identifier or code system under base_url: urn:zcc:limburg:patient-ref, https://.../limburg/hold."""
        return self._sep.join((self.base_url, *parts))

    def region_system(self, name: str) -> str:
        """An identifier system of this region: urn:zcc:<region>:<name>."""
        return self.system(self.region_id, name)

    def full_url(self, resource_type: str, key: str) -> str:
        """The urn:uuid of the resource of this type and key (uuid5, so the same input gives the same url)."""
        return f"urn:uuid:{uuid.uuid5(self._namespace, f'{resource_type}/{key}')}"

    def ref(self, resource_type: str, key: str, display: str | None = None) -> JSONDict:
        """A reference to the resource of this type and key; it must be (or become) an entry."""
        out: JSONDict = {"reference": self.full_url(resource_type, key), "type": resource_type}
        if display:
            out["display"] = display
        return out

    def coding(self, code_system: str, code: str, display: str | None = None) -> JSONDict:
        """A Coding in one of zcc's own code systems under base_url."""
        out: JSONDict = {"system": self.system(code_system), "code": code}
        if display:
            out["display"] = display
        return out

    def care_type_concept(self, care_type: str) -> JSONDict:
        """A CodeableConcept of a care type, with its Dutch name as display and text."""
        name = self.care_type_names.get(care_type, care_type)
        return {"coding": [self.coding("care-type", care_type, name)], "text": name}

    # --- entries ----------------------------------------------------------------

    def add(self, resource_type: str, key: str, body: JSONDict) -> JSONDict:
        """Add a resource (first one wins for a key) and return the reference to it."""
        if (resource_type, key) not in self._entries:
            resource: JSONDict = {
                "resourceType": resource_type,
                "id": self.full_url(resource_type, key).removeprefix("urn:uuid:"),
            }
            resource.update(body)
            self._entries[(resource_type, key)] = resource
        return self.ref(resource_type, key)

    def entry(self, resource_type: str, key: str) -> JSONDict:
        """The resource added under this type and key, to fill in an element once its target exists."""
        return self._entries[(resource_type, key)]

    # --- output -----------------------------------------------------------------

    def bundle(self, *, restricted: bool, timestamp: Any) -> JSONDict:
        """The ``collection`` Bundle of every entry; ``restricted`` adds the v3 Confidentiality R label."""
        out: JSONDict = {
            "resourceType": "Bundle",
            "id": self.full_url("Bundle", self.trajectory_key).removeprefix("urn:uuid:"),
        }
        if restricted:
            out["meta"] = {
                "security": [{"system": V3_CONFIDENTIALITY, "code": "R", "display": "restricted"}],
            }
        out["identifier"] = {"system": self.region_system("trajectory-export"), "value": self.trajectory_key}
        out["type"] = "collection"
        if timestamp:
            out["timestamp"] = timestamp
        out["entry"] = [
            {"fullUrl": self.full_url(resource_type, key), "resource": resource}
            for (resource_type, key), resource in _ordered(self._entries)
        ]
        return out


def _ordered(entries: Mapping[tuple[str, str], JSONDict]) -> Iterable[tuple[tuple[str, str], JSONDict]]:
    """Entries by resource type (trajectory first, then requests, then organisations), in insertion order within."""
    rank = {name: i for i, name in enumerate(TYPE_ORDER)}
    return sorted(entries.items(), key=lambda item: rank.get(item[0][0], len(rank)))
