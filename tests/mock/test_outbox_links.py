"""`POST /__mock/outbox/{id}/open`: an e-mail's link opened as its recipient would, as the dashboard does."""

from __future__ import annotations

import httpx
from mock_api import DEMO_EMAIL, Api, assert_error

from mock_server.config import ServerConfig
from mock_server.testing import running_mock

NEW_EMAIL = "moved.demo@example.com"


def _pending_change(api: Api) -> tuple[str, dict[str, object]]:
    session = api.login()
    response = api.call("updateEmail", session=session, json={"email": NEW_EMAIL})
    assert response.json()["verificationRequired"] is True, response.text
    (message,) = api.outbox(to=NEW_EMAIL)
    return session, message


def test_opening_the_verification_link_confirms_the_email_change(api: Api) -> None:
    session, message = _pending_change(api)
    response = api.controls.post(f"/outbox/{message['id']}/open")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": message["id"],
        "contract": "websale",
        "kind": "emailVerification",
        "outcome": f"The e-mail address of account 1001 is now {NEW_EMAIL}.",
    }
    account = api.call("getAccount", session=session).json()["account"]
    assert account["email"] == NEW_EMAIL and "pendingEmail" not in account


def test_a_spent_link_is_refused_with_the_shops_reason(api: Api) -> None:
    _, message = _pending_change(api)
    assert api.controls.post(f"/outbox/{message['id']}/open").status_code == 200
    response = api.controls.post(f"/outbox/{message['id']}/open")
    assert_error(response, 409, "linkNotOpenable", "id")
    assert "actionNotAllowed" in response.json()["error"]["message"]


def test_a_link_that_needs_a_new_password_names_the_call_that_takes_it(api: Api) -> None:
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    (message,) = api.outbox()
    response = api.controls.post(f"/outbox/{message['id']}/open")
    assert_error(response, 409, "linkNotOpenable", "id")
    assert "account/password/reset" in response.json()["error"]["message"]


def test_an_unknown_message_or_contract_is_a_404(api: Api) -> None:
    assert_error(api.controls.post("/outbox/99/open"), 404, "unknownMessage", "id")
    assert_error(api.controls.post("/outbox/1/open", params={"contract": "nosuch"}), 404, "unknownContract", "contract")


def test_opening_a_link_needs_the_control_token_when_one_is_set() -> None:
    with running_mock(ServerConfig(port=0, controls_token="s3cret")) as mock:
        refused = httpx.post(f"{mock.controls_url}/outbox/1/open")
        allowed = httpx.post(f"{mock.controls_url}/outbox/1/open", headers={"X-Mock-Token": "s3cret"})
    assert_error(refused, 401, "controlsTokenRequired")
    assert_error(allowed, 404, "unknownMessage", "id")


def test_a_malformed_id_or_contract_is_a_400(api: Api) -> None:
    assert_error(api.controls.post(f"/outbox/{'1' * 65}/open"), 400, "invalidRequest")
    assert_error(api.controls.post("/outbox/1/open", params={"contract": "Not A Name"}), 400, "invalidRequest")
