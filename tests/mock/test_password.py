"""Password change while logged in, and recovery by e-mailed token."""

from __future__ import annotations

from mock_api import DEMO_EMAIL, DEMO_PASSWORD, NEW_PASSWORD, Api, assert_error


def _can_log_in(api: Api, password: str, email: str = DEMO_EMAIL) -> bool:
    return api.call("login", session=api.new_session(), json={"id": email, "password": password}).status_code == 200


def test_change_password_with_current_password(api: Api, demo: str) -> None:
    response = api.call(
        "changePassword", session=demo, json={"newPassword": NEW_PASSWORD, "passwordAuth": DEMO_PASSWORD}
    )
    assert response.json() == {"success": True}
    assert _can_log_in(api, NEW_PASSWORD) and not _can_log_in(api, DEMO_PASSWORD)


def test_change_password_without_requirements(api: Api, demo: str) -> None:
    api.change_settings(passwordChange={"requireEmail": False, "requirePasswordAuth": False})
    assert api.call("changePassword", session=demo, json={"newPassword": NEW_PASSWORD}).status_code == 200
    assert _can_log_in(api, NEW_PASSWORD)


def test_change_password_with_required_email_matching_case_insensitively(api: Api, demo: str) -> None:
    api.change_settings(passwordChange={"requireEmail": True})
    body = {"newPassword": NEW_PASSWORD, "email": DEMO_EMAIL.upper(), "passwordAuth": DEMO_PASSWORD}
    assert api.call("changePassword", session=demo, json=body).status_code == 200


def test_change_password_checks_the_policy_before_the_shops_requirements(api: Api, demo: str) -> None:
    api.change_settings(passwordChange={"requireEmail": True})
    assert_error(api.call("changePassword", session=demo, json={"newPassword": "weak"}), 400, "passwordCheckFailed")


def test_change_password_checks_email_before_current_password(api: Api, demo: str) -> None:
    api.change_settings(passwordChange={"requireEmail": True})
    assert_error(api.call("changePassword", session=demo, json={"newPassword": NEW_PASSWORD}), 403, "missingEmail")
    body = {"newPassword": NEW_PASSWORD, "email": "someone@example.com"}
    assert_error(api.call("changePassword", session=demo, json=body), 403, "emailMismatch")


def test_wrong_current_password_changes_nothing(api: Api, demo: str) -> None:
    response = api.call(
        "changePassword", session=demo, json={"newPassword": NEW_PASSWORD, "passwordAuth": "Wrong-Password-1"}
    )
    assert_error(response, 403, "failedPasswordAuth")
    assert _can_log_in(api, DEMO_PASSWORD)


def test_forgotten_mails_a_reset_token_on_an_anonymous_session(api: Api) -> None:
    response = api.call("requestPasswordReset", session=api.new_session(), json={"email": "DEMO@example.com"})
    assert response.json() == {"success": True}
    message = api.outbox(to=DEMO_EMAIL)[-1]
    assert message["kind"] == "passwordReset" and message["to"] == DEMO_EMAIL and message["token"] in message["link"]


def test_reset_token_is_single_use(api: Api) -> None:
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    assert (
        api.call(
            "resetPassword", session=api.new_session(), json={"newPassword": NEW_PASSWORD, "otok": token}
        ).status_code
        == 200
    )
    again = api.call("resetPassword", session=api.new_session(), json={"newPassword": "Third-Secret-3", "otok": token})
    assert_error(again, 401, "notLoggedIn", "otok")
    assert _can_log_in(api, NEW_PASSWORD)


def test_reset_token_expires(api: Api) -> None:
    api.change_settings(optInTokenTtlSeconds=600)
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    api.advance_clock(601)
    assert_error(
        api.call("resetPassword", session=api.new_session(), json={"newPassword": NEW_PASSWORD, "otok": token}),
        401,
        "notLoggedIn",
    )


def test_reset_with_required_email(api: Api) -> None:
    api.change_settings(passwordReset={"requireEmail": True})
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
    body = {"newPassword": NEW_PASSWORD, "otok": token, "email": DEMO_EMAIL}
    assert api.call("resetPassword", session=api.new_session(), json=body).status_code == 200
