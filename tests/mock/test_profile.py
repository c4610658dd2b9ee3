"""Display name, e-mail change and verification."""

from __future__ import annotations

from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error


def test_update_display_name_answers_the_changed_account(api: Api, demo: str) -> None:
    response = api.call("updateDisplayName", session=demo, json={"displayName": "Kim M."})
    assert response.json()["account"]["displayName"] == "Kim M."
    assert api.call("getAccount", session=demo).json()["account"]["displayName"] == "Kim M."


def test_email_change_with_verification_keeps_the_old_address_until_verified(api: Api, demo: str) -> None:
    response = api.call("updateEmail", session=demo, json={"email": "neue.adresse@example.com"})
    body = response.json()
    assert body["verificationRequired"] is True
    assert (body["account"]["email"], body["account"]["pendingEmail"]) == (DEMO_EMAIL, "neue.adresse@example.com")
    message = api.outbox(to="neue.adresse@example.com")[-1]
    assert message["kind"] == "emailVerification"
    assert (
        api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}).status_code
        == 200
    )

    verified = api.call("verifyEmail", session=demo, json={"otok": message["token"]})
    assert verified.status_code == 200
    account = verified.json()["account"]
    assert (account["email"], account["emailVerified"], "pendingEmail" in account) == (
        "neue.adresse@example.com",
        True,
        False,
    )
    assert (
        api.call(
            "login", session=api.new_session(), json={"id": "neue.adresse@example.com", "password": DEMO_PASSWORD}
        ).status_code
        == 200
    )
    assert (
        api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}).status_code
        == 401
    )


def test_verify_works_from_an_anonymous_session(api: Api, demo: str) -> None:
    api.call("updateEmail", session=demo, json={"email": "elsewhere@example.com"})
    token = api.outbox(to="elsewhere@example.com")[-1]["token"]
    response = api.call("verifyEmail", session=api.new_session(), json={"otok": token})
    assert response.status_code == 200
    assert response.json()["loggedIn"] is False
    assert api.call("getAccount", session=demo).json()["account"]["email"] == "elsewhere@example.com"


def test_verify_token_is_single_use(api: Api, demo: str) -> None:
    api.call("updateEmail", session=demo, json={"email": "once@example.com"})
    token = api.outbox(to="once@example.com")[-1]["token"]
    assert api.call("verifyEmail", session=demo, json={"otok": token}).status_code == 200
    assert_error(api.call("verifyEmail", session=demo, json={"otok": token}), 403, "actionNotAllowed")


def test_verify_without_token_is_action_not_allowed(api: Api, demo: str) -> None:
    assert_error(api.call("verifyEmail", session=demo, json={}), 403, "actionNotAllowed")


def test_verify_refuses_a_token_meant_for_another_action(api: Api, demo: str) -> None:
    api.call("requestPasswordReset", session=demo, json={"email": DEMO_EMAIL})
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    assert_error(api.call("verifyEmail", session=demo, json={"otok": token}), 403, "actionNotAllowed")


def test_email_change_without_verification_is_immediate(api: Api, demo: str) -> None:
    api.change_settings(emailChangeVerification=False)
    body = api.call("updateEmail", session=demo, json={"email": "direct@example.com"}).json()
    assert body["verificationRequired"] is False
    assert body["account"]["email"] == "direct@example.com" and "pendingEmail" not in body["account"]
    assert api.outbox(to="direct@example.com") == []
    assert (
        api.call(
            "register", session=api.new_session(), json={"email": DEMO_EMAIL, "password": "Register-Pass-1"}
        ).status_code
        == 200
    )


def test_email_taken_by_another_account_is_refused_case_insensitively(api: Api, demo: str) -> None:
    api.register(email="taken@example.com")
    assert_error(
        api.call("updateEmail", session=demo, json={"email": "TAKEN@example.com"}), 409, "accountAlreadyExists", "email"
    )
