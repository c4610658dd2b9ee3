"""Anonymous login and refresh: a new session, its context from the site defaults, and its expiry."""

from __future__ import annotations

import uuid

import pytest
from domain_steps import ManualClock, refused
from emporix_steps import STOREFRONT, TENANT, anonymous_session

from mock_server.vendors.emporix.domain import Tenant

pytestmark = pytest.mark.anyio

SITE_VALUES = ("siteCode", "currency", "language", "targetLocation")


async def shorten_anonymous_sessions(tenant: Tenant, seconds: int) -> None:
    await tenant.settings.replace({**await tenant.settings.get(), "anonymousSessionSeconds": seconds})


async def test_anonymous_login_answers_the_vendors_token_body(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)

    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "sessionId",
        "scope",
        "refresh_token",
        "refresh_token_expires_in",
    }
    assert (body["token_type"], body["expires_in"], body["refresh_token_expires_in"]) == ("Bearer", 3599, 86399)
    assert body["scope"] == "tenant=demoshop"
    assert uuid.UUID(body["sessionId"]).version == 4
    assert (token.kind, token.session_id, token.customer_id) == ("anonymous", body["sessionId"], None)


async def test_anonymous_login_creates_a_context_with_the_default_sites_values(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)

    context = await tenant.contexts.get(body["sessionId"])

    assert [context[name] for name in SITE_VALUES] == ["main", "EUR", "de", "DE"]
    assert context["sessionId"] == body["sessionId"]
    assert context["metadata"]["version"] == 1
    assert "customerId" not in context


async def test_login_parameters_override_the_site_defaults_one_by_one(tenant: Tenant) -> None:
    every, _ = await anonymous_session(tenant, currency="CHF", site_code="ch", language="fr", target_location="CH")
    one, _ = await anonymous_session(tenant, currency="USD")

    assert [(await tenant.contexts.get(every["sessionId"]))[name] for name in SITE_VALUES] == ["ch", "CHF", "fr", "CH"]
    assert [(await tenant.contexts.get(one["sessionId"]))[name] for name in SITE_VALUES] == ["main", "USD", "de", "DE"]


async def test_each_login_starts_a_session_of_its_own(tenant: Tenant) -> None:
    first, _ = await anonymous_session(tenant)
    second, _ = await anonymous_session(tenant)

    assert first["sessionId"] != second["sessionId"]
    assert first["access_token"] != second["access_token"]


@pytest.mark.parametrize(
    ("tenant_name", "client_id"), [("demoshop", "unknown"), ("demoshop", "demo-client"), ("othershop", STOREFRONT)]
)
async def test_a_client_that_is_no_storefront_of_the_tenant_is_refused(
    tenant: Tenant, tenant_name: str, client_id: str
) -> None:
    error = await refused(tenant.anonymous.login(tenant_name, client_id))

    assert error.code == "invalidClient"


async def test_refresh_keeps_the_session_id_and_the_refresh_token(tenant: Tenant, clock: ManualClock) -> None:
    body, _ = await anonymous_session(tenant)
    clock.advance(600)

    again = await tenant.anonymous.refresh(TENANT, body["refresh_token"], STOREFRONT)

    assert again["sessionId"] == body["sessionId"]
    assert again["refresh_token"] == body["refresh_token"]
    assert again["refresh_token_expires_in"] == 86399 - 600
    assert again["access_token"] != body["access_token"]
    token = await tenant.authenticate(again["access_token"])
    assert token is not None and token.session_id == body["sessionId"]


async def test_an_anonymous_context_expires_the_configured_seconds_after_login(
    tenant: Tenant, clock: ManualClock
) -> None:
    await shorten_anonymous_sessions(tenant, 120)
    body, _ = await anonymous_session(tenant)

    clock.advance(119)
    assert (await tenant.contexts.get(body["sessionId"]))["sessionId"] == body["sessionId"]
    clock.advance(1)
    error = await refused(tenant.contexts.get(body["sessionId"]))
    assert error.code == "sessionNotFound"
    assert error.details == {"sessionId": body["sessionId"]}


async def test_refresh_restarts_the_anonymous_contexts_expiry(tenant: Tenant, clock: ManualClock) -> None:
    body, _ = await anonymous_session(tenant)
    clock.advance(3000)
    await tenant.anonymous.refresh(TENANT, body["refresh_token"], STOREFRONT)

    clock.advance(3000)  # 6000 s after login, 3000 s after the refresh
    assert (await tenant.contexts.get(body["sessionId"]))["metadata"]["version"] == 1
    clock.advance(600)
    assert (await refused(tenant.contexts.get(body["sessionId"]))).code == "sessionNotFound"


async def test_a_session_that_has_expired_cannot_be_refreshed(tenant: Tenant, clock: ManualClock) -> None:
    body, _ = await anonymous_session(tenant)
    clock.advance(3600)

    error = await refused(tenant.anonymous.refresh(TENANT, body["refresh_token"], STOREFRONT))

    assert error.code == "invalidRefreshToken"


async def test_an_anonymous_access_token_expires_before_its_context(tenant: Tenant, clock: ManualClock) -> None:
    body, _ = await anonymous_session(tenant)
    clock.advance(3599)

    assert await tenant.authenticate(body["access_token"]) is None
    assert (await tenant.contexts.get(body["sessionId"]))["sessionId"] == body["sessionId"]


async def test_an_unknown_refresh_token_or_an_access_token_is_refused(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)

    for candidate in ("unknown-refresh-token", body["access_token"]):
        error = await refused(tenant.anonymous.refresh(TENANT, candidate, STOREFRONT))
        assert error.code == "invalidRefreshToken"


async def test_a_refresh_token_of_another_storefront_client_is_refused(tenant: Tenant) -> None:
    await tenant.clients.seed([], [STOREFRONT, "other-storefront"])
    body, _ = await anonymous_session(tenant)

    error = await refused(tenant.anonymous.refresh(TENANT, body["refresh_token"], "other-storefront"))

    assert error.code == "invalidRefreshToken"


async def test_a_refresh_for_another_tenant_is_refused_as_invalid_client(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)

    error = await refused(tenant.anonymous.refresh("othershop", body["refresh_token"], STOREFRONT))

    assert error.code == "invalidClient"
