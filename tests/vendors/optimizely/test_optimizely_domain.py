"""The caller's session: anonymous answers, cookie sessions, idle timeout, rememberMe, sign-out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from domain_steps import ManualClock, refused
from optimizely_steps import DEMO, PASSWORD, WEBSITE_SETTINGS, bearer, signed_in, token

from mock_server.store import MemoryStore
from mock_server.vendors.optimizely.domain import Caller, Website
from mock_server.vendors.optimizely.fixtures import OptimizelyFixtureData

pytestmark = pytest.mark.anyio

SESSIONS = "optimizely:session:"


def language_id(data: OptimizelyFixtureData, code: str) -> str:
    return next(str(language["id"]) for language in data.languages if language["languageCode"] == code)


async def session_keys(website: Website) -> list[str]:
    return sorted(await website.store.keys(SESSIONS))


async def test_an_anonymous_caller_gets_the_websites_defaults_and_nothing_is_stored(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    answer = await website.sessions.current(Caller())

    session = answer.session
    assert answer.set_cookie is None
    assert await session_keys(website) == []
    assert session["language"] == fixture_data.languages[0]
    assert session["currency"] == fixture_data.currencies[0]
    assert (session["isAuthenticated"], session["userName"], session["billTo"], session["shipTo"]) == (
        False,
        None,
        None,
        None,
    )
    default_persona = next(persona for persona in fixture_data.personas if persona["isDefault"])
    assert (session["persona"], session["personas"]) == (default_persona["name"], [default_persona])
    assert (session["userRoles"], session["email"]) == (None, None)
    assert (session["rememberMe"], session["displayChangeCustomerLink"], session["displayMyAccountMenu"]) == (
        False,
        False,
        False,
    )
    assert (session["uri"], session["properties"], session["deviceType"]) == ("/api/v1/sessions/current", {}, "Desktop")


async def test_the_session_answer_has_every_field_of_the_design(website: Website) -> None:
    session, _ = await signed_in(website)

    assert set(session) == {
        "uri",
        "properties",
        "activateAccount",
        "billTo",
        "currency",
        "customerWasUpdated",
        "customLandingPage",
        "dashboardIsHomepage",
        "deviceType",
        "displayChangeCustomerLink",
        "displayMyAccountMenu",
        "email",
        "firstName",
        "lastName",
        "fulfillmentMethod",
        "hasDefaultCustomer",
        "hasRfqUpdates",
        "isAuthenticated",
        "isGuest",
        "isRestrictedProductExistInCart",
        "isRestrictedProductRemovedFromCart",
        "isSalesPerson",
        "language",
        "newPassword",
        "password",
        "persona",
        "personas",
        "pickUpWarehouse",
        "redirectToChangeCustomerPageOnSignIn",
        "rememberMe",
        "resetPassword",
        "resetToken",
        "shipTo",
        "userLabel",
        "userName",
        "userProfileId",
        "userRoles",
    }
    assert set(session["billTo"]) == {
        "id",
        "customerNumber",
        "customerSequence",
        "companyName",
        "firstName",
        "lastName",
        "address1",
        "address2",
        "city",
        "postalCode",
        "state",
        "country",
        "phone",
        "email",
        "isDefault",
        "uri",
    }
    assert session["shipTo"]["customerSequence"] and not session["billTo"]["customerSequence"]


async def test_a_context_switch_without_a_session_opens_a_cookie_session(website: Website) -> None:
    answer = await website.sessions.current(Caller(), language_code="DE-DE", currency_code="cad")

    assert answer.set_cookie is not None and answer.set_cookie.max_age is None
    assert (answer.session["language"]["languageCode"], answer.session["currency"]["currencyCode"]) == ("de-de", "CAD")
    again = await website.sessions.current(Caller(cookie=answer.set_cookie.value))
    assert again.set_cookie is None
    assert (again.session["language"]["languageCode"], again.session["currency"]["currencyCode"]) == ("de-de", "CAD")
    assert len(await session_keys(website)) == 1


async def test_a_live_cookie_session_is_switched_without_a_new_cookie(website: Website) -> None:
    cookie = (await website.sessions.current(Caller(), language_code="fr-fr")).set_cookie
    assert cookie is not None

    answer = await website.sessions.current(Caller(cookie=cookie.value), currency_code="GBP")

    assert answer.set_cookie is None
    assert (answer.session["language"]["languageCode"], answer.session["currency"]["currencyCode"]) == ("fr-fr", "GBP")


async def test_the_store_keeps_only_the_cookies_digest(website: Website) -> None:
    cookie = (await website.sessions.current(Caller(), language_code="fr-fr")).set_cookie
    assert cookie is not None

    [key] = await session_keys(website)

    assert cookie.value not in key


@pytest.mark.parametrize(
    ("language", "currency", "code"),
    [
        ("xx-yy", "USD", "languageNotFound"),
        ("es-mx", None, "languageNotFound"),
        ("xx-yy", "XXX", "languageNotFound"),
        ("en-us", "XXX", "currencyNotFound"),
        (None, "XXX", "currencyNotFound"),
    ],
)
async def test_unknown_or_not_live_codes_are_refused_language_first_and_nothing_is_stored(
    website: Website, language: str | None, currency: str | None, code: str
) -> None:
    error = await refused(website.sessions.current(Caller(), language_code=language, currency_code=currency))

    assert error.code == code
    assert await session_keys(website) == []


@pytest.mark.parametrize("cookie", ["nonsense", "", "x" * 43, "A" * 256, "../../etc", "é" * 43])
async def test_a_cookie_that_names_no_live_session_is_ignored(website: Website, cookie: str) -> None:
    answer = await website.sessions.current(Caller(cookie=cookie))

    assert answer.session["isAuthenticated"] is False
    assert await session_keys(website) == []
    await website.sessions.sign_out(Caller(cookie=cookie))


async def test_a_cookie_session_ends_after_the_idle_time_without_requests(website: Website, clock: ManualClock) -> None:
    cookie = (await website.sessions.sign_in(Caller(), {"userName": DEMO, "password": PASSWORD})).set_cookie
    assert cookie is not None
    for _ in range(3):
        clock.advance(1199)
        assert (await website.sessions.current(Caller(cookie=cookie.value))).session["isAuthenticated"] is True

    clock.advance(1200)

    answer = await website.sessions.current(Caller(cookie=cookie.value))
    assert answer.session["isAuthenticated"] is False
    assert answer.set_cookie is None
    # An ended session's cookie is ignored: a switch opens another session.
    switched = await website.sessions.current(Caller(cookie=cookie.value), language_code="de-de")
    assert switched.set_cookie is not None and switched.set_cookie.value != cookie.value


async def test_a_token_session_ends_after_the_idle_time_and_its_bearer_token_with_it(
    website: Website, clock: ManualClock
) -> None:
    _, tokens = await signed_in(website)
    clock.advance(1199)
    assert await website.authenticate(tokens["access_token"]) is not None  # a request: the idle time restarts
    clock.advance(1199)
    assert await website.authenticate(tokens["access_token"]) is not None
    clock.advance(1200)

    assert await website.authenticate(tokens["access_token"]) is None


async def test_the_idle_time_follows_the_settings(website: Website, clock: ManualClock) -> None:
    await website.settings.replace({"sessionIdleSeconds": 30})
    tokens = await token(website)
    clock.advance(30)

    assert await website.authenticate(tokens["access_token"]) is None


async def test_a_remembered_token_session_has_no_idle_timeout(website: Website, clock: ManualClock) -> None:
    _, tokens = await signed_in(website, rememberMe=True)
    clock.advance(3000)

    caller = await bearer(website, tokens["access_token"])
    session = (await website.sessions.current(caller)).session
    assert (session["isAuthenticated"], session["rememberMe"]) == (True, True)


async def test_a_remembered_cookie_session_lasts_remember_me_seconds(website: Website, clock: ManualClock) -> None:
    cookie = (
        await website.sessions.sign_in(Caller(), {"userName": DEMO, "password": PASSWORD, "rememberMe": True})
    ).set_cookie
    assert cookie is not None
    clock.advance(86400 * 13)
    assert (await website.sessions.current(Caller(cookie=cookie.value))).session["rememberMe"] is True

    clock.advance(86400)

    assert (await website.sessions.current(Caller(cookie=cookie.value))).session["isAuthenticated"] is False


async def test_sign_out_with_a_token_ends_the_session_and_a_second_one_finds_no_token(website: Website) -> None:
    _, tokens = await signed_in(website)

    await website.sessions.sign_out(await bearer(website, tokens["access_token"]))

    assert await website.authenticate(tokens["access_token"]) is None  # the handler's 401
    assert await session_keys(website) == []


async def test_sign_out_with_a_cookie_keeps_an_anonymous_session_with_its_language_and_currency(
    website: Website,
) -> None:
    switched = (await website.sessions.current(Caller(), language_code="de-de", currency_code="EUR")).set_cookie
    assert switched is not None
    cookie = Caller(cookie=switched.value)
    signed = await website.sessions.sign_in(cookie, {"userName": DEMO, "password": PASSWORD, "rememberMe": True})
    assert signed.set_cookie is not None and signed.set_cookie.value == switched.value

    await website.sessions.sign_out(cookie)

    session = (await website.sessions.current(cookie)).session
    assert (session["isAuthenticated"], session["userName"], session["billTo"], session["shipTo"]) == (
        False,
        None,
        None,
        None,
    )
    assert (session["persona"], session["rememberMe"]) == ("Default", False)
    assert (session["language"]["languageCode"], session["currency"]["currencyCode"]) == ("de-de", "EUR")
    assert len(await session_keys(website)) == 1


async def test_after_sign_out_a_remembered_cookie_session_idles_out_again(website: Website, clock: ManualClock) -> None:
    cookie = (
        await website.sessions.sign_in(Caller(), {"userName": DEMO, "password": PASSWORD, "rememberMe": True})
    ).set_cookie
    assert cookie is not None
    await website.sessions.sign_out(Caller(cookie=cookie.value))
    clock.advance(1200)

    assert await session_keys(website) != []
    await website.sessions.current(Caller(cookie=cookie.value))
    assert await session_keys(website) == []  # found over, and cleared


async def test_sign_out_without_token_or_cookie_does_nothing(website: Website) -> None:
    await website.sessions.sign_out(Caller())

    assert await session_keys(website) == []


async def test_a_token_and_a_cookie_the_token_names_the_session(website: Website) -> None:
    cookie = (await website.sessions.sign_in(Caller(), {"userName": DEMO, "password": PASSWORD})).set_cookie
    assert cookie is not None
    tokens = await token(website)
    grant = (await bearer(website, tokens["access_token"])).grant

    session = (await website.sessions.current(Caller(grant=grant, cookie=cookie.value))).session

    assert session["isAuthenticated"] is False


async def test_the_hot_path_reads_little_and_writes_once(website: Website, fixture_data: OptimizelyFixtureData) -> None:
    _, tokens = await signed_in(website)
    await website.sessions.current(await bearer(website, tokens["access_token"]))  # the catalog is read once
    calls: list[str] = []
    store: Any = website.store
    for name in ("get", "get_many", "put", "update", "add", "pop", "delete", "touch"):
        method = getattr(store, name)

        async def counted(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return await _method(*args, **kwargs)

        setattr(store, name, counted)

    await website.sessions.current(await bearer(website, tokens["access_token"]))

    assert calls.count("update") + calls.count("put") <= 1
    assert len(calls) <= 5, calls


@pytest.fixture
async def timed_store_website(
    clock: ManualClock, fixture_data: OptimizelyFixtureData, password_hashes: dict[str, str]
) -> AsyncIterator[Website]:
    """A website whose memory store expires keys on the same hand-moved clock."""
    store = MemoryStore(clock=clock)
    website = Website(store, WEBSITE_SETTINGS, clock=clock)
    await website.seed(fixture_data, password_hashes)
    yield website
    await store.close()


async def test_the_store_lets_go_of_ended_sessions_and_expired_tokens_by_itself(
    timed_store_website: Website, clock: ManualClock
) -> None:
    website = timed_store_website
    await token(website, scope="iscapi offline_access")
    await website.sessions.current(Caller(), language_code="de-de")
    clock.advance(1200 + 60)

    assert await website.store.keys(SESSIONS) == []
    assert await website.store.keys("optimizely:token:") != []  # an access token lives its hour
    clock.advance(3600)
    assert await website.store.keys("optimizely:token:") == []


async def test_a_refreshed_remembered_token_session_outlives_its_first_refresh_token(
    timed_store_website: Website, clock: ManualClock
) -> None:
    website = timed_store_website
    _, tokens = await signed_in(website, rememberMe=True)
    clock.advance(1209600 - 60)
    renewed = await website.identity.issue(
        "isc", "x", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    clock.advance(86400)
    again = await website.identity.issue(
        "isc", "x", {"grant_type": "refresh_token", "refresh_token": renewed["refresh_token"]}
    )

    session = (await website.sessions.current(await bearer(website, again["access_token"]))).session

    assert (session["isAuthenticated"], session["rememberMe"]) == (True, True)
