"""Server options that change behaviour: CORS origins, response validation, body limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mock_api import assert_error

from mock_server.config import ServerConfig
from mock_server.testing import running_mock


def test_cors_origins_can_be_restricted() -> None:
    with running_mock(ServerConfig(port=0, cors_origins=("http://app.example",))) as mock:
        allowed = httpx.post(f"{mock.api_url}/session/create", headers={"Origin": "http://app.example"})
        other = httpx.post(f"{mock.api_url}/session/create", headers={"Origin": "http://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://app.example"
    assert "access-control-allow-origin" not in other.headers


def test_response_validation_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    async def sloppy(*_: Any, **__: Any) -> Any:
        return {"loggedIn": "yes"}

    with running_mock(ServerConfig(port=0, validate_responses=False)) as mock:
        session = httpx.post(f"{mock.api_url}/session/create").json()["id"]
        monkeypatch.setattr(mock.app.runtime.state("websale").shop.accounts, "get", sloppy)
        response = httpx.get(f"{mock.api_url}/account/get", headers={"x-session": session})
    assert response.json() == {"loggedIn": "yes"}


def test_body_limit_is_configurable() -> None:
    with running_mock(ServerConfig(port=0, max_body_bytes=100)) as mock:
        session = httpx.post(f"{mock.api_url}/session/create").json()["id"]
        response = httpx.post(
            f"{mock.api_url}/account/login",
            headers={"x-session": session},
            json={"id": "a" * 100 + "@example.com", "password": "x"},
        )
    assert_error(response, 413, "payloadTooLarge")
    assert "100 bytes" in response.json()["error"]["message"]
