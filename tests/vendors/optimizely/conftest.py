"""A seeded Optimizely website over a real store (memory, SQLite), with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from domain_steps import ManualClock
from optimizely_steps import CONTRACT, WEBSITE_SETTINGS

from mock_server.common.passwords import hash_password
from mock_server.store import open_store
from mock_server.vendors.optimizely.domain import Website
from mock_server.vendors.optimizely.fixtures import OptimizelyFixtureData, load_fixtures


@pytest.fixture(scope="session")
def fixture_data() -> OptimizelyFixtureData:
    return load_fixtures(contract=CONTRACT)


@pytest.fixture(scope="session")
def password_hashes(fixture_data: OptimizelyFixtureData) -> dict[str, str]:
    return {password: hash_password(password) for password in {user["password"] for user in fixture_data.users}}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["memory", "sqlite"])
async def website(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: ManualClock,
    fixture_data: OptimizelyFixtureData,
    password_hashes: dict[str, str],
) -> AsyncIterator[Website]:
    store = open_store("memory" if request.param == "memory" else "sqlite:///" + str(tmp_path / "state.db"))
    seeded = Website(store, WEBSITE_SETTINGS, clock=clock)
    await seeded.seed(fixture_data, password_hashes)
    try:
        yield seeded
    finally:
        await store.close()
