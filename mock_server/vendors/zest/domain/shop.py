"""The served shop: catalogue, application keys, sessions and carts over one store and one clock.

Every method that takes `base_url` answers absolute links under it (`http://127.0.0.1:8080/API/V3`,
no trailing slash). Cart and item methods answer values without the root's `session` attribute;
the handler adds it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from mock_server.common.settings import Settings
from mock_server.store import Store
from mock_server.vendors.zest.domain import views
from mock_server.vendors.zest.domain.carts import (
    Carts,
    adding,
    emptying,
    find_line,
    removing,
    replacing,
    setting_quantity,
)
from mock_server.vendors.zest.domain.catalog import (
    Application,
    Catalog,
    CatalogData,
    ShopCatalog,
)
from mock_server.vendors.zest.domain.clock import Clock
from mock_server.vendors.zest.domain.errors import (
    invalid_key,
    key_not_allowed,
    unknown_category,
    unknown_country,
    unknown_sku,
)
from mock_server.vendors.zest.domain.sessions import Session, Sessions, lifetime
from storefront_kit.schemas import with_defaults

PREFIX = "zest"
DEFAULT_CART = "main"


class SeedData(CatalogData, Protocol):
    """The fixture data to seed from (`mock_server.vendors.zest.fixtures.ZestFixtureData`)."""

    @property
    def settings(self) -> dict[str, Any]: ...


class Shop:
    def __init__(
        self,
        store: Store,
        settings_schema: Mapping[str, Any],
        *,
        clock: Clock = time.time,
        on_empty: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`settings_schema` is `ZestSettings`; `on_empty` is awaited when the store turns out empty."""
        self.store = store
        self.clock = clock
        self.settings = Settings(store, PREFIX, settings_schema, on_missing=on_empty)
        self.catalog = Catalog(store)
        self.sessions = Sessions(store, self.settings, clock)
        self.carts = Carts(store, clock)

    async def seed(self, data: SeedData) -> None:
        """Write the fixture state; the settings go last, so a reader that finds them finds the catalog."""
        await self.catalog.seed(data)
        await self.settings.save(with_defaults(self.settings.schema, data.settings))

    async def _read(self) -> tuple[Mapping[str, Any], ShopCatalog]:
        settings = await self.settings.get()
        return settings, await self.catalog.get(settings)

    async def check_key(self, key: str | None, resource: str) -> Application:
        """The application `key` names, if it may use `resource` (`BrowseCategory`, `Cart`, `CartItem`).

        Raises `invalidKey` (none, or not one of the shop's) or `keyNotAllowed`.
        """
        _, catalog = await self._read()
        application = catalog.applications.get(key or "")
        if application is None:
            raise invalid_key()
        if not application.allows(resource):
            raise key_not_allowed(resource)
        return application

    async def session(self, token: str | None) -> Session | None:
        """The request's session (see `Sessions.resume`); None without `_session_token`."""
        return await self.sessions.resume(token)

    async def browse(
        self,
        code: str,
        *,
        page: int = 1,
        per_page: int = 20,
        with_products: bool | int = True,
        with_prices: bool | int = True,
        base_url: str,
    ) -> dict[str, Any]:
        """`CategoryResultSet` without `session`: the category and one page of its products."""
        settings, catalog = await self._read()
        category = catalog.categories.get(code)
        if category is None:
            raise unknown_category(code)
        start = (page - 1) * per_page
        skus = category.skus[start : start + per_page] if with_products else ()
        return views.category_result(
            category,
            [catalog.products[sku] for sku in skus],
            page=page,
            base_url=base_url,
            symbol=settings["currencySymbol"],
            with_prices=bool(with_prices),
        )

    async def read_cart(
        self, session: Session | None, name: str = DEFAULT_CART, *, countries: bool | int = False, base_url: str
    ) -> dict[str, Any]:
        """`CartResultSet` without `session`; with `countries`, the shipping countries too."""
        settings, catalog = await self._read()
        cart = await self.carts.read(session, name)
        return views.cart_result(cart, catalog, settings, base_url, countries=bool(countries))

    async def add_items(
        self, session: Session | None, name: str, items: Sequence[Mapping[str, Any]], base_url: str
    ) -> dict[str, Any]:
        """`CartRsp` after adding `items` (`{"sku": "4012", "quantity": 2}`, quantity 1 if absent)."""
        settings, catalog = await self._read()
        change = adding(_wanted(items, catalog))
        cart = await self.carts.change(session, name, change, lifetime(settings))
        return views.cart_result(cart, catalog, settings, base_url)

    async def replace_cart(
        self,
        session: Session | None,
        name: str,
        items: Sequence[Mapping[str, Any]] | None,
        country: str | None,
        base_url: str,
    ) -> dict[str, Any]:
        """`CartRsp` after the cart became `items` and, given one, ships to `country`."""
        settings, catalog = await self._read()
        if country is not None and catalog.country(country) is None:
            raise unknown_country(country)
        change = replacing(_wanted(items or (), catalog), country)
        cart = await self.carts.change(session, name, change, lifetime(settings))
        return views.cart_result(cart, catalog, settings, base_url)

    async def empty_cart(self, session: Session | None, name: str, base_url: str) -> dict[str, Any]:
        settings, catalog = await self._read()
        cart = await self.carts.change(session, name, emptying, lifetime(settings))
        return views.cart_result(cart, catalog, settings, base_url)

    async def read_item(self, session: Session | None, item_id: int, base_url: str) -> dict[str, Any]:
        """`{"CartItem": ...}` of the session's item `item_id`; `unknownCartItem` if it has none."""
        settings, catalog = await self._read()
        _, line = await self.carts.find(session, item_id)
        return {"CartItem": views.cart_item(line, catalog.products[line.sku], base_url, settings["currencySymbol"])}

    async def update_item(self, session: Session | None, item_id: int, quantity: int, base_url: str) -> dict[str, Any]:
        """`{"CartItem": ...}` after setting its quantity."""
        settings, catalog = await self._read()
        cart = await self.carts.change_item(session, item_id, setting_quantity(quantity), lifetime(settings))
        line = find_line(cart, item_id)
        assert line is not None
        return {"CartItem": views.cart_item(line, catalog.products[line.sku], base_url, settings["currencySymbol"])}

    async def remove_item(self, session: Session | None, item_id: int, base_url: str) -> dict[str, Any]:
        """`CartRsp` of the item's cart after removing it."""
        settings, catalog = await self._read()
        cart = await self.carts.change_item(session, item_id, removing, lifetime(settings))
        return views.cart_result(cart, catalog, settings, base_url)


def _wanted(items: Sequence[Mapping[str, Any]], catalog: ShopCatalog) -> list[tuple[str, int]]:
    """The body's items as (sku, quantity); `unknownSku` names the first sku that is no product."""
    wanted = []
    for index, item in enumerate(items):
        sku = str(item["sku"])
        if sku not in catalog.products:
            raise unknown_sku(sku, f"CartItem.{index}.sku")
        quantity = item.get("quantity")
        wanted.append((sku, 1 if quantity is None else int(quantity)))
    return wanted
