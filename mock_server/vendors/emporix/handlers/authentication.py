"""Handlers of the `authentication` tag: service, anonymous and customer tokens."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.emporix.context import domain, grant


async def request_service_token(body: dict[str, Any]) -> dict[str, Any]:
    return await domain().service_tokens.issue(body["client_id"], body["client_secret"], body.get("scope"))


async def anonymous_login(
    tenant: str,
    client_id: str,
    currency: str | None = None,
    site_code: str | None = None,
    language: str | None = None,
    target_location: str | None = None,
) -> dict[str, Any]:
    return await domain().anonymous.login(
        tenant, client_id, currency=currency, site_code=site_code, language=language, target_location=target_location
    )


async def anonymous_refresh(tenant: str, refresh_token: str, client_id: str) -> dict[str, Any]:
    return await domain().anonymous.refresh(tenant, refresh_token, client_id)


async def customer_login(tenant: str, body: dict[str, Any], token_info: dict[str, Any]) -> dict[str, Any]:
    return await domain().customers.login(grant(token_info), tenant, body["email"], body["password"])


async def customer_refresh(tenant: str, refresh_token: str) -> dict[str, Any]:
    return await domain().customers.refresh(tenant, refresh_token)


async def customer_logout(tenant: str, access_token: str) -> tuple[None, int]:
    await domain().customers.logout(tenant, access_token)
    return None, 204
