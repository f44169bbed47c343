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


@pytest.fixture
def japanese(chromium: Browser) -> Iterator[BrowserContext]:
    """A browser profile that prefers Japanese, with its own cookies."""
    context = chromium.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    yield context
    context.close()


@pytest.fixture
def english(chromium: Browser) -> Iterator[BrowserContext]:
    """A browser profile that prefers English, on a laptop-sized screen."""
    context = chromium.new_context(
        locale="en-GB", viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    yield context
    context.close()


def screenshot_path(name: str) -> Path:
    """Where a test run leaves its screenshots (``build/screenshots``, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
