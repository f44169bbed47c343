"""Serving tests reuse the generated world (with a champion model) of the pipeline tests and
share one real ``bentoml serve`` process for the whole session (and a second one, with
every month scored, for the tests of measured effects)."""

from collections.abc import Iterator

import pytest

from tests.pipelines.conftest import World, world  # noqa: F401
from tests.serving.effects_world import Helped, record_helped
from tests.serving.live_server import Server, start_server
from tests.serving.ui.pages import browsers  # noqa: F401


@pytest.fixture(scope="session")
def server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    """The service on a free loopback port, stopped at the end of the session."""
    yield from start_server(world, tmp_path_factory)


@pytest.fixture(scope="session")
def full_server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    """The service with every month of the world scored (so that interventions have 6
    scored months after them and their effects can be measured)."""
    yield from start_server(world, tmp_path_factory, scored=list(world.months))


@pytest.fixture(scope="session")
def helped(full_server: Server) -> Helped:
    """Buffers recorded on the fully scored service early enough to be measured."""
    return record_helped(full_server)
