"""Debian's Chromium driven by Playwright, headless, with the flags this machine needs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """A real headless Chromium (Playwright gives it a fresh profile); fails, never skips,
    when it is missing."""
    from playwright.sync_api import sync_playwright

    found = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    assert found, "Chromium is missing: `make system-packages` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=found, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def profile(chromium: Browser, locale: str, width: int, height: int) -> Iterator[BrowserContext]:
    """A browser profile with its own cookies, a language preference and a screen size."""
    context = chromium.new_context(
        locale=locale, viewport={"width": width, "height": height}, accept_downloads=True
    )
    yield context
    context.close()


@pytest.fixture
def japanese(chromium: Browser) -> Iterator[BrowserContext]:
    """A browser that prefers Japanese, at 1280 px."""
    yield from profile(chromium, "ja-JP", 1280, 900)


@pytest.fixture
def english(chromium: Browser) -> Iterator[BrowserContext]:
    """A browser that prefers English, on a laptop-sized screen."""
    yield from profile(chromium, "en-GB", 1366, 768)


def screenshot_path(name: str) -> Path:
    """Where a test run leaves its screenshots (``build/screenshots``, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
