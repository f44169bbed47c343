"""Serving tests reuse the generated world (with a champion model) of the pipeline tests and
share one real ``bentoml serve`` process for the whole session."""

from collections.abc import Iterator

import pytest

from tests.pipelines.conftest import World, world  # noqa: F401
from tests.serving.live_server import Server, start_server
from tests.serving.ui.pages import browsers  # noqa: F401


@pytest.fixture(scope="session")
def server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    """The service on a free loopback port, stopped at the end of the session."""
    yield from start_server(world, tmp_path_factory)
