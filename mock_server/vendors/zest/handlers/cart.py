"""Handlers of the `cart` tag: the session's carts (`Cart`, `Cart/{name}`) and their items."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.zest.context import base_url, domain, with_session
from mock_server.vendors.zest.domain.views import CART_ID, ITEM_ID

DEFAULT_CART = "main"


def _cart(name: str) -> str:
    """A cart's name, also from its whole `id` attribute."""
    return name.removeprefix(CART_ID)


def _item(id_: str) -> int:
    """An item's number, also from its whole `id` attribute."""
    return int(id_.removeprefix(ITEM_ID))


async def get_named_cart(
    name: str = DEFAULT_CART, _session_token: str | None = None, countries: int = 0
) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    return with_session(
        await shop.read_cart(session, _cart(name), countries=bool(countries), base_url=base_url()), session
    )


async def add_to_named_cart(
    body: dict[str, Any], name: str = DEFAULT_CART, _session_token: str | None = None
) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    return with_session(await shop.add_items(session, _cart(name), body["CartItem"], base_url=base_url()), session)


async def replace_named_cart(
    body: dict[str, Any], name: str = DEFAULT_CART, _session_token: str | None = None
) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    value = await shop.replace_cart(
        session, _cart(name), body.get("CartItem", []), body.get("country"), base_url=base_url()
    )
    return with_session(value, session)


async def empty_named_cart(name: str = DEFAULT_CART, _session_token: str | None = None) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    return with_session(await shop.empty_cart(session, _cart(name), base_url=base_url()), session)


# The default cart's operations are the named ones for `main`.
get_cart = get_named_cart
add_to_cart = add_to_named_cart
replace_cart = replace_named_cart
empty_cart = empty_named_cart


async def get_cart_item(id_: str, _session_token: str | None = None) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    return with_session(await shop.read_item(session, _item(id_), base_url=base_url()), session)


async def update_cart_item(id_: str, body: dict[str, Any], _session_token: str | None = None) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    quantity = body["CartItem"]["quantity"]
    return with_session(await shop.update_item(session, _item(id_), quantity, base_url=base_url()), session)


async def remove_cart_item(id_: str, _session_token: str | None = None) -> dict[str, Any]:
    shop = domain()
    session = await shop.session(_session_token)
    return with_session(await shop.remove_item(session, _item(id_), base_url=base_url()), session)
