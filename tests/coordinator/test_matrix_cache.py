"""The travel matrix cache: computed once per road network, mapped from disk afterwards, never wrong."""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from pytest_aiohttp import AiohttpClient

import coordinator.matrix_cache as cache
from capacity.model import Region, Road
from coordinator.keys import ROUTING
from coordinator.matrix_cache import KEEP, matrix_key, routing_with_cache
from routing.lookup import Routing

from ..http_helpers import auth, make_app, token
from ..regions import line_region, tiny_region


def answers(routing: Routing) -> list[list[tuple[str, float]]]:
    """Every town's places of elv_hoog, nearest first, with their minutes."""
    region = routing.home
    return [
        list(routing.nearest(routing.snap(loc.lat, loc.lon), region.id, "elv_hoog"))
        for loc in region.locations.values()
    ]


def files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("travel-*.npy"))


def test_the_second_start_maps_the_matrix_the_first_computed(tmp_path: Path) -> None:
    region = line_region()
    first = routing_with_cache(region, (), tmp_path)
    assert [f.name for f in files(tmp_path)] == [f"travel-{matrix_key(region)}.npy"]
    second = routing_with_cache(region, (), tmp_path)
    assert second.from_cache and isinstance(second.matrix.table.base, np.memmap)  # the file's pages, not a copy
    assert not second.matrix.table.flags.writeable
    assert answers(second) == answers(first) == answers(Routing(region))


def test_a_changed_road_computes_a_new_matrix_and_a_changed_bed_count_does_not(tmp_path: Path) -> None:
    region = line_region()
    before = answers(routing_with_cache(region, (), tmp_path))
    slower = dataclasses.replace(region, roads=(Road("a", "b", 30.0), *region.roads[1:]))
    assert matrix_key(slower) != matrix_key(region)
    after = routing_with_cache(slower, (), tmp_path)
    assert len(files(tmp_path)) == 2
    assert answers(after) == answers(Routing(slower)) != before
    provider = next(iter(region.providers.values()))
    offer = dataclasses.replace(provider.offers["elv_hoog"], total=99)
    more_beds = dataclasses.replace(
        region, providers={**region.providers, provider.id: dataclasses.replace(provider, offers={"elv_hoog": offer})}
    )
    assert matrix_key(more_beds) == matrix_key(region)
    assert routing_with_cache(more_beds, (), tmp_path).from_cache


def test_a_damaged_file_is_computed_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    region = line_region()
    routing_with_cache(region, (), tmp_path)
    (path,) = files(tmp_path)
    path.write_bytes(path.read_bytes()[:-7])  # a disk that filled up mid-write in an older version
    with caplog.at_level(logging.WARNING, "coordinator.matrix_cache"):
        again = routing_with_cache(region, (), tmp_path)
    assert "unusable" in caplog.text
    assert answers(again) == answers(Routing(region))
    assert routing_with_cache(region, (), tmp_path).from_cache  # and written whole this time


def test_a_file_of_another_shape_is_not_used(tmp_path: Path) -> None:
    region = line_region()
    path = tmp_path / f"travel-{matrix_key(region)}.npy"
    np.save(path, np.zeros((2, 2), dtype=np.uint16))
    routing = routing_with_cache(region, (), tmp_path)
    assert answers(routing) == answers(Routing(region))


def test_an_unwritable_cache_dir_still_serves(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING, "coordinator.matrix_cache"):
        routing = routing_with_cache(line_region(), (), blocked / "cache")
    assert "cannot be used" in caplog.text
    assert answers(routing) == answers(Routing(line_region()))


def test_only_one_of_two_concurrent_starts_computes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []
    real = Routing

    def counting(home: Region, neighbours: tuple[Region, ...] = (), **kw: object) -> Routing:
        if kw.get("table") is None:
            computed.append(1)
        return real(home, neighbours, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "Routing", counting)
    out: list[Routing] = []
    threads = [
        threading.Thread(target=lambda: out.append(routing_with_cache(line_region(), (), tmp_path))) for _ in "ab"
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(out) == 2 and computed == [1]
    assert sum(r.from_cache for r in out) == 2  # both serve the mapped file, neither a heap copy


def test_old_road_networks_are_pruned(tmp_path: Path) -> None:
    region = tiny_region()
    for minutes in range(KEEP + 2):
        variant = dataclasses.replace(region, roads=(Road("a", "b", 10.0 + minutes), *region.roads[1:]))
        routing_with_cache(variant, (), tmp_path)
        for i, f in enumerate(files(tmp_path)):  # distinct ages even on a coarse file system clock
            os.utime(f, (1_000_000 + i, 1_000_000 + i))
    assert len(files(tmp_path)) == KEEP


async def test_the_service_answers_the_same_from_the_cache(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    query = {"care_type": "elv_hoog", "lat": "50.86", "lon": "5.71"}
    bodies = []
    gc.unfreeze()
    for run in ("computed", "mapped"):
        client = await aiohttp_client(
            make_app(f"sqlite:///{tmp_path}/{run}.db", line_region(), matrix_cache_dir=tmp_path, gc_freeze=True)
        )
        await client.app[ROUTING].ready.wait()
        assert client.app[ROUTING].get().from_cache  # computed and written, or mapped: served from the file
        assert len(files(tmp_path)) == 1
        # What lives as long as the service is out of the collector's reach (a full pass: 146 ms nationally).
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        tok = await token(client.app, "dispatch")
        resp = await client.get("/api/v1/dispatch/options", headers=auth(tok), params=query)
        assert resp.status == 200
        body = await resp.json()
        bodies.append([(o["provider_id"], o["travel_minutes"]) for o in body["options"] + body.get("excluded", [])])
        await client.close()
    assert bodies[0] == bodies[1]
