"""The request body deadline: a body that does not arrive in time is answered 408, never waited on forever."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = ["setup_body_timeout"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_body_timeout(app: web.Application, seconds: float) -> None:
    """Install the middleware that reads a request's body within ``seconds`` before its handler runs.

    aiohttp's server has no body timeout: a handler awaiting a slow body waits as long as the
    client dribbles. The body read here is kept by aiohttp (``request.read()`` returns it again),
    so handlers read it as before. Install it after authentication, which must not wait for a body.
    """

    @web.middleware
    async def body_timeout_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists and seconds > 0:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()
            except TimeoutError:
                raise web.HTTPRequestTimeout(
                    text=f"the request body did not arrive within {seconds:g} s; send the whole body without pausing"
                ) from None
        return await handler(request)

    app.middlewares.append(body_timeout_middleware)
