"""Page tests share the live server of ``tests/serving``; clients and browsers are closed
after each test."""

from tests.serving.ui.browser import chromium, english, japanese  # noqa: F401
from tests.serving.ui.pages import browsers  # noqa: F401
