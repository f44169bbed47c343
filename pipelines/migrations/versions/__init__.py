"""Revisions of the scores store schema, oldest first."""
