"""A mock on a free loopback port for the whole run, reset to its fixtures before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mock_api import Api

from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry
from storefront_kit.contract import Contract


@pytest.fixture(scope="session")
def contract() -> Contract:
    return registry.contract("websale")


@pytest.fixture(scope="session")
def mock() -> Iterator[RunningMock]:
    with running_mock() as running:
        yield running


@pytest.fixture(scope="session")
def session_api(mock: RunningMock, contract: Contract) -> Iterator[Api]:
    client = Api(mock, contract)
    yield client
    client.close()


@pytest.fixture
def api(session_api: Api) -> Api:
    """The shared mock, back in its fixture state."""
    response = session_api.controls.post("/reset")
    assert response.status_code == 200, response.text
    return session_api


@pytest.fixture
def demo(api: Api) -> str:
    """A session logged into the demo account."""
    return api.login()
