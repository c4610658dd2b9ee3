"""End-to-end flows a frontend walks through."""

from __future__ import annotations

from mock_api import DEMO_EMAIL, NEW_PASSWORD, Api, assert_error


def test_register_add_addresses_logout_and_log_back_in(api: Api) -> None:
    email, password = "flow.customer@example.com", "Flow-Password-42"
    session = api.new_session()
    assert api.call("register", session=session, json={"email": email, "password": password}).status_code == 200
    home = api.call(
        "createAddress",
        session=session,
        json={
            "address": {
                "firstName": "Kim",
                "street": "Hauptstraße",
                "zip": "75172",
                "city": "Pforzheim",
                "country": "DE",
            }
        },
    ).json()["address"]
    work = api.call(
        "createAddress", session=session, json={"address": {"company": "ACME", "city": "Karlsruhe", "country": "DE"}}
    ).json()["address"]
    api.call("setMainAddress", session=session, json={"addressId": work["id"]})
    assert api.call("logout", session=session).json() == {"loggedIn": False}
    assert_error(api.call("listAddresses", session=session), 401, "notLoggedIn")

    assert api.call("login", session=session, json={"id": email, "password": password}).status_code == 200
    addresses = api.call("listAddresses", session=session).json()["addresses"]
    assert [(a["id"], a["isMain"]) for a in addresses] == [(home["id"], False), (work["id"], True)]


def test_forgotten_password_reset_then_login_with_the_new_one(api: Api) -> None:
    anonymous = api.new_session()
    assert api.call("requestPasswordReset", session=anonymous, json={"email": DEMO_EMAIL}).status_code == 200
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    assert api.call("resetPassword", session=anonymous, json={"newPassword": NEW_PASSWORD, "otok": token}).json() == {
        "success": True
    }
    response = api.call("login", session=anonymous, json={"id": DEMO_EMAIL, "password": NEW_PASSWORD})
    assert response.status_code == 200 and response.json()["account"]["email"] == DEMO_EMAIL


def test_double_opt_in_deletion(api: Api) -> None:
    api.change_settings(doubleOptInDeletion=True)
    session = api.register(email="leaving@example.com")
    assert api.call("deleteAccount", session=session).json() == {"deleted": False, "confirmationRequired": True}
    assert api.call("getAccount", session=session).json()["loggedIn"] is True
    token = api.outbox(to="leaving@example.com")[-1]["token"]
    assert api.call("confirmAccountDeletion", session=session, json={"otok": token}).json() == {
        "deleted": True,
        "confirmationRequired": False,
    }
    assert api.call("getAccount", session=session).json() == {"loggedIn": False}
    assert_error(
        api.call("login", session=session, json={"id": "leaving@example.com", "password": "Register-Pass-1"}),
        401,
        "invalidCredentials",
    )


def test_stay_logged_in_across_visits(api: Api) -> None:
    token = api.call(
        "login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": "Demo-Password-1", "autologin": "all"}
    ).json()["autologinToken"]
    for _ in range(3):
        visit = api.new_session()
        body = api.call("autologin", session=visit, json={"token": token}).json()
        assert api.call("getAccount", session=visit).json()["account"]["email"] == DEMO_EMAIL
        token = body["autologinToken"]


def test_checkout_handover_after_login(api: Api, demo: str) -> None:
    link = api.call(
        "prepareRedirect", session=demo, json={"viewIdentifier": "checkout", "parameters": {"step": "address"}}
    ).json()["storeFrontLink"]
    assert "/checkout.htm?sessionKey=" in link and link.endswith("&step=address")
