"""Customer login, refresh and logout on an anonymous session."""

from __future__ import annotations

import pytest
from domain_steps import ManualClock, refused
from emporix_steps import (
    DEMO_EMAIL,
    DEMO_ID,
    DEMO_PASSWORD,
    GENERATED_PASSWORD,
    STOREFRONT,
    TENANT,
    anonymous_session,
    authenticated,
    customer_session,
    service_token,
)

from mock_server.common.values import token_key
from mock_server.vendors.emporix.domain import Tenant
from mock_server.vendors.emporix.domain.contexts import CONTEXT_PREFIX
from mock_server.vendors.emporix.domain.customers import Address, Customer
from mock_server.vendors.emporix.domain.tokens import PREFIXES, SESSION_TOKENS_PREFIX
from mock_server.vendors.emporix.fixtures import EmporixFixtureData

pytestmark = pytest.mark.anyio


async def test_login_answers_the_vendors_customer_token_body(tenant: Tenant) -> None:
    anonymous, body = await customer_session(tenant)

    assert set(body) == {
        "access_token",
        "saas_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
        "session_id",
        "initialPassword",
    }
    assert body["session_id"] == anonymous["sessionId"]
    assert (body["token_type"], body["expires_in"], body["refresh_token_expires_in"]) == ("Bearer", 14399, 86399)
    assert body["initialPassword"] is False
    token = await authenticated(tenant, body["access_token"])
    assert (token.kind, token.customer_id, token.session_id) == ("customer", DEMO_ID, anonymous["sessionId"])


async def test_login_keeps_the_session_and_its_contexts_attributes_and_cart(tenant: Tenant) -> None:
    anonymous, token = await anonymous_session(tenant)
    session_id = anonymous["sessionId"]
    await tenant.contexts.add_own_attribute(token, "wishlist", {"items": 2})
    await tenant.contexts.replace(
        session_id, {**await tenant.contexts.get(session_id), "cartId": "cart-1", "metadata": {"version": 2}}
    )

    await tenant.customers.login(token, TENANT, DEMO_EMAIL, DEMO_PASSWORD)

    context = await tenant.contexts.get(session_id)
    assert context["sessionId"] == session_id
    assert context["context"] == {"wishlist": {"items": 2}}
    assert context["cartId"] == "cart-1"
    assert context["customerId"] == DEMO_ID
    assert context["metadata"]["version"] == 4


async def test_login_applies_the_demo_customers_profile_with_the_shipping_country(tenant: Tenant) -> None:
    anonymous, _ = await anonymous_session(tenant, currency="USD", site_code="us", language="en", target_location="US")

    await tenant.customers.login(
        await authenticated(tenant, anonymous["access_token"]), TENANT, DEMO_EMAIL, DEMO_PASSWORD
    )

    context = await tenant.contexts.get(anonymous["sessionId"])
    assert (context["siteCode"], context["currency"], context["language"]) == ("main", "EUR", "de")
    assert context["targetLocation"] == "AT"


@pytest.mark.parametrize(
    ("addresses", "preferred_site", "target_location"),
    [
        ((Address("CH", ("BILLING",)),), None, "CH"),
        ((Address("FR", ("SHIPPING", "BILLING")), Address("CH", ("BILLING",))), None, "FR"),
        ((), "us", "US"),
        ((), None, "DE"),
    ],
    ids=["billing-without-shipping", "shipping-first", "preferred-sites-home-base", "default-sites-home-base"],
)
async def test_the_target_location_falls_back_from_shipping_to_billing_to_the_sites_home_base(
    tenant: Tenant,
    password_hashes: dict[str, str],
    addresses: tuple[Address, ...],
    preferred_site: str | None,
    target_location: str,
) -> None:
    customer = Customer(
        "C00000000901",
        "fallback@example.com",
        password_hashes[GENERATED_PASSWORD],
        preferred_site=preferred_site,
        addresses=addresses,
    )
    assert await tenant.customer_records.create(customer)

    anonymous, _ = await customer_session(tenant, "fallback@example.com", GENERATED_PASSWORD)

    context = await tenant.contexts.get(anonymous["sessionId"])
    assert context["targetLocation"] == target_location
    assert context["siteCode"] == (preferred_site or "main")


async def test_the_saas_token_names_the_customer_and_is_no_access_token(tenant: Tenant) -> None:
    _, body = await customer_session(tenant)

    saas = await tenant.tokens.find("saas", body["saas_token"])

    assert saas is not None and saas.customer_id == DEMO_ID
    assert body["saas_token"] != body["access_token"]
    assert await tenant.authenticate(body["saas_token"]) is None


async def test_a_generated_customer_logs_in_with_the_shared_password(
    tenant: Tenant, fixture_data: EmporixFixtureData
) -> None:
    generated = fixture_data.customers[1]

    _, body = await customer_session(tenant, generated["email"], GENERATED_PASSWORD)

    assert (await authenticated(tenant, body["access_token"])).customer_id == generated["id"]


@pytest.mark.parametrize(
    ("email", "password"),
    [(DEMO_EMAIL, "Wrong-Password-1"), ("nobody@example.com", DEMO_PASSWORD), (DEMO_EMAIL, GENERATED_PASSWORD)],
)
async def test_wrong_credentials_are_refused_and_leave_the_session_anonymous(
    tenant: Tenant, email: str, password: str
) -> None:
    anonymous, token = await anonymous_session(tenant)

    error = await refused(tenant.customers.login(token, TENANT, email, password))

    assert error.code == "invalidCredentials"
    assert "customerId" not in await tenant.contexts.get(anonymous["sessionId"])


async def test_the_email_address_is_compared_without_regard_to_case(tenant: Tenant) -> None:
    _, body = await customer_session(tenant, " Demo@Example.COM", DEMO_PASSWORD)

    assert (await authenticated(tenant, body["access_token"])).customer_id == DEMO_ID


async def test_login_on_another_tenants_path_is_a_tenant_mismatch(tenant: Tenant) -> None:
    _, token = await anonymous_session(tenant)

    error = await refused(tenant.customers.login(token, "othershop", DEMO_EMAIL, DEMO_PASSWORD))

    assert error.code == "tenantMismatch"


async def test_a_service_token_cannot_log_a_customer_in(tenant: Tenant) -> None:
    error = await refused(tenant.customers.login(await service_token(tenant), TENANT, DEMO_EMAIL, DEMO_PASSWORD))

    assert error.code == "invalidAccessToken"


async def test_a_customers_context_does_not_expire(tenant: Tenant, clock: ManualClock) -> None:
    anonymous, _ = await customer_session(tenant)

    clock.advance(30 * 86400)

    assert (await tenant.contexts.get(anonymous["sessionId"]))["customerId"] == DEMO_ID


async def test_login_after_the_anonymous_context_expired_starts_a_new_one_for_the_session(
    tenant: Tenant, clock: ManualClock
) -> None:
    await tenant.settings.replace({**await tenant.settings.get(), "anonymousSessionSeconds": 60})
    anonymous, token = await anonymous_session(tenant)
    clock.advance(61)

    await tenant.customers.login(token, TENANT, DEMO_EMAIL, DEMO_PASSWORD)

    context = await tenant.contexts.get(anonymous["sessionId"])
    assert (context["customerId"], context["targetLocation"], context["metadata"]["version"]) == (DEMO_ID, "AT", 1)


async def test_an_anonymous_refresh_is_refused_once_a_customer_owns_the_session(tenant: Tenant) -> None:
    anonymous, _ = await customer_session(tenant)

    error = await refused(tenant.anonymous.refresh(TENANT, anonymous["refresh_token"], STOREFRONT))

    assert error.code == "invalidRefreshToken"


async def test_customer_refresh_keeps_the_session_and_the_customer(tenant: Tenant, clock: ManualClock) -> None:
    _, body = await customer_session(tenant)
    clock.advance(14000)

    again = await tenant.customers.refresh(TENANT, body["refresh_token"])

    assert again["session_id"] == body["session_id"]
    assert again["refresh_token"] == body["refresh_token"]
    assert again["refresh_token_expires_in"] == 86399 - 14000
    clock.advance(1000)  # the first access token has expired, the new one has not
    assert await tenant.authenticate(body["access_token"]) is None
    assert (await authenticated(tenant, again["access_token"])).customer_id == DEMO_ID
    saas = await tenant.tokens.find("saas", again["saas_token"])
    assert saas is not None and saas.customer_id == DEMO_ID


@pytest.mark.parametrize("which", ["unknown", "anonymous", "other tenant"])
async def test_customer_refresh_needs_a_customer_refresh_token_of_the_tenant(tenant: Tenant, which: str) -> None:
    anonymous, body = await customer_session(tenant)
    candidate, tenant_name = {
        "unknown": ("unknown-refresh-token", TENANT),
        "anonymous": (anonymous["refresh_token"], TENANT),
        "other tenant": (body["refresh_token"], "othershop"),
    }[which]

    error = await refused(tenant.customers.refresh(tenant_name, candidate))

    assert error.code == "invalidRefreshToken"


async def test_logout_revokes_the_sessions_tokens_and_removes_its_context(tenant: Tenant) -> None:
    anonymous, body = await customer_session(tenant)

    await tenant.customers.logout(TENANT, body["access_token"])

    assert await tenant.authenticate(body["access_token"]) is None
    assert await tenant.authenticate(anonymous["access_token"]) is None
    assert await tenant.tokens.find("saas", body["saas_token"]) is None
    assert (await refused(tenant.customers.refresh(TENANT, body["refresh_token"]))).code == "invalidRefreshToken"
    error = await refused(tenant.contexts.get(anonymous["sessionId"]))
    assert (error.code, error.details) == ("sessionNotFound", {"sessionId": anonymous["sessionId"]})


async def test_logout_leaves_other_sessions_alone(tenant: Tenant) -> None:
    _, first = await customer_session(tenant)
    other, second = await customer_session(tenant)

    await tenant.customers.logout(TENANT, first["access_token"])

    assert await tenant.authenticate(second["access_token"]) is not None
    assert (await tenant.contexts.get(other["sessionId"]))["customerId"] == DEMO_ID


async def test_logout_needs_a_live_customer_access_token_of_the_tenant(tenant: Tenant) -> None:
    anonymous, body = await customer_session(tenant)

    for candidate, tenant_name in (
        (anonymous["access_token"], TENANT),
        ("unknown", TENANT),
        (body["access_token"], "othershop"),
    ):
        error = await refused(tenant.customers.logout(tenant_name, candidate))
        assert error.code == "invalidAccessToken"
    assert (await tenant.contexts.get(anonymous["sessionId"]))["customerId"] == DEMO_ID


async def test_the_store_keeps_what_a_live_customer_session_still_needs(tenant: Tenant) -> None:
    anonymous, body = await customer_session(tenant)
    refresh_key = PREFIXES["refresh"] + token_key(body["refresh_token"])

    context_left = await tenant.store.ttl(CONTEXT_PREFIX + anonymous["sessionId"])
    tokens_left = await tenant.store.ttl(SESSION_TOKENS_PREFIX + anonymous["sessionId"])
    refresh_left = await tenant.store.ttl(refresh_key)

    assert context_left is not None and context_left > 50 * 365 * 86400  # a customer's context does not expire
    assert refresh_left is not None and tokens_left is not None and tokens_left >= refresh_left > 86399
