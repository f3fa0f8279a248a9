"""The reader's language: negotiated from ``Accept-Language`` once per request, read by the JSON edge."""

from __future__ import annotations

import contextvars
from typing import Any

from aiohttp import web

from .catalogue import DEFAULT_LANGUAGE, LANGUAGES, Labels

__all__ = ["current_labels", "current_language", "negotiate", "setup_language", "use_language"]

_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("zcc_language", default=DEFAULT_LANGUAGE)
_LABELS: contextvars.ContextVar[Labels | None] = contextvars.ContextVar("zcc_labels", default=None)


def negotiate(header: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110 q-values); Dutch when none fits."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for order, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGUAGES and q > 0 and (q > best_q or (q == best_q and order == 0)):
            best, best_q = lang, q
    return best


def current_language() -> str:
    """The language of the request being served (Dutch outside a request)."""
    return _LANGUAGE.get()


def current_labels() -> Labels | None:
    """The labels of the serving app's region data (None outside a request)."""
    return _LABELS.get()


def use_language(lang: str) -> contextvars.Token[str]:
    """Set the language for the rest of this context (the command line, a test)."""
    return _LANGUAGE.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def setup_language(app: web.Application, labels: Labels) -> None:
    """Install the middleware that reads ``Accept-Language`` and answers with ``Content-Language``.

    ``labels`` are the app's labels of its region data, used by every text rendered for the request.
    """

    @web.middleware
    async def language_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        lang = negotiate(request.headers.get("Accept-Language"))
        token, labels_token = _LANGUAGE.set(lang), _LABELS.set(labels)
        try:
            response: web.StreamResponse = await handler(request)
        finally:
            _LANGUAGE.reset(token)
            _LABELS.reset(labels_token)
        if not response.prepared:
            response.headers.setdefault("Content-Language", lang)
            vary = response.headers.get("Vary")
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response

    app.middlewares.append(language_middleware)
