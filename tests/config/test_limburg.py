"""The shipped ROAZ Limburg region: its providers, towns and eligibility, and opening hours on the local clock."""

from __future__ import annotations

from collections import Counter

import pytest

from capacity.model import Region
from capacity.region import check_region_file, default_config_dir

from .helpers import AMS, local, utc


def test_limburg_loads_with_its_providers(limburg: Region) -> None:
    assert limburg.id == "limburg"
    assert limburg.timezone == "Europe/Amsterdam"
    towns = [loc for loc in limburg.locations.values() if loc.kind == "town"]
    assert len(towns) == 31
    assert 120 <= len(limburg.roads) <= 200
    kinds = Counter(p.kind for p in limburg.providers.values())
    hospitals_with_seh = [p for p in limburg.providers.values() if p.kind == "hospital" and "seh" in p.offers]
    assert len(hospitals_with_seh) == 6
    assert all(sum(ct.startswith("admission_") for ct in p.offers) >= 3 for p in hospitals_with_seh), (
        "every hospital admits to several specialties"
    )
    assert kinds["hap"] == 6, "one post per hospital; HAP Venray closed in 2021, Kerkrade has none"
    assert 22 <= kinds["vvt"] <= 28
    assert kinds["ggz"] == 3
    ggz_always = [p.id for p in limburg.providers.values() if p.kind == "ggz" and p.hours.always]
    assert len(ggz_always) == 1
    assert limburg.providers["vvt-venlo-2"].offers["elv_hoog"].total == 12


def test_the_hospitals_sit_at_their_real_addresses(limburg: Region) -> None:
    """Named as they are, at their own sites, not at a town centre; each GP post sits at a hospital."""
    names = {p.name for p in limburg.providers.values() if p.kind == "hospital"}
    assert names == {
        "Maastricht UMC+",
        "Zuyderland Medisch Centrum Heerlen",
        "Zuyderland Medisch Centrum Sittard-Geleen",
        "Laurentius Ziekenhuis Roermond",
        "VieCuri Medisch Centrum Venlo",
        "SJG Weert",
    }
    mumc = limburg.providers["zh-maastricht"]
    site = limburg.locations[mumc.location]
    assert site.kind == "site" and mumc.address.startswith("P. Debyelaan 25")
    assert site.lat == pytest.approx(50.834, abs=0.005) and site.lon == pytest.approx(5.709, abs=0.005)
    hospital_sites = {p.location for p in limburg.providers.values() if p.kind == "hospital"}
    assert {p.location for p in limburg.providers.values() if p.kind == "hap"} == hospital_sites
    assert limburg.providers["hap-venlo"].location == limburg.providers["zh-venlo"].location
    assert "hap-venray" not in limburg.providers


def test_every_provider_has_a_contact_marked_fictitious(limburg: Region) -> None:
    for p in limburg.providers.values():
        assert p.contact is not None, p.id
        assert p.contact.fictitious and p.contact.phone.startswith("088 000 0"), p.id
        assert p.contact.desk


def test_limburg_every_town_has_people_and_coordinates(limburg: Region) -> None:
    assert 1_000_000 < sum(loc.population for loc in limburg.locations.values()) < 1_250_000
    assert all(loc.population == 0 for loc in limburg.locations.values() if loc.kind != "town")
    assert limburg.locations["maastricht"].lat == pytest.approx(50.85, abs=0.01)
    assert limburg.locations["venlo"].lon == pytest.approx(6.17, abs=0.01)


def test_limburg_eligibility_is_kept(limburg: Region) -> None:
    offers = [o for _, o in limburg.offers()]
    assert any(o.care_type == "crisis_bed" and o.eligibility.get("psychogeriatric") for o in offers)
    assert any(o.care_type == "crisis_bed" and o.eligibility.get("requires_wlz") for o in offers)
    assert any(o.care_type == "elv_laag" and o.eligibility.get("must_return_home") for o in offers)
    home = [o for o in offers if o.care_type == "ggz_intensive_home"]
    assert home
    assert all(o.eligibility == {"min_age": 18, "max_age": 60} for o in home)


def test_hap_open_evenings_nights_and_weekends(limburg: Region) -> None:
    hours = limburg.providers["hap-weert"].hours_for("hap_consult")
    assert not hours.always
    assert hours.is_open(local(2026, 11, 24, 22, 0), AMS)  # Tuesday evening
    assert hours.is_open(local(2026, 11, 25, 3, 0), AMS)  # Tuesday night, past midnight
    assert not hours.is_open(local(2026, 11, 24, 11, 0), AMS)  # Tuesday office hours
    assert not hours.is_open(local(2026, 11, 24, 16, 59), AMS)
    assert hours.is_open(local(2026, 11, 24, 17, 0), AMS)
    assert not hours.is_open(local(2026, 11, 25, 8, 0), AMS)
    assert hours.is_open(local(2026, 11, 28, 11, 0), AMS)  # Saturday
    assert hours.is_open(local(2026, 11, 29, 15, 0), AMS)  # Sunday
    assert hours.is_open(local(2026, 11, 30, 7, 59), AMS)  # Monday early morning, still the weekend shift
    assert not hours.is_open(local(2026, 11, 30, 8, 0), AMS)


def test_night_team_works_from_23_to_7(limburg: Region) -> None:
    provider = limburg.providers["vvt-venlo-1"]
    night = provider.hours_for("wijkverpleging_spoed")
    assert provider.hours.always
    assert not night.always
    assert night.is_open(local(2026, 11, 25, 2, 0), AMS)  # Wednesday 02:00
    assert not night.is_open(local(2026, 11, 25, 12, 0), AMS)  # Wednesday noon
    assert night.is_open(local(2026, 11, 25, 23, 0), AMS)
    assert not night.is_open(local(2026, 11, 25, 7, 0), AMS)
    # The beds of the same provider follow its own 24/7 hours.
    assert provider.hours_for("elv_laag").is_open(local(2026, 11, 25, 12, 0), AMS)


def test_hours_follow_summer_time(limburg: Region) -> None:
    hap = limburg.providers["hap-maastricht"].hours
    night = limburg.providers["vvt-maastricht-1"].hours_for("wijkverpleging_spoed")
    # Summer time starts Sunday 2026-03-29 (UTC+1 -> UTC+2).
    assert hap.is_open(utc(2026, 3, 30, 5, 30), AMS)  # Monday 07:30 CEST
    assert not hap.is_open(utc(2026, 3, 30, 6, 30), AMS)  # Monday 08:30 CEST (07:30 in UTC+1)
    assert night.is_open(utc(2026, 3, 29, 1, 30), AMS)  # 03:30 CEST, the hour after the jump
    assert not night.is_open(utc(2026, 3, 29, 5, 30), AMS)  # 07:30 CEST
    assert not hap.is_open(utc(2026, 3, 27, 15, 30), AMS)  # Friday 16:30 CET
    assert hap.is_open(utc(2026, 3, 27, 16, 0), AMS)  # Friday 17:00 CET
    # Summer time ends Sunday 2026-10-25 (UTC+2 -> UTC+1).
    assert hap.is_open(utc(2026, 10, 26, 6, 30), AMS)  # Monday 07:30 CET
    assert not hap.is_open(utc(2026, 10, 26, 7, 30), AMS)  # Monday 08:30 CET
    assert night.is_open(utc(2026, 10, 25, 5, 30), AMS)  # 06:30 CET
    assert not night.is_open(utc(2026, 10, 25, 6, 30), AMS)  # 07:30 CET
    assert night.is_open(utc(2026, 10, 25, 0, 30), AMS)  # 02:30 CEST, the first of the two 02:30s
    assert night.is_open(utc(2026, 10, 25, 1, 30), AMS)  # 02:30 CET, the second


def test_ggz_daytime_service_is_closed_at_night_but_its_beds_admit(limburg: Region) -> None:
    ggz = limburg.providers["ggz-venlo"]
    assert ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 24, 10, 0), AMS)
    assert not ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 24, 23, 0), AMS)
    assert not ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 28, 10, 0), AMS)
    assert ggz.hours_for("ggz_crisis_bed").is_open(local(2026, 11, 24, 23, 0), AMS)


def test_check_region_file_accepts_the_shipped_region() -> None:
    assert check_region_file(default_config_dir() / "regions" / "limburg.yaml") == []
