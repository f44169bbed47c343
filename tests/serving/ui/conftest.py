"""Page tests share the live server and the signed-in clients of ``tests/serving``;
browsers are closed after each test."""

from tests.serving.ui.browser import chromium, english, japanese  # noqa: F401
