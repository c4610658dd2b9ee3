"""The journal, faults, accounts and settings patches are guarded like the other controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_api import assert_error

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock

CALLS = [
    pytest.param("GET", "/requests", None, id="list-requests"),
    pytest.param("DELETE", "/requests", None, id="clear-requests"),
    pytest.param("GET", "/requests/1", None, id="get-request"),
    pytest.param("PATCH", "/settings", {"doubleOptInDeletion": True}, id="patch-settings"),
    pytest.param("GET", "/faults", None, id="list-faults"),
    pytest.param("POST", "/faults", {"operationId": "createSession", "delayMs": 1}, id="add-fault"),
    pytest.param("DELETE", "/faults", None, id="clear-faults"),
    pytest.param("DELETE", "/faults/abc", None, id="remove-fault"),
    pytest.param("GET", "/accounts", None, id="list-accounts"),
]


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, controls_token="s3cret")) as mock:
        yield mock


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_the_control_token_is_required(guarded: RunningMock, method: str, path: str, body: Any) -> None:
    url = guarded.controls_url + path
    assert_error(httpx.request(method, url, json=body), 401, "controlsTokenRequired")
    assert_error(httpx.request(method, url, json=body, headers={"X-Mock-Token": "wrong"}), 401, "controlsTokenRequired")
    allowed = httpx.request(method, url, json=body, headers={"X-Mock-Token": "s3cret"})
    assert allowed.status_code != 401, allowed.text


def test_the_journal_does_not_show_the_control_token(guarded: RunningMock) -> None:
    headers = {"X-Mock-Token": "s3cret"}
    httpx.post(f"{guarded.api_url}/session/create", headers={**headers, "X-Mock-Delay": "0"})
    text = httpx.get(f"{guarded.controls_url}/requests", headers=headers).text
    assert "s3cret" not in text and '"x-mock-token":"***"' in text.replace(" ", "")


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_switched_off_controls_have_none_of_these(method: str, path: str, body: Any, off: RunningMock) -> None:
    assert_error(httpx.request(method, off.controls_url + path, json=body), 404, "notFound")


@pytest.fixture(scope="module")
def off() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, controls=False)) as mock:
        yield mock
