"""GET /__mock/accounts: who can log in with what, and the live sessions, for every contract."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock


def test_websale_accounts_log_in_with_the_password_listed(api: Api) -> None:
    listed = api.controls.get("/accounts").json()
    assert {entry["contract"] for entry in listed["accounts"]} == {"websale"}
    demo = next(entry for entry in listed["accounts"] if entry["login"] == DEMO_EMAIL)
    assert (demo["password"], demo["state"]) == (DEMO_PASSWORD, "active")
    for account in listed["accounts"][:3]:
        session = api.new_session()
        response = api.call("login", session=session, json={"id": account["login"], "password": account["password"]})
        assert response.status_code == 200, (account, response.text)


def test_websale_sessions_say_whose_they_are(api: Api) -> None:
    anonymous, logged_in = api.new_session(), api.login()
    sessions = {entry["session"]: entry for entry in api.controls.get("/accounts").json()["sessions"]}
    assert sessions[anonymous]["login"] is None
    assert sessions[logged_in]["login"] == DEMO_EMAIL
    assert sessions[logged_in]["expiresAt"].endswith("Z")


def test_a_registered_account_is_listed_and_a_changed_password_is_not_known(api: Api) -> None:
    api.register(email="fresh@example.com", password="Register-Pass-1")
    fresh = next(e for e in api.controls.get("/accounts").json()["accounts"] if e["login"] == "fresh@example.com")
    assert fresh["password"] is None and fresh["state"] == "active"


def test_an_unknown_contract_is_refused(api: Api) -> None:
    assert_error(api.controls.get("/accounts", params={"contract": "nope"}), 404, "unknownContract", "contract")
    assert_error(api.controls.get("/accounts", params={"contract": "Bad Name"}), 400, "invalidRequest", "contract")


@pytest.fixture(scope="module")
def vendors() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, contracts=("emporix", "optimizely", "zest"))) as mock:
        yield mock


def _accounts(mock: RunningMock, contract: str | None = None) -> dict[str, Any]:
    response = httpx.get(f"{mock.controls_url}/accounts", params={"contract": contract} if contract else None)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_every_served_contract_answers_without_a_contract_named(vendors: RunningMock) -> None:
    assert {entry["contract"] for entry in _accounts(vendors)["accounts"]} == {"emporix", "optimizely", "zest"}
    assert {entry["contract"] for entry in _accounts(vendors, "zest")["accounts"]} == {"zest"}


def test_optimizely_users_say_why_they_cannot_sign_in(vendors: RunningMock) -> None:
    states = {entry["login"]: entry["state"] for entry in _accounts(vendors, "optimizely")["accounts"]}
    assert states["demo"] == "active"
    assert states["deactivated"] == "deactivated"
    assert states["lockedout"] == "lockedOut"
    assert states["mustchange"] == "mustChangePassword"
    assert states["otherwebsite"] == "otherWebsite"
    assert states["nobillto"] == "noBillTo"


def test_optimizely_sign_in_with_a_listed_user_shows_its_session(vendors: RunningMock) -> None:
    demo = next(e for e in _accounts(vendors, "optimizely")["accounts"] if e["login"] == "demo")
    base = vendors.config.base_url
    token = httpx.post(
        f"{base}/identity/connect/token",
        data={"grant_type": "password", "username": "demo", "password": demo["password"], "scope": "iscapi"},
        headers={"Authorization": "Basic " + base64.b64encode(b"isc:any-secret").decode()},
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    signed = httpx.post(
        f"{base}/api/v1/sessions", json={"userName": "demo", "password": demo["password"]}, headers=bearer
    )
    assert signed.status_code in (200, 201), signed.text
    signed_in = [s for s in _accounts(vendors, "optimizely")["sessions"] if s["login"] == "demo"]
    assert len(signed_in) == 1 and signed_in[0]["details"]["accessTokens"] == 1
    assert signed_in[0]["expiresAt"].endswith("Z")


def test_emporix_customers_and_zest_keys_are_listed(vendors: RunningMock) -> None:
    emporix = _accounts(vendors, "emporix")["accounts"]
    demo = next(entry for entry in emporix if entry["login"] == DEMO_EMAIL)
    assert demo["password"] == DEMO_PASSWORD and demo["details"]["tenant"] == "demoshop"
    zest = {entry["login"]: entry for entry in _accounts(vendors, "zest")["accounts"]}
    assert set(zest) >= {"demo-key", "catalog-key", "cart-key"}
    assert zest["demo-key"]["details"]["resources"] == "all"
