"""Headless Debian Chromium driven by Playwright, for the triage board's browser tests.

Playwright's own browser download does not work here (and is not wanted in CI): the tests drive the
Chromium that scripts/test installs from Debian (``/usr/bin/chromium``) through ``executable_path``.
A missing browser is an error that says how to install it, never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

__all__ = ["ARTIFACTS", "CHROMIUM_FLAGS", "chromium", "chromium_path", "new_page"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Headless, as root in a container, and quiet: without the background-networking flags Chromium keeps
# trying to reach Google's hosts, which this machine's closed network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """Debian's Chromium (``ZCC_CHROMIUM`` overrides); a clear error when it is not installed."""
    path = os.environ.get("ZCC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            f"Chromium is not installed at {path}: run scripts/test (it installs Debian's chromium) "
            "or apt-get install chromium"
        )
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium for one test."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, timeout=30_000)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def new_page(browser: Browser) -> AsyncIterator[tuple[Page, list[str]]]:
    """A fresh page (own context: empty sessionStorage) and the list of script errors it raised.

    Uncaught exceptions and Content-Security-Policy violations are collected so a test can assert
    there were none; failed API calls the page handles itself (a 404 it shows) are not errors here.
    """
    context: BrowserContext = await browser.new_context(
        viewport={"width": 1440, "height": 1000},
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    try:
        yield page, errors
    finally:
        await context.close()
