"""Serving tests reuse the generated world (with a champion model) of the pipeline tests."""

from tests.pipelines.conftest import world  # noqa: F401
