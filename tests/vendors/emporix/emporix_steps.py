"""Steps the Emporix domain tests share: the demo data's names, logins and tokens."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.emporix.domain import Tenant, Token

TENANT = "demoshop"
STOREFRONT = "demo-storefront"
DEMO_EMAIL, DEMO_PASSWORD, DEMO_ID = "demo@example.com", "Demo-Password-1", "C00000000001"
GENERATED_PASSWORD = "Customer-Password-1"


async def authenticated(tenant: Tenant, access_token: str) -> Token:
    token = await tenant.authenticate(access_token)
    assert token is not None, "the access token does not authenticate"
    return token


async def anonymous_session(tenant: Tenant, **overrides: str) -> tuple[dict[str, Any], Token]:
    """An anonymous login's answer and its access token's grant."""
    body = await tenant.anonymous.login(TENANT, STOREFRONT, **overrides)
    return body, await authenticated(tenant, body["access_token"])


async def customer_session(
    tenant: Tenant, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The anonymous login's answer, then the customer login's on the same session."""
    anonymous, token = await anonymous_session(tenant)
    return anonymous, await tenant.customers.login(token, TENANT, email, password)


async def service_token(tenant: Tenant, client_id: str = "demo-client", scope: str | None = None) -> Token:
    body = await tenant.service_tokens.issue(client_id, "demo-secret", scope)
    return await authenticated(tenant, body["access_token"])
