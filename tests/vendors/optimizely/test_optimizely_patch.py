"""PATCH of the session: the vendor's steps in order, all or nothing, e-mails, punchout, customers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from domain_steps import ManualClock, refused
from optimizely_steps import (
    DEMO,
    NEW_PASSWORD,
    PASSWORD,
    BearerClient,
    bearer,
    signed_in,
    signed_in_client,
    token,
)

from mock_server.vendors.optimizely.domain import Caller, Website
from mock_server.vendors.optimizely.fixtures import OptimizelyFixtureData

pytestmark = pytest.mark.anyio

UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"


def ids(data: OptimizelyFixtureData, section: str, field: str) -> dict[str, str]:
    return {entry[field]: str(entry["id"]) for entry in getattr(data, section)}


def demo_customers(data: OptimizelyFixtureData) -> list[dict[str, Any]]:
    demo = next(user for user in data.users if user["userName"] == DEMO)
    return list(demo["billTos"])


async def test_language_and_currency_by_id(website: Website, fixture_data: OptimizelyFixtureData) -> None:
    me = await signed_in_client(website)
    languages, currencies = (
        ids(fixture_data, "languages", "languageCode"),
        ids(fixture_data, "currencies", "currencyCode"),
    )

    answer = await website.sessions.update(
        await me(), {"language": {"id": languages["fr-fr"].upper()}, "currency": {"id": currencies["GBP"]}}
    )

    assert (answer.session["language"]["languageCode"], answer.session["currency"]["currencyCode"]) == ("fr-fr", "GBP")
    assert answer.session["customerWasUpdated"] is False
    assert answer.set_cookie is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"language": {"id": UNKNOWN_ID}}, "languageNotFound"),
        ({"language": "es-mx"}, "badRequest"),
        ({"currency": {"id": UNKNOWN_ID}}, "currencyNotFound"),
    ],
)
async def test_unknown_language_or_currency(website: Website, body: dict[str, Any], code: str) -> None:
    assert (await refused(website.sessions.update(await (await signed_in_client(website))(), body))).code == code


async def test_a_language_that_is_not_live_is_refused_like_an_unknown_one(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    spanish = ids(fixture_data, "languages", "languageCode")["es-mx"]

    assert (await refused(website.sessions.update(Caller(), {"language": {"id": spanish}}))).code == "languageNotFound"


async def test_a_language_change_without_a_session_opens_a_cookie_session(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    german = ids(fixture_data, "languages", "languageCode")["de-de"]

    answer = await website.sessions.update(Caller(), {"language": {"id": german}})

    assert answer.set_cookie is not None
    assert (await website.sessions.current(Caller(cookie=answer.set_cookie.value))).session["language"]["id"] == german


async def test_a_patch_that_stores_nothing_on_the_session_opens_none(website: Website) -> None:
    answer = await website.sessions.update(Caller(), {"resetPassword": True, "userName": DEMO, "isAuthenticated": True})

    assert answer.set_cookie is None
    assert await website.store.keys("optimizely:session:") == []


async def test_another_bill_to_brings_its_default_ship_to(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    first, second = demo_customers(fixture_data)
    me = await signed_in_client(website)

    answer = await website.sessions.update(await me(), {"billTo": {"id": second["customer"]["id"]}})

    assert answer.session["billTo"]["id"] == second["customer"]["id"]
    assert answer.session["shipTo"]["id"] == second["shipTos"][0]["id"]
    assert answer.session["customerWasUpdated"] is True
    # Afterwards the change is no news.
    assert (await website.sessions.current(await me())).session["customerWasUpdated"] is False
    back = await website.sessions.update(
        await me(), {"billTo": {"id": first["customer"]["id"]}, "shipTo": {"id": first["shipTos"][2]["id"]}}
    )
    assert (back.session["billTo"]["id"], back.session["shipTo"]["id"]) == (
        first["customer"]["id"],
        first["shipTos"][2]["id"],
    )


async def test_the_same_bill_to_keeps_the_chosen_ship_to(website: Website, fixture_data: OptimizelyFixtureData) -> None:
    first, _ = demo_customers(fixture_data)
    me = await signed_in_client(website)
    await website.sessions.update(await me(), {"shipTo": {"id": first["shipTos"][1]["id"]}})

    answer = await website.sessions.update(await me(), {"billTo": {"id": first["customer"]["id"]}})

    assert answer.session["shipTo"]["id"] == first["shipTos"][1]["id"]
    assert answer.session["customerWasUpdated"] is False


async def test_a_ship_to_must_belong_to_the_new_or_current_bill_to(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    first, second = demo_customers(fixture_data)
    me = await signed_in_client(website)

    assert (
        await refused(website.sessions.update(await me(), {"shipTo": {"id": second["shipTos"][0]["id"]}}))
    ).code == "shipToNotFound"
    error = await refused(
        website.sessions.update(
            await me(), {"billTo": {"id": second["customer"]["id"]}, "shipTo": {"id": first["shipTos"][1]["id"]}}
        )
    )
    assert error.code == "shipToNotFound"
    assert (
        await refused(website.sessions.update(await me(), {"shipTo": {"id": first["customer"]["id"]}}))
    ).code == "shipToNotFound"
    # Nothing changed by the refusals.
    session = (await website.sessions.current(await me())).session
    assert (session["billTo"]["id"], session["shipTo"]["id"]) == (first["customer"]["id"], first["shipTos"][0]["id"])


async def test_a_bill_to_of_another_user_is_not_found(website: Website, fixture_data: OptimizelyFixtureData) -> None:
    punchout = next(user for user in fixture_data.users if user["userName"] == "punchout")
    me = await signed_in_client(website)

    error = await refused(
        website.sessions.update(await me(), {"billTo": {"id": punchout["billTos"][0]["customer"]["id"]}})
    )

    assert error.code == "billToNotFound"


@pytest.mark.parametrize("field", ["billTo", "shipTo"])
async def test_choosing_customers_anonymously_is_unauthorized(
    website: Website, fixture_data: OptimizelyFixtureData, field: str
) -> None:
    first, _ = demo_customers(fixture_data)
    anonymous = await bearer(website, (await token(website))["access_token"])

    assert (
        await refused(website.sessions.update(anonymous, {field: {"id": first["customer"]["id"]}}))
    ).code == "unauthorized"
    assert (
        await refused(website.sessions.update(Caller(), {field: {"id": first["customer"]["id"]}}))
    ).code == "unauthorized"


async def test_reset_password_e_mails_a_token_and_a_link(website: Website) -> None:
    await website.sessions.update(Caller(), {"email": "DEMO@Example.com", "resetPassword": True})

    [message] = await website.outbox.messages()
    assert (message["to"], message["kind"], message["subject"]) == (
        "demo@example.com",
        "resetPassword",
        "Reset your password",
    )
    link = urlsplit(message["link"])
    assert (link.scheme, link.netloc, link.path) == ("https", "storefront.example.com", "/ResetPassword")
    assert parse_qs(link.query) == {"resetToken": [message["token"]], "userName": [DEMO]}


async def test_activate_account_e_mails_a_reset_token_and_the_activation_link(website: Website) -> None:
    me = await signed_in_client(website)

    await website.sessions.update(await me(), {"activateAccount": True})

    [message] = await website.outbox.messages()
    assert (message["kind"], urlsplit(message["link"]).path) == ("activateAccount", "/ActivateAccount")
    await website.sessions.update(Caller(), {"resetToken": message["token"], "newPassword": NEW_PASSWORD})
    assert (await signed_in(website, DEMO, NEW_PASSWORD))[0]["isAuthenticated"]


@pytest.mark.parametrize(
    "body",
    [
        {"userName": "nobody", "resetPassword": True},
        {"email": "nobody@example.com", "activateAccount": True},
        {"resetPassword": True},
    ],
)
async def test_an_unknown_user_is_sent_nothing_and_told_nothing(website: Website, body: dict[str, Any]) -> None:
    answer = await website.sessions.update(Caller(), body)

    assert answer.session["isAuthenticated"] is False
    assert await website.outbox.messages() == []


async def test_the_user_name_is_looked_up_before_the_e_mail(website: Website) -> None:
    await website.sessions.update(
        Caller(), {"userName": "mustchange", "email": "demo@example.com", "resetPassword": True}
    )

    [message] = await website.outbox.messages()
    assert message["to"] != "demo@example.com"


async def test_a_password_change_needs_the_current_password(website: Website) -> None:
    me = await signed_in_client(website)
    body = {"password": "Wrong-Password-1", "newPassword": NEW_PASSWORD}

    assert (await refused(website.sessions.update(await me(), body))).code == "invalidCredentials"
    assert (await refused(website.sessions.update(Caller(), body))).code == "invalidCredentials"
    assert (
        await refused(website.sessions.update(Caller(), {**body, "userName": "nobody"}))
    ).code == "invalidCredentials"

    await website.sessions.update(await me(), {"password": PASSWORD, "newPassword": NEW_PASSWORD})
    assert (await refused(token(website))).code == "invalidGrant"
    assert await token(website, DEMO, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Short-1", "The password must be at least 8 characters long."),
        ("No-Digits-Here", "The password must contain a digit."),
        ("lower-case-1", "The password must contain an uppercase letter."),
        ("UPPER-CASE-1", "The password must contain a lowercase letter."),
    ],
)
async def test_a_new_password_must_meet_the_rules(website: Website, new_password: str, message: str) -> None:
    error = await refused(
        website.sessions.update(Caller(), {"userName": DEMO, "password": PASSWORD, "newPassword": new_password})
    )

    assert (error.code, error.message) == ("passwordRulesNotMet", message)


async def test_the_rules_follow_the_settings(website: Website) -> None:
    await website.settings.replace(
        {
            "passwordRules": {
                "minLength": 4,
                "requireDigit": False,
                "requireUppercase": False,
                "requireSpecialCharacter": True,
            }
        }
    )

    error = await refused(
        website.sessions.update(Caller(), {"userName": DEMO, "password": PASSWORD, "newPassword": "abcdef"})
    )
    assert error.message == "The password must contain a character that is neither a letter nor a digit."
    await website.sessions.update(Caller(), {"userName": DEMO, "password": PASSWORD, "newPassword": "ab-c"})


@pytest.mark.parametrize(
    "body",
    [
        {"newPassword": NEW_PASSWORD},
        {"password": PASSWORD},
        {"resetToken": "x"},
        {"userName": DEMO, "password": PASSWORD, "resetToken": "x"},
    ],
)
async def test_new_password_goes_with_password_or_reset_token(website: Website, body: dict[str, Any]) -> None:
    assert (await refused(website.sessions.update(Caller(), {"userName": DEMO, **body}))).code == "badRequest"


async def reset_token_of(website: Website, user: str) -> str:
    await website.outbox.clear()
    await website.sessions.update(Caller(), {"userName": user, "resetPassword": True})
    [message] = await website.outbox.messages()
    return str(message["token"])


async def test_a_reset_token_is_spent_by_its_use(website: Website) -> None:
    reset_token = await reset_token_of(website, DEMO)
    await website.sessions.update(Caller(), {"userName": DEMO, "resetToken": reset_token, "newPassword": NEW_PASSWORD})

    error = await refused(
        website.sessions.update(
            Caller(), {"userName": DEMO, "resetToken": reset_token, "newPassword": "Third-Password-3"}
        )
    )

    assert error.code == "invalidResetToken"
    assert await token(website, DEMO, NEW_PASSWORD)


async def test_a_reset_token_expires_after_reset_token_seconds(website: Website, clock: ManualClock) -> None:
    reset_token = await reset_token_of(website, DEMO)
    clock.advance(86400)

    error = await refused(website.sessions.update(Caller(), {"resetToken": reset_token, "newPassword": NEW_PASSWORD}))

    assert error.code == "invalidResetToken"


async def test_a_reset_token_of_another_user_is_refused(website: Website) -> None:
    reset_token = await reset_token_of(website, "mustchange")

    for caller, body in (
        (Caller(), {"userName": DEMO}),
        (Caller(), {"userName": "nobody"}),
        (await (await signed_in_client(website))(), {}),
    ):
        error = await refused(
            website.sessions.update(caller, {**body, "resetToken": reset_token, "newPassword": NEW_PASSWORD})
        )
        assert error.code == "invalidResetToken"
    assert (
        await refused(website.sessions.update(Caller(), {"resetToken": "unknown", "newPassword": NEW_PASSWORD}))
    ).code == "invalidResetToken"
    # Still good for its own user.
    await website.sessions.update(Caller(), {"resetToken": reset_token, "newPassword": NEW_PASSWORD})
    assert (await signed_in(website, "mustchange", NEW_PASSWORD))[0]["isAuthenticated"]


async def test_a_reset_clears_the_count_of_wrong_passwords(website: Website) -> None:
    for _ in range(4):
        await refused(token(website, DEMO, "Wrong-Password-1"))
    reset_token = await reset_token_of(website, DEMO)
    await website.sessions.update(Caller(), {"resetToken": reset_token, "newPassword": NEW_PASSWORD})

    for _ in range(4):
        await refused(token(website, DEMO, "Wrong-Password-1"))

    assert await token(website, DEMO, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"resetPassword": True, "userName": DEMO, "language": {"id": UNKNOWN_ID}}, "languageNotFound"),
        ({"activateAccount": True, "currency": {"id": UNKNOWN_ID}}, "currencyNotFound"),
        ({"password": PASSWORD, "newPassword": NEW_PASSWORD, "currency": {"id": UNKNOWN_ID}}, "currencyNotFound"),
        (
            {
                "password": PASSWORD,
                "newPassword": NEW_PASSWORD,
                "dashboardIsHomepage": True,
                "billTo": {"id": UNKNOWN_ID},
            },
            "billToNotFound",
        ),
        ({"resetPassword": True, "language": "LANGUAGE", "shipTo": {"id": UNKNOWN_ID}}, "badRequest"),
        ({"resetPassword": True, "newPassword": NEW_PASSWORD}, "badRequest"),
        ({"resetPassword": True, "password": "Wrong-Password-1", "newPassword": NEW_PASSWORD}, "invalidCredentials"),
        ({"activateAccount": True, "password": PASSWORD, "newPassword": "short"}, "passwordRulesNotMet"),
    ],
)
async def test_a_failing_step_changes_nothing_and_sends_nothing(
    website: Website, fixture_data: OptimizelyFixtureData, body: dict[str, Any], code: str
) -> None:
    languages = ids(fixture_data, "languages", "languageCode")
    me = await signed_in_client(website)
    _, second = demo_customers(fixture_data)
    before = (await website.sessions.current(await me())).session

    error = await refused(
        website.sessions.update(
            await me(), {"language": {"id": languages["de-de"]}, "billTo": {"id": second["customer"]["id"]}, **body}
        )
    )

    assert error.code == code
    assert (await website.sessions.current(await me())).session == before
    assert await website.outbox.messages() == []
    assert await token(website)  # the password is the old one
    user = await website.users.find(DEMO)
    assert user is not None and user.dashboard_is_homepage is False


async def test_every_step_of_one_patch_is_carried_out(website: Website, fixture_data: OptimizelyFixtureData) -> None:
    languages, currencies = (
        ids(fixture_data, "languages", "languageCode"),
        ids(fixture_data, "currencies", "currencyCode"),
    )
    _, second = demo_customers(fixture_data)
    me = await signed_in_client(website)

    answer = await website.sessions.update(
        await me(),
        {
            "resetPassword": True,
            "activateAccount": True,
            "password": PASSWORD,
            "newPassword": NEW_PASSWORD,
            "language": {"id": languages["de-de"]},
            "currency": {"id": currencies["EUR"]},
            "dashboardIsHomepage": True,
            "billTo": {"id": second["customer"]["id"]},
            "shipTo": {"id": second["shipTos"][0]["id"]},
        },
    )

    session = answer.session
    assert (session["language"]["languageCode"], session["currency"]["currencyCode"]) == ("de-de", "EUR")
    assert (session["billTo"]["id"], session["dashboardIsHomepage"], session["customerWasUpdated"]) == (
        second["customer"]["id"],
        True,
        True,
    )
    assert [m["kind"] for m in await website.outbox.messages()] == ["resetPassword", "activateAccount"]
    assert await token(website, DEMO, NEW_PASSWORD)


async def test_dashboard_is_homepage_is_kept_on_the_users_profile(website: Website) -> None:
    me = await signed_in_client(website)
    await website.sessions.update(await me(), {"dashboardIsHomepage": True})

    assert (await signed_in(website))[0]["dashboardIsHomepage"] is True
    anonymous = await website.sessions.update(Caller(), {"dashboardIsHomepage": True})
    assert anonymous.session["dashboardIsHomepage"] is False


async def test_the_whole_session_sent_back_is_taken_as_no_change(website: Website) -> None:
    me = await signed_in_client(website)
    session = (await website.sessions.current(await me())).session

    answer = await website.sessions.update(await me(), session)

    assert answer.session == session
    assert await website.outbox.messages() == []


@pytest.mark.parametrize(
    "body",
    [
        {"resetPassword": True},
        {"password": PASSWORD, "newPassword": NEW_PASSWORD},
        {"resetToken": "whatever", "newPassword": NEW_PASSWORD},
        {"shipTo": {"id": "other"}},
        {"resetPassword": True, "language": {"id": UNKNOWN_ID}},
    ],
)
async def test_a_punchout_session_refuses_password_and_ship_to_changes_first(
    website: Website, body: dict[str, Any]
) -> None:
    me = await signed_in_client(website, "punchout")

    assert (await refused(website.sessions.update(await me(), body))).code == "notAllowedInPunchout"
    assert await website.outbox.messages() == []


async def test_a_punchout_session_keeps_its_ship_to_and_may_change_the_rest(
    website: Website, fixture_data: OptimizelyFixtureData
) -> None:
    session, tokens = await signed_in(website, "punchout")
    me = BearerClient(website, tokens["access_token"])
    german = ids(fixture_data, "languages", "languageCode")["de-de"]

    answer = await website.sessions.update(
        await me(),
        {"shipTo": {"id": session["shipTo"]["id"].upper()}, "language": {"id": german}, "activateAccount": True},
    )

    assert answer.session["shipTo"] == session["shipTo"]
    assert answer.session["displayChangeCustomerLink"] is False
    assert [m["kind"] for m in await website.outbox.messages()] == ["activateAccount"]
    # The rule is the session's: anyone else may reset the punchout user's password.
    await website.sessions.update(Caller(), {"userName": "punchout", "resetPassword": True})
