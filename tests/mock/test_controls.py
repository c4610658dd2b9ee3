"""The mock's controls: /__mock endpoints and the X-Mock-* request headers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_api import DEMO_EMAIL, Api, assert_error

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry

CONTRACT = registry.contract("websale")
STORAGE_CODES = ("redisServicePoolInaccessible", "redisServiceNotFound")


def test_outbox_lists_mails_oldest_first_and_filters_by_recipient(api: Api) -> None:
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    api.call("requestPasswordReset", session=api.new_session(), json={"email": "empty@example.com"})
    messages = api.outbox()
    assert [m["to"] for m in messages] == [DEMO_EMAIL, "empty@example.com"]
    assert set(messages[0]) == {"id", "contract", "to", "kind", "subject", "token", "link", "sentAt"}
    assert messages[0]["contract"] == "websale"
    assert [m["to"] for m in api.outbox(to="EMPTY@example.com")] == ["empty@example.com"]


def test_outbox_delete_empties_it(api: Api) -> None:
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    assert api.controls.delete("/outbox").json() == {"deleted": 1}
    assert api.outbox() == []


def test_reset_restores_accounts_sessions_outbox_and_settings(api: Api) -> None:
    session = api.login()
    api.call("deleteAccount", session=session)
    api.change_settings(backInStockAllowed=False)
    api.call("requestPasswordReset", session=api.new_session(), json={"email": "empty@example.com"})
    assert api.controls.post("/reset").json() == {"reset": True}
    assert_error(api.call("getAccount", session=session), 401, "notLoggedIn")
    assert api.outbox() == []
    assert api.settings()["backInStockAllowed"] is True
    api.login()


def test_settings_put_applies_defaults_for_omitted_fields(api: Api) -> None:
    response = api.controls.put("/settings", json={"storefrontBaseUrl": "https://x.example", "redirects": []})
    settings = response.json()
    assert settings["passwordChange"] == {"requireEmail": False, "requirePasswordAuth": True}
    assert settings["sessionIdleSeconds"] == 1800
    assert api.settings() == settings


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"redirects": []}, None, id="missing-base-url"),
        pytest.param(
            {"storefrontBaseUrl": "https://x.example", "redirects": [], "sessionIdleSeconds": 0},
            "sessionIdleSeconds",
            id="below-minimum",
        ),
        pytest.param(
            {"storefrontBaseUrl": "https://x.example", "redirects": [], "colour": "red"}, None, id="unknown-setting"
        ),
        pytest.param(
            {"storefrontBaseUrl": "https://x.example", "redirects": [], "loginThrottle": {"ipMaxFailures": "many"}},
            "loginThrottle.ipMaxFailures",
            id="nested",
        ),
        pytest.param([], None, id="not-an-object"),
        pytest.param(
            {"storefrontBaseUrl": "https://x.example", "redirects": [], "loginThrottle": {"windowSeconds": 10**400}},
            "loginThrottle.windowSeconds",
            id="absurdly-long",
        ),
    ],
)
def test_settings_put_is_validated_against_shop_settings(api: Api, body: Any, field: str | None) -> None:
    before = api.settings()
    response = api.controls.put("/settings", json=body)
    assert_error(response, 400, "invalidRequest", field)
    assert api.settings() == before


@pytest.mark.parametrize("code", STORAGE_CODES)
@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in CONTRACT.operations.values()])
def test_forced_storage_error_answers_503_on_every_operation(api: Api, operation: Any, code: str) -> None:
    response = api.call(operation.operation_id, headers={"X-Mock-Error": code})
    assert_error(response, 503, code)


def test_forced_error_not_documented_for_the_operation_is_ignored_and_says_why(api: Api) -> None:
    # A status the operation does not document would break clients generated from the contract.
    response = api.call("getAccount", session=api.new_session(), headers={"X-Mock-Error": "entryExists"})
    assert response.status_code == 200 and response.json()["loggedIn"] is False
    refused = response.headers["X-Mock-Refused"]
    assert "'entryExists' is not documented" in refused and "notLoggedIn" in refused.split("documented:")[1]


def test_forced_throttle_error_carries_retry_after(api: Api) -> None:
    response = api.call("login", session=api.new_session(), headers={"X-Mock-Error": "ipAddressBlocked"})
    assert_error(response, 429, "ipAddressBlocked")
    assert int(response.headers["Retry-After"]) >= 1


def test_forced_error_does_not_run_the_operation(api: Api) -> None:
    response = api.call(
        "register",
        session=api.new_session(),
        json={"email": "ghost@example.com", "password": "Register-Pass-1"},
        headers={"X-Mock-Error": "accountAlreadyExists"},
    )
    assert_error(response, 409, "accountAlreadyExists")
    assert (
        api.call(
            "login", session=api.new_session(), json={"id": "ghost@example.com", "password": "Register-Pass-1"}
        ).status_code
        == 401
    )


def test_delay_holds_the_answer(api: Api) -> None:
    started = time.monotonic()
    assert api.call("createSession", headers={"X-Mock-Delay": "400"}).status_code == 200
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize("value", [b"-1", b"soon", b"30001", b"\xb2"])
def test_bad_delay_is_ignored_and_says_why(api: Api, value: bytes) -> None:
    response = api.call("createSession", headers={"X-Mock-Delay": value, "X-Mock-Error": "redisServiceNotFound"})
    assert response.status_code == 200, "no control of the request is applied"
    assert "X-Mock-Delay must be a whole number" in response.headers["X-Mock-Refused"]


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, controls_token="s3cret")) as mock:
        yield mock


def test_controls_token_guards_the_controls(guarded: RunningMock) -> None:
    assert_error(httpx.get(f"{guarded.controls_url}/settings"), 401, "controlsTokenRequired")
    assert_error(
        httpx.get(f"{guarded.controls_url}/settings", headers={"X-Mock-Token": "wrong"}), 401, "controlsTokenRequired"
    )
    assert httpx.get(f"{guarded.controls_url}/settings", headers={"X-Mock-Token": "s3cret"}).status_code == 200


def test_controls_token_guards_the_request_headers(guarded: RunningMock) -> None:
    url = f"{guarded.api_url}/session/create"
    unguarded = httpx.post(url, headers={"X-Mock-Error": "redisServiceNotFound"})
    assert unguarded.status_code == 200 and "X-Mock-Token" in unguarded.headers["X-Mock-Refused"]
    forced = httpx.post(url, headers={"X-Mock-Error": "redisServiceNotFound", "X-Mock-Token": "s3cret"})
    assert_error(forced, 503, "redisServiceNotFound")
    assert httpx.post(url).status_code == 200


def test_controls_can_be_switched_off() -> None:
    with running_mock(ServerConfig(port=0, controls=False)) as mock:
        assert_error(httpx.get(f"{mock.controls_url}/settings"), 404, "notFound")
        assert (
            httpx.post(f"{mock.api_url}/session/create", headers={"X-Mock-Error": "redisServiceNotFound"}).status_code
            == 200
        )


def test_controls_have_their_own_swagger_ui(api: Api) -> None:
    assert "swagger-ui" in api.controls.get("/ui/").text.lower()
    assert "/outbox" in api.controls.get("/openapi.json").json()["paths"]
