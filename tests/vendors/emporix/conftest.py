"""A seeded Emporix tenant over a real store (memory, SQLite), with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from domain_steps import ManualClock

from mock_server.common.passwords import hash_password
from mock_server.store import open_store
from mock_server.vendors.emporix.domain import Tenant
from mock_server.vendors.emporix.fixtures import EmporixFixtureData, load_fixtures
from storefront_kit import registry

TENANT_SETTINGS = registry.contract("emporix").settings_schema()


@pytest.fixture(scope="session")
def fixture_data() -> EmporixFixtureData:
    return load_fixtures()


@pytest.fixture(scope="session")
def password_hashes(fixture_data: EmporixFixtureData) -> dict[str, str]:
    return {password: hash_password(password) for password in {c["password"] for c in fixture_data.customers}}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["memory", "sqlite"])
async def tenant(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: ManualClock,
    fixture_data: EmporixFixtureData,
    password_hashes: dict[str, str],
) -> AsyncIterator[Tenant]:
    store = open_store("memory" if request.param == "memory" else "sqlite:///" + str(tmp_path / "state.db"))
    seeded = Tenant(store, TENANT_SETTINGS, clock=clock)
    await seeded.seed(fixture_data, password_hashes)
    try:
        yield seeded
    finally:
        await store.close()
