"""The forecast: the region's free places per care type over the next hours, run forward from the live board.

- :mod:`.model`: the replications (numpy, pure): one care type's places with their occupants,
  outside patients and zcc's requests;
- :mod:`.demand`: zcc's placements per care type and hour, from the request history or the
  demand model's defaults;
- :mod:`.board`: the board at ``now`` as the model's input;
- :mod:`.service`: the service the handler calls: cache, time budget, off the event loop.

How it was checked: ``bench/forecast.py`` starts forecasts from the region simulation's board
and compares them with what the simulation did next, over many seeds.
"""

from __future__ import annotations

from .service import ForecastService, compute

__all__ = ["ForecastService", "compute"]
