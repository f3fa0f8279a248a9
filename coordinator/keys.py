"""Typed application keys: every shared object of the app lives under one of these."""

from __future__ import annotations

import asyncio

from aiohttp import web

from capacity.service import CapacityService
from capacity.store import Stores

from .audit import AuditLog
from .board_cache import BoardCache
from .connectors import Connectors
from .forecast import ForecastService
from .metrics import Metrics
from .notify import Notifier
from .ops.heartbeat import Heartbeat
from .requests import RequestService
from .routing_state import RoutingState
from .server.streams import StreamSlots
from .settings import Settings
from .texts import Labels
from .tokens import TokenAuth
from .trajectories import TrajectoryService

__all__ = [
    "AUDIT",
    "AUTH",
    "BACKGROUND",
    "BOARD_CACHE",
    "CAPACITY",
    "CONNECTORS",
    "FORECAST",
    "HEARTBEAT",
    "LABELS",
    "METRICS",
    "NOTIFIER",
    "RELOAD",
    "REQUESTS",
    "ROUTING",
    "SETTINGS",
    "STORES",
    "STREAM_SLOTS",
    "TRAJECTORIES",
]

SETTINGS = web.AppKey("settings", Settings)
STORES = web.AppKey("stores", Stores)
CAPACITY = web.AppKey("capacity", CapacityService)
ROUTING = web.AppKey("routing", RoutingState)
REQUESTS = web.AppKey("requests", RequestService)
TRAJECTORIES = web.AppKey("trajectories", TrajectoryService)
AUDIT = web.AppKey("audit", AuditLog)
NOTIFIER = web.AppKey("notifier", Notifier)
METRICS = web.AppKey("metrics", Metrics)
AUTH = web.AppKey("auth", TokenAuth)
BOARD_CACHE = web.AppKey("board_cache", BoardCache)
FORECAST = web.AppKey("forecast", ForecastService)
HEARTBEAT = web.AppKey("heartbeat", Heartbeat)
LABELS = web.AppKey("labels", Labels)  # the region data's labels for texts a person reads
RELOAD = web.AppKey("reload", asyncio.Event)  # set by SIGHUP: reload the region file and triage protocol now
STREAM_SLOTS = web.AppKey("stream_slots", StreamSlots)
BACKGROUND = web.AppKey("background", list[asyncio.Task[None]])
CONNECTORS = web.AppKey("connectors", Connectors)  # polled feeds, history, webhooks (issue 16)
