"""Helpers for the mock's tests: call operations by operationId, steer settings, read the outbox."""

from __future__ import annotations

from typing import Any

import httpx

from mock_server.testing import RunningMock
from storefront_kit.contract import Contract

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-Password-1"
NEW_PASSWORD = "Brand-New-Secret-9"


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        merged[key] = (
            deep_merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return merged


class Api:
    """Calls the mock by operationId, so tests read like the contract."""

    def __init__(self, mock: RunningMock, contract: Contract) -> None:
        self.mock = mock
        self.contract = contract
        self.http = httpx.Client(base_url=mock.api_url, timeout=15)
        self.controls = httpx.Client(base_url=mock.controls_url, timeout=15)

    def close(self) -> None:
        self.http.close()
        self.controls.close()

    def call(
        self,
        operation_id: str,
        *,
        session: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str | bytes] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        operation = self.contract.operation(operation_id)
        all_headers: dict[str, str | bytes] = dict(headers or {})
        if session is not None:
            all_headers["x-session"] = session
        return self.http.request(
            operation.method.upper(), operation.path, json=json, params=params, headers=all_headers, content=content
        )

    def new_session(self) -> str:
        response = self.call("createSession")
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def login(self, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD, **extra: Any) -> str:
        session = self.new_session()
        response = self.call("login", session=session, json={"id": email, "password": password, **extra})
        assert response.status_code == 200, response.text
        return session

    def register(self, email: str = "new.customer@example.com", password: str = "Register-Pass-1") -> str:
        session = self.new_session()
        response = self.call("register", session=session, json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return session

    def settings(self) -> dict[str, Any]:
        return dict(self.controls.get("/settings").json())

    def change_settings(self, **changes: Any) -> dict[str, Any]:
        response = self.controls.put("/settings", json=deep_merge(self.settings(), changes))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the mock's clock on (`POST /__mock/clock`); the per-test reset puts it back."""
        response = self.controls.post("/clock", json={"seconds": seconds})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        response = self.controls.get("/outbox", params={"to": to} if to else None)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert (response.status_code, error_code(response)) == (status, code), response.text
    if field is not None:
        assert response.json()["error"].get("field") == field, response.text
