"""Backends for the store tests: memory, a SQLite file, and a real redis-server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from servers import MockProcess, RedisServer, sqlite_url

from mock_server.store import Store, open_store


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def shared_mock(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """One mock with 2 workers per shared backend, for the tests that do not break it."""
    folder = tmp_path_factory.mktemp(f"shared-{request.param}")
    if request.param == "sqlite":
        state = sqlite_url(folder / "state.db")
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        state = server.url
    mock = MockProcess(state, workers=2, log=folder / "mock.log")
    mock.start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The state URL of each backend; the same behaviour is expected from all of them."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state.db")
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture(params=["sqlite", "redis"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The state URL of each backend that several processes can share."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state.db")
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture
async def store(backend_url: str) -> AsyncIterator[Store]:
    opened = open_store(backend_url)
    await opened.clear()
    try:
        yield opened
    finally:
        await opened.clear()
        await opened.close()
