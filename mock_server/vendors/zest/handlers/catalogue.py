"""Handlers of the `catalogue` tag: a category and one page of its products."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.zest.context import base_url, domain, with_session


async def browse_category(
    code: str,
    _session_token: str | None = None,
    _with_products: int = 1,
    _with_prices: int = 1,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    value = await shop.browse(
        code,
        page=page,
        per_page=per_page,
        with_products=bool(_with_products),
        with_prices=bool(_with_prices),
        base_url=base_url(),
    )
    return with_session(value, session)
