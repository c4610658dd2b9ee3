"""Fixtures every test package may use: a real redis-server and the mock run as a command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import NO_REDIS, REDIS_SERVER, MockProcess, RedisServer


@pytest.fixture
def start_mock(tmp_path: Path) -> Iterator[Callable[[str], MockProcess]]:
    """Starts mocks with 2 workers on a state URL; stops every one of them after the test."""
    started: list[MockProcess] = []

    def start(state: str) -> MockProcess:
        mock = MockProcess(state, workers=2, log=tmp_path / f"mock-{len(started)}.log")
        started.append(mock)
        mock.start()
        return mock

    yield start
    for mock in started:
        mock.stop()


def _running_redis(data_dir: Path | None = None) -> Iterator[RedisServer]:
    if not REDIS_SERVER:
        pytest.skip(NO_REDIS)
    server = RedisServer(data_dir=data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the whole session; tests use their own key prefix or clear it."""
    yield from _running_redis()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A persistent redis-server for one test, which the test may stop, pause and restart."""
    yield from _running_redis(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
