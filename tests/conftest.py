"""Fixtures shared by the whole suite."""

from tests.postgres import postgres_url  # noqa: F401  (session fixture: a real PostgreSQL server)
