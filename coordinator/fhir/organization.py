"""The Organizations of the export: providers of the region, the ZCC itself and care-team organisations.

Provider organisations are referenced as ``Organization`` directly, not through a
Location, as the Nictiz Acute Zorg IG does; an organisation type is text and a zcc
code (no national code).
"""

from __future__ import annotations

from .builder import Builder
from .codes import PROVIDER_KIND_LABEL
from .datatypes import JSONDict

__all__ = ["care_team_org", "provider", "zcc"]


def provider(b: Builder, provider_id: str) -> JSONDict:
    """A reference to the provider's Organization (name and kind from the providers table), added once."""
    info = b.providers.get(provider_id) or {}
    body: JSONDict = {
        "identifier": [{"system": b.region_system("provider"), "value": provider_id}],
        "active": True,
    }
    kind = info.get("kind")
    if isinstance(kind, str):
        label = PROVIDER_KIND_LABEL.get(kind, kind)
        body["type"] = [{"coding": [b.coding("provider-kind", kind, label)], "text": label}]
    name = info.get("name")
    if isinstance(name, str):
        body["name"] = name
    ref = b.add("Organization", f"provider/{provider_id}", body)
    if isinstance(name, str):
        ref["display"] = name
    return ref


def zcc(b: Builder) -> JSONDict:
    """A reference to the Organization of this region's ZCC, the requester of every referral."""
    name = f"Zorgcoördinatiecentrum ROAZ-regio {b.region_id}"
    ref = b.add(
        "Organization",
        f"zcc/{b.region_id}",
        {
            "identifier": [{"system": b.system("region"), "value": b.region_id}],
            "active": True,
            "type": [{"text": "Zorgcoördinatiecentrum (ZCC)"}],
            "name": name,
        },
    )
    ref["display"] = name
    return ref


def care_team_org(b: Builder, name: str) -> JSONDict:
    """A reference to the Organization of a care-team member, one per name."""
    ref = b.add("Organization", f"care-team/{name}", {"active": True, "name": name})
    ref["display"] = name
    return ref
