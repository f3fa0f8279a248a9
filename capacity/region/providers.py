"""The providers of a region file: their kind, location, hours and offers of care types with eligibility."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from capacity.config_check import MISSING, kind_of, suggest
from capacity.model import FEED_FORMATS, KINDS, CareType, Contact, Feed, Hours, Provider, ProviderOffer

from .hours import HoursChecker

__all__ = ["ProviderChecker"]

_PROVIDER_KEYS = frozenset({"id", "name", "kind", "location", "hours", "care_types", "address", "contact", "feed"})
_FEED_KEYS = frozenset({"url", "format", "every_seconds", "token_env"})
_CONTACT_KEYS = frozenset({"phone", "desk", "fictitious"})
# A phone number as people write it: digits with spaces or dashes, an optional leading +.
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,22}[0-9]")
_OFFER_KEYS = frozenset({"total", "hours", "eligibility"})
# Eligibility criteria whose type we know; other keys pass through for the matcher.
_ELIGIBILITY_AGES = ("min_age", "max_age")
_ELIGIBILITY_FLAGS = ("psychogeriatric", "requires_wlz", "must_return_home")


class ProviderChecker(HoursChecker):
    """The checks of a region's providers and what they offer."""

    __slots__ = ()

    def providers(
        self,
        items: list[Any],
        location_index: Mapping[str, int],
        care_types: Mapping[str, CareType],
        junctions: Collection[str] = (),
    ) -> dict[str, Provider]:
        """The valid providers by id (none may sit at a road junction: nobody is treated there)."""
        providers: dict[str, Provider] = {}
        index: dict[str, int] = {}
        for i, path, item in self.entries(items, "providers", "a provider", _PROVIDER_KEYS):
            provider_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            kind = self.string(item, "kind", path)
            if kind is not None and kind not in KINDS:
                self.add(
                    f"{path}.kind",
                    f"unknown provider kind {kind!r}{suggest(kind, KINDS)}; expected one of {', '.join(KINDS)}",
                )
                kind = None
            location = self.ident(item, "location", path)
            if location is not None and location not in location_index:
                self.add(f"{path}.location", f"unknown location {location!r}: not among the region's locations")
                location = None
            elif location is not None and location in junctions:
                self.add(
                    f"{path}.location", f"location {location!r} is a road junction: a provider sits at a town or site"
                )
                location = None
            hours = self.field(item, "hours", path, self.hours)
            offers = self.offers(item, path, kind, care_types)
            address = self.optional_string(item, "address", path)
            contact_ok, contact = self.contact(item.get("contact"), f"{path}.contact")
            feed_ok, feed = self.feed(item.get("feed"), f"{path}.feed")
            if provider_id is None or not self.first_use(index, provider_id, i, "providers", "provider id"):
                continue
            if (
                name is not None
                and kind is not None
                and location is not None
                and hours is not None
                and offers is not None
                and address is not None
                and contact_ok
                and feed_ok
            ):
                providers[provider_id] = Provider(
                    id=provider_id,
                    name=name,
                    kind=kind,
                    location=location,
                    offers=offers,
                    hours=hours,
                    address=address,
                    contact=contact,
                    feed=feed,
                )
        return providers

    def feed(self, value: object, path: str) -> tuple[bool, Feed | None]:
        """(valid, feed) of a provider's optional ``feed: {url, format, every_seconds?, token_env?}``."""
        if value is None:
            return True, None
        item = self.mapping(value, path, "feed (url, format, every_seconds, token_env)")
        if item is None:
            return False, None
        ok = self.unknown_keys(item, _FEED_KEYS, path)
        url = self.string(item, "url", path)
        if url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            self.add(f"{path}.url", f"url {url!r} must be an http:// or https:// address")
            url = None
        fmt = self.string(item, "format", path)
        if fmt is not None and fmt not in FEED_FORMATS:
            self.add(f"{path}.format", f"unknown feed format {fmt!r}; expected one of {', '.join(FEED_FORMATS)}")
            fmt = None
        every: float | None = 300.0
        if "every_seconds" in item:
            every = self.number(item, "every_seconds", path)
            if every is not None and not 1 <= every <= 86400:
                self.add(f"{path}.every_seconds", f"every_seconds must be 1 to 86400, not {every:g}")
                every = None
        token_env = None
        if "token_env" in item:
            token_env = self.string(item, "token_env", path)
            if token_env is not None and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", token_env):
                self.add(
                    f"{path}.token_env", f"token_env {token_env!r} must name an environment variable (A-Z, 0-9, _)"
                )
                token_env = None
            ok = ok and token_env is not None
        if not ok or url is None or fmt is None or every is None:
            return False, None
        return True, Feed(url=url, format=fmt, every_seconds=every, token_env=token_env)

    def contact(self, value: object, path: str) -> tuple[bool, Contact | None]:
        """(valid, contact) of a provider's optional ``contact: {phone, desk?, fictitious?}``; None when absent."""
        if value is None:
            return True, None
        item = self.mapping(value, path, "contact (phone, desk, fictitious)")
        if item is None:
            return False, None
        ok = self.unknown_keys(item, _CONTACT_KEYS, path)
        phone = self.string(item, "phone", path)
        if phone is not None and not _PHONE.fullmatch(phone.strip()):
            self.add(f"{path}.phone", f"phone {phone!r} must be digits with spaces or dashes, e.g. '088 000 1234'")
            phone = None
        desk = self.optional_string(item, "desk", path)
        fictitious: bool | None = False
        if "fictitious" in item:
            fictitious = self.flag(item["fictitious"], f"{path}.fictitious", "fictitious")
        if not ok or phone is None or desk is None or fictitious is None:
            return False, None
        return True, Contact(phone=phone.strip(), desk=desk, fictitious=fictitious)

    def offers(
        self,
        item: Mapping[Any, Any],
        path: str,
        kind: str | None,
        care_types: Mapping[str, CareType],
    ) -> dict[str, ProviderOffer] | None:
        """A provider's offers by care type: each a known care type its kind may offer."""
        raw = self.get(item, "care_types", path)
        if raw is MISSING:
            return None
        mapping = self.mapping(raw, f"{path}.care_types", "care_types (care type: total)")
        if mapping is None:
            return None
        if not mapping:
            self.add(f"{path}.care_types", "a provider must offer at least one care type")
            return None
        offers: dict[str, ProviderOffer] = {}
        ok = True
        for ct_id, spec in mapping.items():
            if not isinstance(ct_id, str):
                self.add(f"{path}.care_types", f"care type ids are strings, not {kind_of(ct_id)}")
                ok = False
                continue
            cpath = f"{path}.care_types.{ct_id}"
            care_type = care_types.get(ct_id)
            if care_type is None:
                self.add(cpath, f"unknown care type {ct_id!r}{suggest(ct_id, care_types)}")
                ok = False
            elif kind is not None and kind not in care_type.kinds:
                self.add(
                    cpath,
                    f"care type {ct_id!r} cannot be offered by a provider of kind {kind!r} "
                    f"(only by {', '.join(sorted(care_type.kinds))})",
                )
                ok = False
            offer = self.offer(ct_id, spec, cpath)
            if offer is None:
                ok = False
            else:
                offers[ct_id] = offer
        return offers if ok else None

    def offer(self, ct_id: str, spec: object, cpath: str) -> ProviderOffer | None:
        """One offer: a total, or ``{total, hours?, eligibility?}``."""
        if isinstance(spec, int) and not isinstance(spec, bool):
            short = self.count(spec, cpath, "total")
            return None if short is None else ProviderOffer(care_type=ct_id, total=short)
        if not isinstance(spec, Mapping):
            self.add(
                cpath,
                f"must be a total (a whole number) or a mapping with total, hours, eligibility, not {kind_of(spec)}",
            )
            return None
        self.unknown_keys(spec, _OFFER_KEYS, cpath)
        total = self.field(spec, "total", cpath, lambda value, vpath: self.count(value, vpath, "total"))
        hours: Hours | None = None
        hours_ok = True
        if "hours" in spec:
            hours = self.hours(spec["hours"], f"{cpath}.hours")
            hours_ok = hours is not None
        eligibility: dict[str, Any] | None = {}
        if "eligibility" in spec:
            eligibility = self.eligibility(spec["eligibility"], f"{cpath}.eligibility")
        if total is None or not hours_ok or eligibility is None:
            return None
        return ProviderOffer(care_type=ct_id, total=total, hours=hours, eligibility=eligibility)

    def eligibility(self, value: object, path: str) -> dict[str, Any] | None:
        """An offer's eligibility criteria; ages and flags are checked, other criteria pass through."""
        if not isinstance(value, Mapping):
            self.add(
                path,
                f"eligibility must be a mapping of criteria such as {{min_age: 18}}, not {kind_of(value)}",
            )
            return None
        ok = True
        for key, criterion in value.items():
            if not isinstance(key, str):
                self.add(path, f"eligibility criteria are named by strings, not {kind_of(key)}")
                ok = False
            elif key in _ELIGIBILITY_AGES:
                ok = self.count(criterion, f"{path}.{key}", key) is not None and ok
            elif key in _ELIGIBILITY_FLAGS:
                ok = self.flag(criterion, f"{path}.{key}", key) is not None and ok
        low, high = value.get("min_age"), value.get("max_age")
        if ok and isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(f"{path}.max_age", f"max_age {high} is below min_age {low}")
            ok = False
        return dict(value) if ok else None
