"""Sign-in: the session it fills, its refusals in the vendor's order, lock-out and its end."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from domain_steps import ManualClock, refused
from optimizely_steps import (
    DEMO,
    NEW_PASSWORD,
    PASSWORD,
    WEBSITE_SETTINGS,
    BearerClient,
    bearer,
    signed_in,
    token,
)

from mock_server.store import MemoryStore
from mock_server.vendors.optimizely.domain import Caller, Website
from mock_server.vendors.optimizely.fixtures import OptimizelyFixtureData

pytestmark = pytest.mark.anyio

WRONG = "Wrong-Password-1"


def credentials(user: str = DEMO, password: str = PASSWORD, **more: Any) -> dict[str, Any]:
    return {"userName": user, "password": password, **more}


def demo_of(data: OptimizelyFixtureData) -> dict[str, Any]:
    return next(user for user in data.users if user["userName"] == DEMO)


async def test_sign_in_fills_the_tokens_session_with_the_users_defaults(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    demo = demo_of(fixture_data)
    default_bill_to = demo["billTos"][0]
    tokens = await token(website)
    caller = await bearer(website, tokens["access_token"])
    await website.sessions.current(caller, language_code="de-de", currency_code="eur")

    answer = await website.sessions.sign_in(await bearer(website, tokens["access_token"]), credentials())

    session = answer.session
    assert answer.set_cookie is None
    assert (session["isAuthenticated"], session["userName"], session["email"]) == (True, DEMO, "demo@example.com")
    assert session["billTo"] == default_bill_to["customer"]
    assert session["shipTo"] == default_bill_to["shipTos"][0]
    assert (session["language"]["languageCode"], session["currency"]["currencyCode"]) == ("de-de", "EUR")
    assert [persona["name"] for persona in session["personas"]] == ["Buyer", "Default"]
    assert session["persona"] == "Buyer"
    assert session["userProfileId"] == demo["id"]
    assert session["userLabel"] == f"{demo['firstName']} {demo['lastName']}"
    assert session["userRoles"] == "Buyer1"
    assert (session["rememberMe"], session["hasDefaultCustomer"], session["displayChangeCustomerLink"]) == (
        False,
        True,
        True,
    )
    assert (session["displayMyAccountMenu"], session["redirectToChangeCustomerPageOnSignIn"]) == (True, False)
    assert (session["customerWasUpdated"], session["isGuest"], session["fulfillmentMethod"]) == (False, False, "Ship")
    assert (session["password"], session["newPassword"], session["resetToken"], session["resetPassword"]) == (
        None,
        None,
        None,
        False,
    )
    # The same session afterwards.
    again = (await website.sessions.current(await bearer(website, tokens["access_token"]))).session
    assert again == session


async def test_sign_in_records_the_last_login(
    website: Website, fixture_data: OptimizelyFixtureData, clock: ManualClock
) -> None:
    await signed_in(website)

    user = await website.users.find(DEMO)
    assert user is not None and user.last_login_at == "2027-01-15T08:00:00Z"
    assert clock.now == 1_800_000_000.0


async def test_user_names_compare_case_insensitively(website: Website) -> None:
    session, _ = await signed_in(website, "Demo")

    assert session["userName"] == DEMO


async def test_signing_in_again_replaces_the_user(website: Website) -> None:
    _, tokens = await signed_in(website)

    session = (
        await website.sessions.sign_in(await bearer(website, tokens["access_token"]), credentials("punchout"))
    ).session

    assert session["userName"] == "punchout"
    assert session["displayChangeCustomerLink"] is False  # a punchout session


@pytest.mark.parametrize(
    ("user", "password", "code"),
    [
        ("nobody", PASSWORD, "invalidCredentials"),
        (DEMO, WRONG, "invalidCredentials"),
        ("deactivated", WRONG, "invalidCredentials"),
        ("deactivated", PASSWORD, "userDeactivated"),
        ("mustchange", PASSWORD, "passwordChangeRequired"),
        ("lockedout", PASSWORD, "userLockedOut"),
        ("otherwebsite", PASSWORD, "otherWebsite"),
        ("nobillto", PASSWORD, "noBillTo"),
    ],
)
async def test_each_refusal(website: Website, user: str, password: str, code: str) -> None:
    caller = await bearer(website, (await token(website))["access_token"])

    error = await refused(website.sessions.sign_in(caller, credentials(user, password)))

    assert error.code == code
    session = (await website.sessions.current(await bearer(website, (await token(website))["access_token"]))).session
    assert session["isAuthenticated"] is False


@pytest.fixture
async def faulty_website(
    fixture_data: OptimizelyFixtureData, password_hashes: dict[str, str], clock: ManualClock
) -> AsyncIterator[Callable[..., Any]]:
    """A website whose fixtures hold one more user, `faulty`, with the given faults."""
    stores: list[MemoryStore] = []

    async def build(**faults: Any) -> Website:
        demo = demo_of(fixture_data)
        faulty = {
            **demo,
            "id": "00000000-0000-4000-8000-000000000001",
            "userName": "faulty",
            "email": "faulty@example.com",
            **faults,
        }
        data = dataclasses.replace(fixture_data, users=[*fixture_data.users, faulty])
        stores.append(MemoryStore())
        website = Website(stores[-1], WEBSITE_SETTINGS, clock=clock)
        await website.seed(data, password_hashes)
        return website

    yield build
    for store in stores:
        await store.close()


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        (
            {
                "deactivated": True,
                "mustChangePassword": True,
                "lockedUntil": 2e11,
                "websites": ["Outlet"],
                "billTos": [],
            },
            "userDeactivated",
        ),
        (
            {"mustChangePassword": True, "lockedUntil": 2e11, "websites": ["Outlet"], "billTos": []},
            "passwordChangeRequired",
        ),
        ({"lockedUntil": 2e11, "websites": ["Outlet"], "billTos": []}, "userLockedOut"),
        ({"websites": ["Outlet"], "billTos": []}, "otherWebsite"),
        ({"billTos": []}, "noBillTo"),
    ],
)
async def test_a_user_with_several_faults_answers_the_first_in_the_vendors_order(
    faulty_website: Callable[..., Any], faults: dict[str, Any], code: str
) -> None:
    website = await faulty_website(**faults)
    tokens = await token(website)

    assert (
        await refused(website.sessions.sign_in(await bearer(website, tokens["access_token"]), credentials("faulty")))
    ).code == code
    # A wrong password comes before every fault.
    assert (
        await refused(
            website.sessions.sign_in(await bearer(website, tokens["access_token"]), credentials("faulty", WRONG))
        )
    ).code == "invalidCredentials"


async def test_a_user_without_a_default_bill_to_takes_the_first_and_is_sent_to_choose(
    faulty_website: Callable[..., Any], fixture_data: OptimizelyFixtureData
) -> None:
    demo = demo_of(fixture_data)
    bill_tos = [{**b, "customer": {**b["customer"], "isDefault": False}} for b in reversed(demo["billTos"])]
    website = await faulty_website(billTos=bill_tos)

    session, _ = await signed_in(website, "faulty")

    assert session["billTo"]["id"] == bill_tos[0]["customer"]["id"]
    assert session["shipTo"]["id"] == bill_tos[0]["shipTos"][0]["id"]
    assert (session["hasDefaultCustomer"], session["redirectToChangeCustomerPageOnSignIn"]) == (False, True)


async def test_a_bill_to_without_ship_tos_is_its_own_ship_to(
    faulty_website: Callable[..., Any], fixture_data: OptimizelyFixtureData
) -> None:
    bill_to = demo_of(fixture_data)["billTos"][0]
    website = await faulty_website(billTos=[{**bill_to, "shipTos": []}])

    session, _ = await signed_in(website, "faulty")

    assert session["shipTo"] == session["billTo"] == bill_to["customer"]
    assert session["displayChangeCustomerLink"] is False  # one bill-to, one ship-to


async def test_five_wrong_passwords_lock_the_user_out_for_lockout_seconds(website: Website, clock: ManualClock) -> None:
    me = BearerClient(website, (await token(website))["access_token"])
    for _ in range(4):
        assert (
            await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))
        ).code == "invalidCredentials"
    assert (await website.sessions.sign_in(await me(), credentials())).session["isAuthenticated"]

    for _ in range(5):
        assert (
            await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))
        ).code == "invalidCredentials"

    assert (await refused(website.sessions.sign_in(await me(), credentials()))).code == "userLockedOut"
    clock.advance(899)
    assert (await refused(website.sessions.sign_in(await me(), credentials()))).code == "userLockedOut"
    clock.advance(1)
    assert (await website.sessions.sign_in(await me(), credentials())).session["isAuthenticated"]


async def test_a_right_password_resets_the_count_of_wrong_ones(website: Website) -> None:
    me = BearerClient(website, (await token(website))["access_token"])
    for _ in range(4):
        await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))
    await website.sessions.sign_in(await me(), credentials())
    for _ in range(4):
        await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))

    assert (await website.sessions.sign_in(await me(), credentials())).session["isAuthenticated"]


async def test_wrong_passwords_during_a_lock_out_do_not_extend_it(website: Website, clock: ManualClock) -> None:
    me = BearerClient(website, (await token(website))["access_token"])
    for _ in range(5):
        await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))
    clock.advance(600)
    for _ in range(5):
        await refused(website.sessions.sign_in(await me(), credentials(password=WRONG)))
    clock.advance(300)

    assert (await website.sessions.sign_in(await me(), credentials())).session["isAuthenticated"]


async def test_a_reset_token_unlocks_a_locked_out_user(website: Website) -> None:
    anonymous = Caller()
    await website.sessions.update(anonymous, {"userName": "lockedout", "resetPassword": True})
    [message] = await website.outbox.messages()

    await website.sessions.update(
        anonymous, {"userName": "lockedout", "resetToken": message["token"], "newPassword": NEW_PASSWORD}
    )

    session, _ = await signed_in(website, "lockedout", NEW_PASSWORD)
    assert session["userName"] == "lockedout"


async def test_a_must_change_user_changes_the_password_anonymously_then_signs_in(website: Website) -> None:
    await website.sessions.update(
        Caller(), {"userName": "mustchange", "password": PASSWORD, "newPassword": NEW_PASSWORD}
    )

    session, _ = await signed_in(website, "mustchange", NEW_PASSWORD)

    assert session["isAuthenticated"] is True
    assert (await refused(token(website, "mustchange", PASSWORD))).code == "invalidGrant"


async def test_sign_in_without_a_session_opens_a_cookie_session(website: Website) -> None:
    answer = await website.sessions.sign_in(Caller(), credentials())

    assert answer.set_cookie is not None and answer.set_cookie.max_age is None
    assert answer.set_cookie.header() == f"SessionId={answer.set_cookie.value}; Path=/; HttpOnly; SameSite=Lax"
    session = (await website.sessions.current(Caller(cookie=answer.set_cookie.value))).session
    assert (session["isAuthenticated"], session["userName"]) == (True, DEMO)


async def test_a_remembered_cookie_sign_in_sets_max_age(website: Website) -> None:
    answer = await website.sessions.sign_in(Caller(), credentials(rememberMe=True))

    assert answer.set_cookie is not None and answer.set_cookie.max_age == 1209600
    assert answer.set_cookie.header().endswith("; Max-Age=1209600")
    assert answer.session["rememberMe"] is True


async def test_a_refused_sign_in_stores_nothing(website: Website) -> None:
    before = sorted(await website.store.keys("optimizely:session:"))

    await refused(website.sessions.sign_in(Caller(), credentials(password=WRONG)))
    await refused(website.sessions.sign_in(Caller(cookie="garbage"), credentials("nobillto")))

    assert sorted(await website.store.keys("optimizely:session:")) == before


@pytest.mark.parametrize(
    "body",
    [
        {"userName": DEMO},
        {"password": PASSWORD},
        {"userName": "", "password": PASSWORD},
        {"userName": 7, "password": PASSWORD},
    ],
)
async def test_a_body_without_user_name_or_password_is_bad_request(website: Website, body: dict[str, Any]) -> None:
    assert (await refused(website.sessions.sign_in(Caller(), body))).code == "badRequest"
