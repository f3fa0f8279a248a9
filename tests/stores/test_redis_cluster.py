"""Several regions on one Redis Cluster: each region in one slot, the national set spread over the shards."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from capacity.clock import utcnow
from capacity.region import load_care_types
from capacity.region.load import parse_region
from capacity.state import CapacityUpdate, Hold
from capacity.store import Stores, open_stores
from coordinator.gen_region.generator import generate

from ..redis_topology import ClusterTopology, key_slot

pytestmark = pytest.mark.redis


async def test_the_national_regions_share_one_cluster_each_on_one_shard(cluster_topology: ClusterTopology) -> None:
    """The 11 ROAZ regions of ``zcc gen-region``: every one's keys in one slot, the regions over every shard."""
    care_types = load_care_types()
    regions = [parse_region(data, care_types) for data in generate(nodes=200, providers=60, regions=11)]
    opened: list[Stores] = []
    try:
        for region in regions:
            stores = open_stores(cluster_topology.url, region.id)
            opened.append(stores)
            await stores.backend.open()
            await stores.capacity.seed(region, utcnow())

        async def place_one(region_index: int) -> str:
            """Report one free unit of the region's first offer and hold it; the hold's id."""
            region, stores = regions[region_index], opened[region_index]
            provider, offer = region.offers()[0]
            now = utcnow()
            update = CapacityUpdate(provider.id, offer.care_type, 1, offer.total, now, timedelta(hours=1))
            await stores.capacity.apply_updates([update], f"op-{region.id}", now)
            hold = Hold(f"h-{region.id}", provider.id, offer.care_type, f"r-{region.id}", now, now + timedelta(hours=1))
            held, entry = await stores.capacity.hold(hold, now)
            assert entry.held == 1
            return held.hold_id

        held = await asyncio.gather(*(place_one(i) for i in range(len(regions))))
        assert held == [f"h-{r.id}" for r in regions]

        shard_of = {r.id: cluster_topology.primary_of(f"zcc:{{{r.id}}}:events").port for r in regions}
        spread = Counter(shard_of.values())
        print(f"\n{len(regions)} regions over {len(spread)} shards: {dict(spread)}")
        assert len(spread) == len(cluster_topology.current_primaries()), "a shard holds no region"
        for region in regions:
            # Every key of the region sits on the one node that owns its slot, and on no other primary.
            node = aioredis.Redis(port=shard_of[region.id], decode_responses=True)
            try:
                keys = [k async for k in node.scan_iter(match=f"zcc:{{{region.id}}}:*")]
            finally:
                await node.aclose()
            assert {key_slot(k) for k in keys} == {key_slot(f"{{{region.id}}}")}, keys
            assert {f"zcc:{{{region.id}}}:capacity", f"zcc:{{{region.id}}}:events"} <= set(keys)
    finally:
        for stores in opened:
            await stores.backend.close()
