"""RecordStore contract: request and trajectory records as JSON text, compare-and-set, with their events."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from capacity.clock import utcnow
from capacity.errors import Conflict, NotFound
from capacity.store import Document, DocWrite, LogEvent, Stores, Trail


async def test_request_records_are_created_once_and_updated_by_version(stores: Stores) -> None:
    records = stores.records
    now = utcnow()
    mark = (await stores.capacity.snapshot()).last_event_id
    created = LogEvent("request.created", {"request_id": "r1"})
    v1 = await records.put_request(
        DocWrite("r1", '{"id":"r1","status":"open"}', None, "o1", now, event=created), open_=True
    )
    assert v1 == 1
    with pytest.raises(Conflict, match="r1 exists already"):
        await records.put_request(DocWrite("r1", '{"id":"r1"}', None, "o2", now), open_=True)
    reserved = DocWrite("r1", '{"id":"r1","status":"reserved"}', 1, "o3", now)
    assert await records.put_request(reserved, open_=True) == 2
    # a retry of the same op answers the same, a stale version is refused
    assert await records.put_request(reserved, open_=True) == 2
    with pytest.raises(Conflict, match=r"r1 was changed meanwhile \(version 2\)"):
        await records.put_request(DocWrite("r1", '{"id":"r1","status":"x"}', 1, "o4", now), open_=True)
    assert await records.get_request("r1") == Document('{"id":"r1","status":"reserved"}', 2)
    later = now + timedelta(seconds=1)
    await records.put_request(DocWrite("r2", '{"id":"r2"}', None, "o5", later), open_=True)
    assert [d.body for d in await records.list_requests()] == ['{"id":"r1","status":"reserved"}', '{"id":"r2"}']
    await records.put_request(DocWrite("r1", '{"id":"r1","status":"placed"}', 2, "o6", later), open_=False)
    assert [d.body for d in await records.list_requests()] == ['{"id":"r2"}']
    assert [(d.body, d.version) for d in await records.list_requests(open_only=False)] == [
        ('{"id":"r1","status":"placed"}', 3),
        ('{"id":"r2"}', 1),
    ]
    assert await records.get_request("nope") is None
    events = await stores.events.events_after(mark)
    assert [(e.type, dict(e.data)) for e in events] == [("request.created", {"request_id": "r1"})]


async def test_an_update_of_an_unknown_request_is_not_found(stores: Stores) -> None:
    with pytest.raises(NotFound, match="no record r7"):
        await stores.records.put_request(DocWrite("r7", "{}", 3, "o1", utcnow()), open_=True)
    assert await stores.records.get_request("r7") is None


async def test_a_retried_create_answers_the_first_version(stores: Stores) -> None:
    create = DocWrite("r1", '{"id":"r1"}', None, "o1", utcnow(), event=LogEvent("request.created", {}))
    assert await stores.records.put_request(create, open_=True) == 1
    mark = (await stores.capacity.snapshot()).last_event_id
    assert await stores.records.put_request(create, open_=True) == 1
    assert await stores.events.events_after(mark) == []


async def test_requests_are_listed_oldest_first_by_creation_time(stores: Stores) -> None:
    records = stores.records
    now = utcnow()
    for i, (rid, minutes) in enumerate([("a", 5), ("c", 1), ("b", 3)]):
        await records.put_request(
            DocWrite(rid, f'"{rid}"', None, f"o{i}", now - timedelta(minutes=minutes)), open_=True
        )
    # an update later does not move a record
    await records.put_request(DocWrite("a", '"a2"', 1, "o9", now + timedelta(minutes=1)), open_=True)
    assert [d.body for d in await records.list_requests()] == ['"a2"', '"b"', '"c"']
    assert [d.body for d in await records.list_requests(open_only=False)] == ['"a2"', '"b"', '"c"']


async def test_a_record_body_is_stored_and_returned_as_given(stores: Stores) -> None:
    body = '{ "z": 1,\n  "a": [1, 2.50, "ë"], "n": null }'
    await stores.records.put_request(DocWrite("r1", body, None, "o1", utcnow()), open_=True)
    got = await stores.records.get_request("r1")
    assert got is not None and got.body == body
    await stores.records.put_trajectory(DocWrite("p-1", body, None, "o2", utcnow()))
    assert (await stores.records.get_trajectory("p-1")).record == Document(body, 1)


async def test_concurrent_updates_of_one_request_let_exactly_one_win(stores: Stores) -> None:
    records = stores.records
    now = utcnow()
    await records.put_request(DocWrite("r9", '{"id":"r9"}', None, "c0", now), open_=True)

    async def update(i: int) -> bool:
        try:
            await records.put_request(DocWrite("r9", f'{{"id":"r9","by":{i}}}', 1, f"c{i + 1}", now), open_=True)
        except Conflict:
            return False
        return True

    assert sum(await asyncio.gather(*(update(i) for i in range(10)))) == 1
    got = await records.get_request("r9")
    assert got is not None and got.version == 2


async def test_trajectory_records_and_events_live_beside_requests(stores: Stores) -> None:
    records = stores.records
    now = utcnow()
    assert await records.get_trajectory("p-1") == Trail(None, ())
    # the request lifecycle appends to a patient's trajectory events in the same write
    triage = '{"type":"triage","request_id":"r1"}'
    await records.put_request(
        DocWrite("r1", '{"id":"r1"}', None, "t1", now, patient_ref="p-1", trajectory_events=(triage,)), open_=True
    )
    assert await records.get_trajectory("p-1") == Trail(None, (triage,))
    mark = (await stores.capacity.snapshot()).last_event_id
    v1 = await records.put_trajectory(
        DocWrite(
            "p-1",
            '{"patient_ref":"p-1","phase":"startfase"}',
            None,
            "t2",
            now,
            event=LogEvent("trajectory.updated", {"patient_ref": "p-1"}),
            trajectory_events=('{"type":"update"}', '{"type":"note"}'),
        )
    )
    assert v1 == 1
    with pytest.raises(Conflict):
        await records.put_trajectory(DocWrite("p-1", '{"phase":"x"}', None, "t3", now))
    assert await records.get_trajectory("p-1") == Trail(
        Document('{"patient_ref":"p-1","phase":"startfase"}', 1),
        (triage, '{"type":"update"}', '{"type":"note"}'),
    )
    assert await records.put_trajectory(DocWrite("p-1", '{"phase":"y"}', 1, "t4", now)) == 2
    with pytest.raises(Conflict, match="changed meanwhile"):
        await records.put_trajectory(DocWrite("p-1", '{"phase":"z"}', 1, "t5", now))
    assert (await records.get_trajectory("p-2")).events == ()
    assert [e.type for e in await stores.events.events_after(mark)] == ["trajectory.updated"]
    # trajectory records are not requests
    assert await records.get_request("p-1") is None
    assert [d.body for d in await records.list_requests(open_only=False)] == ['{"id":"r1"}']


async def test_a_failed_write_appends_nothing(stores: Stores) -> None:
    records = stores.records
    now = utcnow()
    await records.put_request(DocWrite("r1", '{"id":"r1"}', None, "o1", now), open_=True)
    mark = (await stores.capacity.snapshot()).last_event_id
    with pytest.raises(Conflict):
        await records.put_request(
            DocWrite(
                "r1",
                "{}",
                None,
                "o2",
                now,
                event=LogEvent("request.created", {}),
                patient_ref="p-1",
                trajectory_events=('{"type":"triage"}',),
            ),
            open_=True,
        )
    assert await stores.events.events_after(mark) == []
    assert await records.get_trajectory("p-1") == Trail(None, ())
