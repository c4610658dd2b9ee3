"""Client credentials: who gets a service token, with which scopes, for how long."""

from __future__ import annotations

import pytest
from domain_steps import ManualClock, refused
from emporix_steps import authenticated, service_token

from mock_server.errors import ApiError
from mock_server.vendors.emporix.domain import Tenant

pytestmark = pytest.mark.anyio


async def test_the_right_secret_gets_a_bearer_token_with_every_scope_of_the_client(tenant: Tenant) -> None:
    body = await tenant.service_tokens.issue("demo-client", "demo-secret")

    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 14399
    assert (body["refresh_token"], body["refresh_token_expires_in"]) == ("", 0)
    assert body["scope"].split() == [
        "tenant=demoshop",
        "sessioncontext.context_manage",
        "customer.customer_read",
        "customer.customer_manage",
    ]
    token = await authenticated(tenant, body["access_token"])
    assert (token.kind, token.client_id, token.tenant, token.session_id) == ("service", "demo-client", "demoshop", None)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("demo-client", "wrong-secret"),
        ("demo-client", ""),
        ("nobody", "demo-secret"),
        ("demo-storefront", "demo-secret"),
    ],
)
async def test_a_wrong_secret_or_an_unknown_client_is_refused_as_invalid_client(
    tenant: Tenant, client_id: str, secret: str
) -> None:
    error = await refused(tenant.service_tokens.issue(client_id, secret))

    assert error.code == "invalidClient"


async def test_requested_scopes_are_narrowed_to_the_ones_the_client_has(tenant: Tenant) -> None:
    body = await tenant.service_tokens.issue(
        "demo-client", "demo-secret", "customer.customer_read order.order_read sessioncontext.context_manage"
    )

    assert body["scope"] == "tenant=demoshop sessioncontext.context_manage customer.customer_read"


async def test_the_limited_client_never_gets_the_session_context_scope(tenant: Tenant) -> None:
    token = await service_token(tenant, "demo-limited", "sessioncontext.context_manage customer.customer_read")

    assert token.scopes == ("customer.customer_read",)


async def test_a_service_token_stops_authenticating_when_its_lifetime_is_over(
    tenant: Tenant, clock: ManualClock
) -> None:
    body = await tenant.service_tokens.issue("demo-client", "demo-secret")

    clock.advance(14398)
    assert await tenant.authenticate(body["access_token"]) is not None
    clock.advance(1)
    assert await tenant.authenticate(body["access_token"]) is None


async def test_a_changed_lifetime_setting_applies_to_the_next_token(tenant: Tenant, clock: ManualClock) -> None:
    await tenant.settings.replace({**await tenant.settings.get(), "serviceTokenSeconds": 60})

    body = await tenant.service_tokens.issue("demo-client", "demo-secret")

    assert body["expires_in"] == 60
    clock.advance(60)
    assert await tenant.authenticate(body["access_token"]) is None


async def test_an_unknown_token_does_not_authenticate(tenant: Tenant) -> None:
    assert await tenant.authenticate("not-a-token") is None
    assert await tenant.authenticate("") is None


async def test_a_token_used_on_another_tenants_path_is_a_tenant_mismatch(tenant: Tenant) -> None:
    token = await service_token(tenant)

    tenant.check_tenant(token, "demoshop")
    with pytest.raises(ApiError) as caught:
        tenant.check_tenant(token, "othershop")
    assert caught.value.code == "tenantMismatch"
