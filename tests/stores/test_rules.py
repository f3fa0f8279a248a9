"""The capacity rules as functions: reports, taking a unit, ending holds, stops, record versions, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from capacity.errors import Conflict, IdempotencyMismatch, InvalidInput, InvalidTransition, NotFound, PlaceGone
from capacity.rules import (
    apply_report,
    check_fingerprint,
    confirm,
    end_hold,
    next_doc_version,
    next_status,
    release,
    release_status,
    take_unit,
    unknown_hold,
)
from capacity.state import CapacityEntry, CapacityUpdate, Hold, HoldStatus, ProviderStatus

NOW = datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC)
MS = datetime(2026, 3, 2, 8, 0, 0, 123000, tzinfo=UTC)  # NOW as a store keeps it


def entry(available: int = 3, held: int = 0, *, fresh: bool = True, version: int = 4) -> CapacityEntry:
    """An entry of vvt-a elv_hoog of 5, reported a minute ago, valid for an hour (or expired)."""
    reported = NOW - timedelta(minutes=1 if fresh else 120)
    return CapacityEntry("vvt-a", "elv_hoog", 5, available, held, reported, reported + timedelta(hours=1), version)


def hold(minutes: int = 15, status: HoldStatus = "held") -> Hold:
    """A hold on vvt-a elv_hoog taken now."""
    return Hold("h1", "vvt-a", "elv_hoog", "r1", NOW, NOW + timedelta(minutes=minutes), status)


def report(available: int, total: int, at: datetime) -> CapacityUpdate:
    """A report of vvt-a elv_hoog valid for an hour."""
    return CapacityUpdate("vvt-a", "elv_hoog", available, total, at, timedelta(hours=1))


# -- reports --------------------------------------------------------------------------------


def test_a_report_replaces_availability_and_total_and_keeps_the_holds() -> None:
    status, new = apply_report(entry(held=2), report(1, 8, NOW))
    assert status == "applied" and new is not None
    assert (new.available, new.total, new.held, new.version) == (1, 8, 2, 5)
    assert (new.reported_at, new.valid_until) == (MS, MS + timedelta(hours=1))  # milliseconds, as stored


def test_an_older_report_is_ignored_an_equally_old_one_applied() -> None:
    current = entry()
    assert current.reported_at is not None
    assert apply_report(current, report(0, 5, current.reported_at - timedelta(milliseconds=1))) == (
        "stale_ignored",
        None,
    )
    # within the same millisecond counts as equally old
    status, _ = apply_report(current, report(0, 5, current.reported_at - timedelta(microseconds=100)))
    assert status == "applied"


def test_a_report_of_an_offer_without_entry_creates_it() -> None:
    status, new = apply_report(None, report(2, 3, NOW))
    assert status == "applied" and new is not None
    assert (new.available, new.total, new.held, new.version) == (2, 3, 0, 1)


def test_an_unreported_entry_takes_any_report() -> None:
    seeded = CapacityEntry("vvt-a", "elv_hoog", 5)
    status, new = apply_report(seeded, report(4, 5, NOW - timedelta(days=3)))
    assert status == "applied" and new is not None and new.version == 1


# -- taking a unit ------------------------------------------------------------------------------


def test_taking_a_unit_holds_one_more() -> None:
    new = take_unit(entry(available=3, held=2), None, hold(), NOW)
    assert (new.available, new.held, new.version) == (3, 3, 5)


def test_no_unit_is_taken_when_none_is_free_stale_or_stopped() -> None:
    with pytest.raises(PlaceGone, match="no free elv_hoog left at vvt-a"):
        take_unit(entry(available=2, held=2), None, hold(), NOW)
    with pytest.raises(PlaceGone, match="no free"):
        take_unit(entry(available=1, held=2), None, hold(), NOW)  # a report below the held count
    with pytest.raises(PlaceGone, match="capacity of vvt-a elv_hoog is stale"):
        take_unit(entry(fresh=False), None, hold(), NOW)
    with pytest.raises(PlaceGone, match="stale"):
        take_unit(CapacityEntry("vvt-a", "elv_hoog", 5), None, hold(), NOW)  # never reported
    stop = ProviderStatus("vvt-a", "stop", "vol", NOW + timedelta(hours=1), NOW)
    with pytest.raises(PlaceGone, match="vvt-a is under a stop"):
        take_unit(entry(), stop, hold(), NOW)
    with pytest.raises(PlaceGone, match="under a stop"):
        take_unit(entry(), ProviderStatus("vvt-a", "stop", "vol", None, NOW), hold(), NOW)  # open-ended


def test_a_stop_that_ran_out_or_an_open_status_does_not_block() -> None:
    ran_out = ProviderStatus("vvt-a", "stop", "vol", NOW, NOW - timedelta(hours=1))
    assert take_unit(entry(), ran_out, hold(), NOW).held == 1
    assert take_unit(entry(), ProviderStatus("vvt-a"), hold(), NOW).held == 1


def test_an_unknown_offer_is_not_found() -> None:
    with pytest.raises(NotFound, match="vvt-a offers no elv_hoog") as info:
        take_unit(None, None, hold(), NOW)
    assert info.value.field == "care_type"


def test_the_order_of_refusals_is_stop_then_stale_then_full() -> None:
    stop = ProviderStatus("vvt-a", "stop", "vol", None, NOW)
    with pytest.raises(PlaceGone, match="stop"):
        take_unit(entry(available=0, fresh=False), stop, hold(), NOW)
    with pytest.raises(PlaceGone, match="stale"):
        take_unit(entry(available=0, fresh=False), None, hold(), NOW)


# -- ending holds -------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "available"), [("confirmed", 2), ("released", 3), ("expired", 3)])
def test_ending_a_hold_gives_its_unit_back_and_a_confirmation_consumes_it(status: HoldStatus, available: int) -> None:
    ended, new = end_hold(entry(available=3, held=1), hold(), status, NOW)
    assert (ended.status, ended.ended_at) == (status, MS)
    assert (new.available, new.held, new.version) == (available, 0, 5)


def test_ending_never_goes_below_zero() -> None:
    _, new = end_hold(entry(available=0, held=0), hold(), "confirmed", NOW)
    assert (new.available, new.held) == (0, 0)


def test_confirm_in_time_places() -> None:
    end = confirm(entry(held=1), hold(), NOW + timedelta(minutes=14))
    assert end.changed and end.refused is None and end.hold.status == "confirmed"
    assert (end.entry.available, end.entry.held) == (2, 0)


def test_confirm_after_the_hold_time_expires_it_and_refuses() -> None:
    end = confirm(entry(held=1), hold(minutes=15), NOW + timedelta(minutes=15))
    assert end.changed and end.hold.status == "expired"
    assert (end.entry.available, end.entry.held) == (3, 0)  # the unit is given back, not consumed
    assert isinstance(end.refused, InvalidTransition)
    assert end.refused.detail == "the hold expired before it was confirmed"


def test_confirm_is_idempotent_and_refuses_ended_holds() -> None:
    done = hold(status="confirmed")
    end = confirm(entry(), done, NOW + timedelta(hours=1))
    assert not end.changed and end.hold is done and end.refused is None
    for status in ("released", "expired"):
        with pytest.raises(InvalidTransition, match=f"the hold was {status} and cannot be confirmed"):
            confirm(entry(), hold(status=status), NOW)


def test_release_is_idempotent_for_the_same_status_only() -> None:
    end = release(entry(held=1), hold(), "released", NOW)
    assert end.changed and end.hold.status == "released" and end.entry.held == 0
    again = release(end.entry, end.hold, "released", NOW)
    assert not again.changed and again.hold is end.hold
    with pytest.raises(InvalidTransition, match="the hold was already released"):
        release(end.entry, end.hold, "expired", NOW)
    with pytest.raises(InvalidTransition, match="the hold was already confirmed"):
        release(entry(), hold(status="confirmed"), "released", NOW)


def test_a_release_ends_as_released_or_expired_only() -> None:
    assert release_status("released") == "released"
    assert release_status("expired") == "expired"
    with pytest.raises(InvalidInput) as info:
        release_status("confirmed")
    assert info.value.field == "status"


def test_an_unknown_hold_is_not_found() -> None:
    assert unknown_hold("h9").detail == "no hold h9"


# -- stops, record versions, idempotency keys ------------------------------------------------------


def test_a_status_gets_the_next_version_in_milliseconds() -> None:
    first = next_status(None, ProviderStatus("zh-e", "stop", "SEH vol", NOW + timedelta(hours=1), NOW))
    assert (first.version, first.set_at, first.until) == (1, MS, MS + timedelta(hours=1))
    assert next_status(first, ProviderStatus("zh-e", "open", "", None, NOW)).version == 2


def test_record_versions_are_compared_and_set() -> None:
    assert next_doc_version("r1", None, None) == 1
    assert next_doc_version("r1", 3, 3) == 4
    with pytest.raises(Conflict, match="r1 exists already"):
        next_doc_version("r1", 1, None)
    with pytest.raises(NotFound, match="no record r1"):
        next_doc_version("r1", None, 1)
    with pytest.raises(Conflict, match=r"r1 was changed meanwhile \(version 4\); read it again"):
        next_doc_version("r1", 4, 3)


def test_a_key_again_with_another_body_is_refused() -> None:
    check_fingerprint("fp", "fp")
    with pytest.raises(IdempotencyMismatch) as info:
        check_fingerprint("fp", "other")
    assert info.value.field == "Idempotency-Key"
