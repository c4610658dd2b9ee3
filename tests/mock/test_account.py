"""Login, autologin, registration, account data, logout and deletion."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error


def _expiry(response_json: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(response_json["autologinExpiresAt"]))


def test_login_logs_the_session_in(api: Api) -> None:
    session = api.new_session()
    response = api.call("login", session=session, json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["loggedIn"] is True and body["account"]["email"] == DEMO_EMAIL
    assert "autologinToken" not in body
    assert api.call("getAccount", session=session).json()["account"] == body["account"]


def test_login_compares_the_email_case_insensitively(api: Api) -> None:
    response = api.call("login", session=api.new_session(), json={"id": "Demo@Example.COM", "password": DEMO_PASSWORD})
    assert response.status_code == 200


def test_login_with_unknown_email_is_invalid_credentials(api: Api) -> None:
    response = api.call(
        "login", session=api.new_session(), json={"id": "nobody@example.com", "password": DEMO_PASSWORD}
    )
    assert_error(response, 401, "invalidCredentials")


def test_failed_login_leaves_the_session_anonymous(api: Api) -> None:
    session = api.new_session()
    api.call("login", session=session, json={"id": DEMO_EMAIL, "password": "Wrong-Password-1"})
    assert api.call("getAccount", session=session).json() == {"loggedIn": False}


@pytest.mark.parametrize("mode", ["all", "restricted"])
def test_login_with_autologin_answers_a_token(api: Api, mode: str) -> None:
    body = api.call(
        "login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD, "autologin": mode}
    ).json()
    assert len(body["autologinToken"]) == 64
    assert _expiry(body) > datetime.now(_expiry(body).tzinfo)


def test_restricted_autologin_token_lives_shorter_than_all(api: Api) -> None:
    credentials = {"id": DEMO_EMAIL, "password": DEMO_PASSWORD}
    full = api.call("login", session=api.new_session(), json={**credentials, "autologin": "all"}).json()
    restricted = api.call("login", session=api.new_session(), json={**credentials, "autologin": "restricted"}).json()
    assert _expiry(restricted) < _expiry(full)


def test_autologin_mode_switched_off_by_the_shop_is_treated_as_off(api: Api) -> None:
    api.change_settings(autologin={"modes": ["restricted", "off"]})
    body = api.call(
        "login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD, "autologin": "all"}
    ).json()
    assert body["loggedIn"] is True
    assert "autologinToken" not in body and "autologinExpiresAt" not in body


def test_autologin_logs_a_new_session_in_and_rotates_the_token(api: Api) -> None:
    first = api.call(
        "login",
        session=api.new_session(),
        json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD, "autologin": "restricted"},
    ).json()
    later = api.new_session()
    response = api.call("autologin", session=later, json={"token": first["autologinToken"]})
    assert response.status_code == 200
    body = response.json()
    assert body["account"]["email"] == DEMO_EMAIL
    assert body["autologinToken"] != first["autologinToken"]
    assert api.call("getAccount", session=later).json()["loggedIn"] is True
    # Single use: the spent token is refused, the fresh one works.
    assert_error(
        api.call("autologin", session=api.new_session(), json={"token": first["autologinToken"]}), 401, "invalidToken"
    )
    assert api.call("autologin", session=api.new_session(), json={"token": body["autologinToken"]}).status_code == 200


def test_autologin_token_expires(api: Api) -> None:
    api.change_settings(autologin={"restrictedTokenTtlSeconds": 600})
    body = api.call(
        "login",
        session=api.new_session(),
        json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD, "autologin": "restricted"},
    ).json()
    token = body["autologinToken"]
    expires_at = datetime.fromisoformat(body["autologinExpiresAt"])
    now = datetime.fromisoformat(api.advance_clock(601)["now"])
    assert timedelta(0) < now - expires_at < timedelta(seconds=5)
    assert_error(api.call("autologin", session=api.new_session(), json={"token": token}), 401, "invalidToken")


def test_register_creates_the_account_and_logs_in(api: Api) -> None:
    session = api.new_session()
    response = api.call(
        "register", session=session, json={"email": "Fresh.Customer@example.com", "password": "Sicher-Passwort-2026"}
    )
    assert response.status_code == 200
    account = response.json()["account"]
    assert account["email"] == "Fresh.Customer@example.com"
    assert account["emailVerified"] is False and account["displayName"] == ""
    assert api.call("getAccount", session=session).json()["account"]["id"] == account["id"]
    assert (
        api.call(
            "login",
            session=api.new_session(),
            json={"id": "fresh.customer@example.com", "password": "Sicher-Passwort-2026"},
        ).status_code
        == 200
    )


def test_registered_account_ids_are_unique(api: Api) -> None:
    ids = {
        api.call("getAccount", session=api.register(email=f"c{n}@example.com")).json()["account"]["id"]
        for n in range(3)
    }
    assert len(ids) == 3


def test_get_account_on_anonymous_session_is_logged_out(api: Api) -> None:
    assert api.call("getAccount", session=api.new_session()).json() == {"loggedIn": False}


def test_logout_keeps_the_session_alive_and_anonymous(api: Api, demo: str) -> None:
    response = api.call("logout", session=demo)
    assert response.json() == {"loggedIn": False}
    assert api.call("getAccount", session=demo).json() == {"loggedIn": False}
    assert api.call("prepareRedirect", session=demo, json={"viewIdentifier": "basket"}).status_code == 200


def test_logout_of_anonymous_session_succeeds(api: Api) -> None:
    assert api.call("logout", session=api.new_session()).json() == {"loggedIn": False}


def test_delete_without_double_opt_in_deletes_at_once(api: Api, demo: str) -> None:
    other_session = api.login()
    response = api.call("deleteAccount", session=demo)
    assert response.json() == {"deleted": True, "confirmationRequired": False}
    assert api.call("getAccount", session=demo).json() == {"loggedIn": False}
    assert_error(api.call("listAddresses", session=other_session), 401, "notLoggedIn")
    assert_error(
        api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}),
        401,
        "invalidCredentials",
    )


def test_delete_frees_the_email_address(api: Api, demo: str) -> None:
    api.call("deleteAccount", session=demo, json={})
    assert (
        api.call(
            "register", session=api.new_session(), json={"email": DEMO_EMAIL, "password": "Another-Pass-1"}
        ).status_code
        == 200
    )


def test_delete_with_double_opt_in_mails_a_token_and_keeps_the_account(api: Api, demo: str) -> None:
    api.change_settings(doubleOptInDeletion=True)
    response = api.call("deleteAccount", session=demo)
    assert response.json() == {"deleted": False, "confirmationRequired": True}
    message = api.outbox(to=DEMO_EMAIL)[-1]
    assert message["kind"] == "accountDeletion" and message["token"] in message["link"]
    assert api.call("getAccount", session=demo).json()["loggedIn"] is True


def test_delete_with_the_mailed_token_as_otok_deletes(api: Api, demo: str) -> None:
    api.change_settings(doubleOptInDeletion=True)
    api.call("deleteAccount", session=demo)
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    assert api.call("deleteAccount", session=demo, json={"otok": token}).json() == {
        "deleted": True,
        "confirmationRequired": False,
    }


def test_delete_confirm_refuses_a_token_of_another_account(api: Api, demo: str) -> None:
    api.change_settings(doubleOptInDeletion=True)
    other = api.register(email="other@example.com")
    api.call("deleteAccount", session=other)
    token = api.outbox(to="other@example.com")[-1]["token"]
    assert_error(
        api.call("confirmAccountDeletion", session=demo, json={"otok": token}), 403, "actionNotAllowed", "otok"
    )


def test_delete_confirm_refuses_a_token_meant_for_another_action(api: Api, demo: str) -> None:
    api.change_settings(doubleOptInDeletion=True)
    api.call("requestPasswordReset", session=demo, json={"email": DEMO_EMAIL})
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    assert_error(api.call("confirmAccountDeletion", session=demo, json={"otok": token}), 403, "actionNotAllowed")


def test_delete_confirm_token_is_single_use(api: Api) -> None:
    api.change_settings(doubleOptInDeletion=True)
    first = api.register(email="twice@example.com")
    api.call("deleteAccount", session=first)
    token = api.outbox(to="twice@example.com")[-1]["token"]
    assert api.call("confirmAccountDeletion", session=first, json={"otok": token}).status_code == 200
    again = api.register(email="twice@example.com")
    assert_error(api.call("confirmAccountDeletion", session=again, json={"otok": token}), 403, "actionNotAllowed")


def test_delete_confirm_token_expires(api: Api, demo: str) -> None:
    api.change_settings(doubleOptInDeletion=True, optInTokenTtlSeconds=600)
    api.call("deleteAccount", session=demo)
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    api.advance_clock(601)
    assert_error(api.call("confirmAccountDeletion", session=demo, json={"otok": token}), 403, "actionNotAllowed")
