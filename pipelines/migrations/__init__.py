"""Alembic migrations of the scores store (applied programmatically, no alembic.ini)."""
