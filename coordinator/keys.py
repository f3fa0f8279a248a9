"""Typed application keys: every shared object of the app lives under one of these."""

from __future__ import annotations

import asyncio

from aiohttp import web

from capacity.store import Store
from capacity.view import CapacityView

from .audit import AuditLog
from .auth import TokenAuth
from .board_cache import BoardCache
from .metrics import Metrics
from .notify import Notifier
from .requests import RequestService
from .routing_state import RoutingState
from .settings import Settings

__all__ = [
    "AUDIT",
    "AUTH",
    "BACKGROUND",
    "BOARD_CACHE",
    "METRICS",
    "NOTIFIER",
    "REQUESTS",
    "ROUTING",
    "SETTINGS",
    "STORE",
    "VIEW",
]

SETTINGS = web.AppKey("settings", Settings)
ROUTING = web.AppKey("routing", RoutingState)
REQUESTS = web.AppKey("requests", RequestService)
AUDIT = web.AppKey("audit", AuditLog)
NOTIFIER = web.AppKey("notifier", Notifier)
STORE = web.AppKey("store", Store)
VIEW = web.AppKey("view", CapacityView)
METRICS = web.AppKey("metrics", Metrics)
AUTH = web.AppKey("auth", TokenAuth)
BOARD_CACHE = web.AppKey("board_cache", BoardCache)
BACKGROUND = web.AppKey("background", list[asyncio.Task[None]])
