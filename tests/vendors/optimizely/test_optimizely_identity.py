"""The token endpoint: password and refresh grants, their refusals, one-time refresh tokens."""

from __future__ import annotations

from typing import Any

import pytest
from domain_steps import ManualClock, refused
from optimizely_steps import DEMO, PASSWORD, bearer, signed_in, token

from mock_server.vendors.optimizely.domain import Caller, Website

pytestmark = pytest.mark.anyio


def refresh_form(refresh_token: str, scope: str | None = None) -> dict[str, Any]:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return form if scope is None else {**form, "scope": scope}


async def test_the_password_grant_answers_an_access_token_for_a_new_session_not_signed_in(website: Website) -> None:
    answer = await token(website)

    assert set(answer) == {"access_token", "expires_in", "token_type", "scope"}
    assert (answer["expires_in"], answer["token_type"], answer["scope"]) == (3600, "Bearer", "iscapi")
    caller = await bearer(website, answer["access_token"])
    session = (await website.sessions.current(caller)).session
    assert (session["isAuthenticated"], session["userName"]) == (False, None)


async def test_each_password_grant_opens_its_own_session(website: Website) -> None:
    first, second = await token(website), await token(website)

    grants = [await website.authenticate(answer["access_token"]) for answer in (first, second)]

    assert grants[0] is not None and grants[1] is not None
    assert grants[0].session_id != grants[1].session_id


async def test_a_refresh_token_is_answered_only_for_offline_access(website: Website) -> None:
    answer = await token(website, scope="offline_access iscapi")

    assert answer["scope"] == "iscapi offline_access"
    assert answer["refresh_token"]


@pytest.mark.parametrize("scope", ["iscapi admin", "openid", "iscapi,offline_access"])
async def test_a_scope_outside_iscapi_and_offline_access_is_invalid_scope(website: Website, scope: str) -> None:
    assert (await refused(token(website, scope=scope))).code == "invalidScope"


@pytest.mark.parametrize("scope", ["", "   "])
async def test_a_blank_scope_means_iscapi(website: Website, scope: str) -> None:
    assert (await token(website, scope=scope))["scope"] == "iscapi"


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("mobile", "wrong"), ("mobile", None), ("unknown", "any"), (None, None), ("isc", None)],
)
async def test_an_unknown_client_a_wrong_secret_or_no_basic_credentials_is_invalid_client(
    website: Website, client_id: str | None, secret: str | None
) -> None:
    form = {"grant_type": "password", "username": DEMO, "password": PASSWORD}

    error = await refused(website.identity.issue(client_id, secret, form))

    assert error.code == "invalidClient"
    assert await website.client(client_id, secret) is None


async def test_isc_takes_any_secret_and_mobile_only_its_own(website: Website) -> None:
    assert await website.client("isc", "") is not None
    assert await website.client("isc", "whatever") is not None
    assert await website.client("mobile", "mobile-secret") is not None
    assert (await token(website, client=("mobile", "mobile-secret")))["access_token"]


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"username": DEMO, "password": PASSWORD}, "invalidRequest"),
        ({"grant_type": "client_credentials"}, "unsupportedGrantType"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupportedGrantType"),
        ({"grant_type": "password", "password": PASSWORD}, "invalidRequest"),
        ({"grant_type": "password", "username": DEMO, "password": ""}, "invalidRequest"),
        ({"grant_type": "password", "username": DEMO, "password": [PASSWORD, PASSWORD]}, "invalidRequest"),
        ({"grant_type": "refresh_token"}, "invalidRequest"),
        ({"grant_type": "password", "username": DEMO, "scope": "nonsense"}, "invalidRequest"),
        ({"grant_type": "password", "username": DEMO, "password": PASSWORD, "scope": "nonsense"}, "invalidScope"),
    ],
)
async def test_form_refusals(website: Website, form: dict[str, Any], code: str) -> None:
    assert (await refused(website.identity.issue("isc", "x", form))).code == code


async def test_the_client_is_checked_before_the_form(website: Website) -> None:
    assert (await refused(website.identity.issue("mobile", "wrong", {}))).code == "invalidClient"


@pytest.mark.parametrize(
    ("user", "password"), [("nobody", PASSWORD), (DEMO, "Wrong-Password-1"), ("lockedout", PASSWORD)]
)
async def test_unknown_user_wrong_password_and_lock_out_are_invalid_grant(
    website: Website, user: str, password: str
) -> None:
    error = await refused(token(website, user, password))

    assert (error.code, error.message) == ("invalidGrant", "The user name or password is incorrect.")


@pytest.mark.parametrize("user", ["deactivated", "mustchange", "otherwebsite", "nobillto", "DEMO"])
async def test_users_the_sign_in_refuses_still_get_a_token(website: Website, user: str) -> None:
    assert (await token(website, user))["access_token"]


async def test_wrong_passwords_at_the_token_endpoint_lock_the_user_out(website: Website, clock: ManualClock) -> None:
    for _ in range(5):
        await refused(token(website, DEMO, "Wrong-Password-1"))

    assert (await refused(token(website))).code == "invalidGrant"
    clock.advance(900)
    assert (await token(website))["access_token"]


async def test_refresh_gives_new_tokens_for_the_same_signed_in_session(website: Website) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    await website.sessions.sign_in(
        await bearer(website, tokens["access_token"]), {"userName": DEMO, "password": PASSWORD}
    )

    renewed = await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"]))

    assert renewed["scope"] == "iscapi offline_access"
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["access_token"] != tokens["access_token"]
    session = (await website.sessions.current(await bearer(website, renewed["access_token"]))).session
    assert (session["isAuthenticated"], session["userName"]) == (True, DEMO)
    old, new = await website.authenticate(tokens["access_token"]), await website.authenticate(renewed["access_token"])
    assert old is not None and new is not None and old.session_id == new.session_id


async def test_a_refresh_token_is_spent_by_its_use(website: Website) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"]))

    error = await refused(website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"])))

    assert (error.code, error.message) == ("invalidGrant", "The refresh token is not valid.")


async def test_a_refresh_token_of_another_client_is_refused_and_stays_its_owners(website: Website) -> None:
    tokens = await token(website, scope="iscapi offline_access", client=("mobile", "mobile-secret"))

    assert (
        await refused(website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"])))
    ).code == "invalidGrant"
    assert await website.identity.issue("mobile", "mobile-secret", refresh_form(tokens["refresh_token"]))


async def test_a_refresh_may_narrow_the_scope_but_not_widen_it(website: Website) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    narrowed = await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"], "iscapi"))
    assert narrowed["scope"] == "iscapi"
    assert "refresh_token" not in narrowed

    other = await token(website, scope="offline_access")
    error = await refused(
        website.identity.issue("isc", "x", refresh_form(other["refresh_token"], "iscapi offline_access"))
    )
    assert error.code == "invalidScope"
    # Refused before it was spent.
    assert await website.identity.issue("isc", "x", refresh_form(other["refresh_token"]))


async def test_a_refresh_token_expires_after_refresh_token_seconds(website: Website, clock: ManualClock) -> None:
    _, tokens = await signed_in(website, rememberMe=True)  # remembered: the session has no idle timeout
    clock.advance(1209599)
    renewed = await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"]))
    clock.advance(1209600)

    assert (
        await refused(website.identity.issue("isc", "x", refresh_form(renewed["refresh_token"])))
    ).code == "invalidGrant"


async def test_access_tokens_expire_after_access_token_seconds(website: Website, clock: ManualClock) -> None:
    _, tokens = await signed_in(website, rememberMe=True)
    clock.advance(3599)
    assert await website.authenticate(tokens["access_token"]) is not None
    clock.advance(1)
    assert await website.authenticate(tokens["access_token"]) is None


async def test_refresh_after_the_idle_timeout_is_invalid_grant(website: Website, clock: ManualClock) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    clock.advance(1200)

    assert (
        await refused(website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"])))
    ).code == "invalidGrant"
    assert await website.authenticate(tokens["access_token"]) is None


async def test_a_refresh_counts_as_activity(website: Website, clock: ManualClock) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    clock.advance(1100)
    renewed = await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"]))
    clock.advance(1100)

    assert await website.authenticate(renewed["access_token"]) is not None


async def test_sign_out_revokes_the_sessions_access_and_refresh_tokens(website: Website) -> None:
    tokens = await token(website, scope="iscapi offline_access")
    renewed = await website.identity.issue("isc", "x", refresh_form(tokens["refresh_token"]))
    caller = await bearer(website, renewed["access_token"])

    await website.sessions.sign_out(caller)

    assert await website.authenticate(tokens["access_token"]) is None
    assert await website.authenticate(renewed["access_token"]) is None
    assert (
        await refused(website.identity.issue("isc", "x", refresh_form(renewed["refresh_token"])))
    ).code == "invalidGrant"


async def test_a_token_of_another_session_is_untouched_by_a_sign_out(website: Website) -> None:
    mine, theirs = await token(website), await token(website)

    await website.sessions.sign_out(await bearer(website, mine["access_token"]))

    assert await website.authenticate(theirs["access_token"]) is not None
    assert await website.authenticate("not-a-token") is None
    assert await website.authenticate("") is None
    assert Caller().grant is None
