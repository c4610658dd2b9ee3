"""The ZEST shop as plain Python: query-string sessions, carts and their arithmetic, paging, keys, fixtures."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from domain_steps import ManualClock, refused

from mock_server.common.fixtures import FixtureError
from mock_server.store import MemoryStore, open_store
from mock_server.vendor import StateContext
from mock_server.vendors.zest.domain import Session, Shop
from mock_server.vendors.zest.domain.views import subtotal
from mock_server.vendors.zest.fixtures import (
    DEFAULT_FIXTURES,
    ZestFixtureData,
    load_fixtures,
)
from mock_server.vendors.zest.state import ZestState
from storefront_kit.contract import load_contract
from storefront_kit.data import contract_file

pytestmark = pytest.mark.anyio

CONTRACT = load_contract(contract_file("zest"), "zest")
SETTINGS: dict[str, Any] = CONTRACT.settings_schema() or {}
BASE = "http://127.0.0.1:8080/API/V3"
SESSIONS = "zest:session:"
TOKEN = re.compile(r"[A-Za-z0-9]{15}")
DEMO_SKUS = [str(sku) for sku in range(4012, 4054)]


def line(sku: str, quantity: int | None = None) -> dict[str, Any]:
    return {"sku": sku} if quantity is None else {"sku": sku, "quantity": quantity}


def items_of(answer: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The cart's lines as (id, sku, quantity)."""
    return [(item["id"], item["sku"], item["quantity"]) for item in answer["Cart"].get("CartItem", [])]


@pytest.fixture(scope="module")
def data() -> ZestFixtureData:
    return load_fixtures(contract=CONTRACT)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def shop(clock: ManualClock, data: ZestFixtureData) -> AsyncIterator[Shop]:
    store = MemoryStore()
    seeded = Shop(store, SETTINGS, clock=clock)
    await seeded.seed(data)
    yield seeded
    await store.close()


async def opened(shop: Shop) -> Session:
    session = await shop.session("1")
    assert session is not None
    return session


async def cart(shop: Shop, session: Session | None, name: str = "main", **options: Any) -> dict[str, Any]:
    return await shop.read_cart(session, name, base_url=BASE, **options)


async def change_settings(shop: Shop, **changes: Any) -> None:
    await shop.settings.replace({**await shop.settings.get(), **changes})


# --- sessions -------------------------------------------------------------------------------------


async def test_without_a_token_there_is_no_session_and_nothing_is_stored(shop: Shop) -> None:
    assert await shop.session(None) is None
    assert await shop.store.keys(SESSIONS) == []


async def test_token_1_opens_a_session_whose_token_the_store_does_not_hold(shop: Shop) -> None:
    session = await opened(shop)

    assert TOKEN.fullmatch(session.token) and session.opened
    [key] = await shop.store.keys(SESSIONS)
    assert session.token not in key
    assert (await cart(shop, session))["totalItems"] == 0


async def test_every_opened_session_has_another_token(shop: Shop) -> None:
    tokens = {(await opened(shop)).token for _ in range(50)}

    assert len(tokens) == 50


async def test_a_live_token_names_its_session_and_keeps_its_cart(shop: Shop) -> None:
    first = await opened(shop)
    await shop.add_items(first, "main", [line("4012")], BASE)

    again = await shop.session(first.token)

    assert again == Session(first.token)
    assert not again.opened
    assert items_of(await cart(shop, again)) == [("Ecommerce::CartItem::1", "4012", 1)]


@pytest.mark.parametrize("token", ["yjipILZBeUWxrFq", "0", "A" * 64])
async def test_an_unknown_token_gets_a_new_session_with_an_empty_cart(shop: Shop, token: str) -> None:
    session = await shop.session(token)

    assert session is not None and session.opened and session.token != token
    assert TOKEN.fullmatch(session.token)
    assert (await cart(shop, session))["totalItems"] == 0
    assert (await shop.session(session.token)) == Session(session.token)


async def test_a_session_ends_after_the_idle_time_and_its_carts_with_it(shop: Shop, clock: ManualClock) -> None:
    first = await opened(shop)
    await shop.add_items(first, "main", [line("4012", 2)], BASE)
    clock.advance(1800)

    renewed = await shop.session(first.token)

    assert renewed is not None and renewed.opened and renewed.token != first.token
    assert (await cart(shop, renewed))["totalItems"] == 0
    # The ended session is gone: its token names nothing any more.
    again = await shop.session(first.token)
    assert again is not None and again.token not in (first.token, renewed.token)
    assert len(await shop.store.keys(SESSIONS)) == 2


async def test_every_request_restarts_the_idle_time(shop: Shop, clock: ManualClock) -> None:
    first = await opened(shop)
    await shop.add_items(first, "main", [line("4013")], BASE)

    for _ in range(3):
        clock.advance(1799)
        assert await shop.session(first.token) == Session(first.token)

    assert (await cart(shop, first))["totalQuantity"] == 1


async def test_the_idle_time_is_read_from_the_live_settings(shop: Shop, clock: ManualClock) -> None:
    first = await opened(shop)
    await change_settings(shop, sessionIdleSeconds=60)
    clock.advance(59)
    assert await shop.session(first.token) == Session(first.token)

    clock.advance(60)

    renewed = await shop.session(first.token)
    assert renewed is not None and renewed.token != first.token


async def test_the_store_keeps_a_session_for_its_idle_time(shop: Shop) -> None:
    session = await opened(shop)
    [key] = await shop.store.keys(SESSIONS)

    remaining = await shop.store.ttl(key)

    assert remaining is not None and 1800 <= remaining <= 1860
    await shop.add_items(session, "main", [line("4012")], BASE)
    assert await shop.store.ttl(key) == pytest.approx(remaining, abs=1)


async def test_two_sessions_keep_their_carts_apart(shop: Shop) -> None:
    one, other = await opened(shop), await opened(shop)

    await shop.add_items(one, "main", [line("4012", 3)], BASE)
    await shop.add_items(other, "main", [line("4013")], BASE)

    assert items_of(await cart(shop, one)) == [("Ecommerce::CartItem::1", "4012", 3)]
    assert items_of(await cart(shop, other)) == [("Ecommerce::CartItem::1", "4013", 1)]
    assert (await refused(shop.read_item(other, 2, BASE))).code == "unknownCartItem"


# --- carts ----------------------------------------------------------------------------------------


async def test_adding_answers_the_cart_with_its_lines_and_totals(shop: Shop) -> None:
    session = await opened(shop)

    answer = await shop.add_items(session, "main", [line("4012", 2), line("4013")], BASE)

    assert (answer["totalItems"], answer["totalQuantity"]) == (2, 3)
    assert answer["Cart"] == {
        "href": f"{BASE}/Cart/main",
        "id": "Ecommerce::Cart::main",
        "country": "NZ",
        "total": 62.4,
        "total_formatted": "$62.40",
        "CartItem": [
            {
                "href": f"{BASE}/CartItem/1",
                "id": "Ecommerce::CartItem::1",
                "sku": "4012",
                "title": "Rimu Serving Board",
                "description": "A serving board of recycled rimu, 40 x 25 cm.",
                "thumb": "https://images.example.com/zest/4012/thumb.jpg",
                "image": "https://images.example.com/zest/4012/large.jpg",
                "price": 24.95,
                "price_formatted": "$24.95",
                "quantity": 2,
                "subtotal": 49.9,
                "subtotal_formatted": "$49.90",
            },
            {
                "href": f"{BASE}/CartItem/2",
                "id": "Ecommerce::CartItem::2",
                "sku": "4013",
                "title": "Flax Table Runner",
                "description": "A woven flax table runner, 180 cm long.",
                "thumb": "https://images.example.com/zest/4013/thumb.jpg",
                "image": "https://images.example.com/zest/4013/large.jpg",
                "price": 12.5,
                "price_formatted": "$12.50",
                "quantity": 1,
                "subtotal": 12.5,
                "subtotal_formatted": "$12.50",
            },
        ],
    }
    assert await cart(shop, session) == answer


async def test_an_empty_cart_has_no_items_and_a_zero_total(shop: Shop) -> None:
    answer = await cart(shop, await opened(shop))

    assert answer == {
        "totalItems": 0,
        "totalQuantity": 0,
        "Cart": {
            "href": f"{BASE}/Cart/main",
            "id": "Ecommerce::Cart::main",
            "country": "NZ",
            "total": 0.0,
            "total_formatted": "$0.00",
        },
    }


async def test_adding_a_sku_again_adds_to_its_line_and_keeps_its_id(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012", 2), line("4013")], BASE)

    answer = await shop.add_items(session, "main", [line("4013", 4), line("4012"), line("4013")], BASE)

    assert items_of(answer) == [("Ecommerce::CartItem::1", "4012", 3), ("Ecommerce::CartItem::2", "4013", 6)]
    assert (answer["totalItems"], answer["totalQuantity"], answer["Cart"]["total"]) == (2, 9, 149.85)


async def test_subtotals_are_price_times_quantity_in_cents_and_the_total_is_their_sum(
    shop: Shop, data: ZestFixtureData
) -> None:
    session = await opened(shop)
    wanted = [line(sku, quantity) for quantity, sku in enumerate(DEMO_SKUS, start=1)]

    answer = await shop.add_items(session, "main", wanted, BASE)

    prices = {product["sku"]: Decimal(str(product["price"])) for product in data.products}
    expected = [prices[sku] * quantity for quantity, sku in enumerate(DEMO_SKUS, start=1)]
    written = [item["subtotal"] for item in answer["Cart"]["CartItem"]]
    assert [Decimal(str(amount)) for amount in written] == expected
    assert Decimal(str(answer["Cart"]["total"])) == sum(expected)
    assert answer["Cart"]["total_formatted"] == f"${sum(expected):,.2f}"
    for amount in [*written, answer["Cart"]["total"]]:
        assert re.fullmatch(r"\d+(\.\d{1,2})?", repr(amount)), amount


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        pytest.param("4.35", 3, "13.05", id="float-would-write-13.049999"),
        pytest.param("0.10", 3, "0.30", id="float-would-write-0.30000000000000004"),
        pytest.param("19.99", 999, "19970.01", id="largest-line"),
    ],
)
def test_a_subtotal_is_exact_in_cents(price: str, quantity: int, expected: str) -> None:
    assert subtotal(Decimal(price), quantity) == Decimal(expected)
    assert repr(float(subtotal(Decimal(price), quantity))) == str(float(expected))


async def test_an_unknown_sku_is_refused_and_the_cart_is_left_as_it_was(shop: Shop) -> None:
    session = await opened(shop)
    before = await shop.add_items(session, "main", [line("4012")], BASE)

    error = await refused(shop.add_items(session, "main", [line("4013"), line("9999"), line("4012")], BASE))

    assert (error.code, error.message, error.field) == ("unknownSku", "No product has the sku 9999.", "CartItem.1.sku")
    assert await cart(shop, session) == before


@pytest.mark.parametrize(
    ("first", "then", "field"),
    [
        pytest.param(None, [line("4012", 1000)], "CartItem.0.quantity", id="one-line"),
        pytest.param(998, [line("4013"), line("4012", 2)], "CartItem.1.quantity", id="added-to-a-line"),
        pytest.param(None, [line("4012", 500), line("4012", 500)], "CartItem.1.quantity", id="twice-in-one-body"),
    ],
)
async def test_a_line_holds_at_most_999_and_a_refused_addition_changes_nothing(
    shop: Shop, first: int | None, then: list[dict[str, Any]], field: str
) -> None:
    session = await opened(shop)
    if first is not None:
        await shop.add_items(session, "main", [line("4012", first)], BASE)
    before = await cart(shop, session)

    error = await refused(shop.add_items(session, "main", then, BASE))

    assert (error.failure, error.field) == ("badRequest", field)
    assert await cart(shop, session) == before


async def test_a_product_out_of_stock_can_still_be_added(shop: Shop) -> None:
    answer = await shop.add_items(await opened(shop), "main", [line("5001")], BASE)

    assert items_of(answer) == [("Ecommerce::CartItem::1", "5001", 1)]
    assert answer["Cart"]["total_formatted"] == "$89.00"


async def test_replacing_sets_the_lines_and_the_country_and_keeps_the_ids_of_held_skus(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012"), line("4013", 5)], BASE)

    answer = await shop.replace_cart(session, "main", [line("4014", 2), line("4013")], "AU", BASE)

    assert items_of(answer) == [("Ecommerce::CartItem::3", "4014", 2), ("Ecommerce::CartItem::2", "4013", 1)]
    assert answer["Cart"]["country"] == "AU"
    kept = await shop.replace_cart(session, "main", [line("4012", 2)], None, BASE)
    assert items_of(kept) == [("Ecommerce::CartItem::4", "4012", 2)]
    assert kept["Cart"]["country"] == "AU"
    assert await cart(shop, session) == kept


async def test_replacing_with_no_items_empties_the_cart(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012")], BASE)

    no_items: tuple[list[dict[str, Any]] | None, ...] = ([], None)
    for items in no_items:
        answer = await shop.replace_cart(session, "main", items, None, BASE)
        assert (answer["totalItems"], answer["Cart"]["total"]) == (0, 0.0)
        assert "CartItem" not in answer["Cart"]


@pytest.mark.parametrize(
    ("items", "country", "code", "field"),
    [
        pytest.param([line("4012")], "FR", "unknownCountry", "country", id="country"),
        pytest.param([line("4012"), line("nope")], "AU", "unknownSku", "CartItem.1.sku", id="sku"),
        pytest.param([line("4012", 999), line("4012")], None, None, "CartItem.1.quantity", id="quantity"),
    ],
)
async def test_a_refused_replacement_leaves_the_cart_as_it_was(
    shop: Shop, items: list[dict[str, Any]], country: str, code: str | None, field: str
) -> None:
    session = await opened(shop)
    before = await shop.add_items(session, "main", [line("4013", 2)], BASE)

    error = await refused(shop.replace_cart(session, "main", items, country, BASE))

    assert (error.code, error.field) == (code, field)
    assert await cart(shop, session) == before


async def test_emptying_removes_every_line_but_keeps_the_country(shop: Shop) -> None:
    session = await opened(shop)
    await shop.replace_cart(session, "main", [line("4012"), line("4013")], "GB", BASE)

    answer = await shop.empty_cart(session, "main", BASE)

    assert (answer["totalItems"], answer["totalQuantity"], answer["Cart"]["country"]) == (0, 0, "GB")
    assert await cart(shop, session) == answer


async def test_countries_lists_the_shipping_countries_and_marks_the_carts_own(
    shop: Shop, data: ZestFixtureData
) -> None:
    session = await opened(shop)
    assert "Countries" not in await cart(shop, session)

    default = (await cart(shop, session, countries=True))["Countries"]
    await shop.replace_cart(session, "main", None, "AU", BASE)
    chosen = (await cart(shop, session, countries=True))["Countries"]

    assert [country["code"] for country in default] == [country["code"] for country in data.countries]
    assert [country["code"] for country in default if country.get("selected") == 1] == ["NZ"]
    assert [country["code"] for country in chosen if country.get("selected") == 1] == ["AU"]
    assert chosen[1] == {"code": "AU", "selected": 1, "name": "Australia"}
    assert chosen[0] == {"code": "NZ", "name": "New Zealand"}


async def test_a_cart_without_a_chosen_country_follows_the_live_settings(shop: Shop) -> None:
    session = await opened(shop)
    await change_settings(shop, defaultCountry="US", currencySymbol="US$")

    answer = await shop.add_items(session, "main", [line("4012")], BASE)

    assert (answer["Cart"]["country"], answer["Cart"]["total_formatted"]) == ("US", "US$24.95")


async def test_named_carts_are_apart_from_main_and_item_ids_count_across_them(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012")], BASE)

    wishlist = await shop.add_items(session, "wishlist", [line("4013"), line("4012")], BASE)
    main = await shop.add_items(session, "main", [line("4014")], BASE)

    assert wishlist["Cart"]["href"] == f"{BASE}/Cart/wishlist"
    assert wishlist["Cart"]["id"] == "Ecommerce::Cart::wishlist"
    assert items_of(wishlist) == [("Ecommerce::CartItem::2", "4013", 1), ("Ecommerce::CartItem::3", "4012", 1)]
    assert items_of(main) == [("Ecommerce::CartItem::1", "4012", 1), ("Ecommerce::CartItem::4", "4014", 1)]
    assert (await shop.empty_cart(session, "wishlist", BASE))["totalItems"] == 0
    assert (await cart(shop, session))["totalItems"] == 2


async def test_an_item_is_read_changed_and_removed_by_its_id(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012")], BASE)
    await shop.add_items(session, "gifts", [line("4013", 2), line("5001")], BASE)

    read = await shop.read_item(session, 2, BASE)
    changed = await shop.update_item(session, 2, 7, BASE)
    removed = await shop.remove_item(session, 3, BASE)

    assert read["CartItem"]["href"] == f"{BASE}/CartItem/2"
    assert (read["CartItem"]["quantity"], read["CartItem"]["subtotal"]) == (2, 25.0)
    assert set(changed) == {"CartItem"}
    assert (changed["CartItem"]["quantity"], changed["CartItem"]["subtotal_formatted"]) == (7, "$87.50")
    assert removed["Cart"]["id"] == "Ecommerce::Cart::gifts"
    assert items_of(removed) == [("Ecommerce::CartItem::2", "4013", 7)]
    assert await cart(shop, session, "gifts") == removed
    assert (await refused(shop.read_item(session, 3, BASE))).code == "unknownCartItem"
    assert items_of(await cart(shop, session)) == [("Ecommerce::CartItem::1", "4012", 1)]


async def test_an_item_quantity_past_999_is_refused(shop: Shop) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012")], BASE)

    error = await refused(shop.update_item(session, 1, 1000, BASE))

    assert (error.failure, error.field) == ("badRequest", "CartItem.quantity")
    assert (await shop.read_item(session, 1, BASE))["CartItem"]["quantity"] == 1


@pytest.mark.parametrize("operation", ["read", "update", "remove"])
async def test_an_id_no_cart_of_the_session_holds_is_an_unknown_cart_item(shop: Shop, operation: str) -> None:
    session = await opened(shop)
    await shop.add_items(session, "main", [line("4012")], BASE)
    calls: dict[str, Callable[[Session | None, int], Any]] = {
        "read": lambda s, item: shop.read_item(s, item, BASE),
        "update": lambda s, item: shop.update_item(s, item, 2, BASE),
        "remove": lambda s, item: shop.remove_item(s, item, BASE),
    }

    for who, item in ((session, 2), (session, 2147483647), (None, 1)):
        error = await refused(calls[operation](who, item))
        assert (error.code, error.message) == ("unknownCartItem", f"The session's carts hold no item {item}.")
    assert items_of(await cart(shop, session)) == [("Ecommerce::CartItem::1", "4012", 1)]


@pytest.mark.parametrize("state", ["memory", "sqlite"])
async def test_concurrent_additions_to_one_session_lose_no_line(
    tmp_path: Path, clock: ManualClock, data: ZestFixtureData, state: str
) -> None:
    store = open_store("memory" if state == "memory" else "sqlite:///" + str(tmp_path / "state.db"))
    shop = Shop(store, SETTINGS, clock=clock)
    await shop.seed(data)
    session = await opened(shop)

    await asyncio.gather(*(shop.add_items(session, "main", [line(sku)], BASE) for sku in DEMO_SKUS[:20]))

    lines = items_of(await cart(shop, session))
    assert sorted(sku for _, sku, _ in lines) == DEMO_SKUS[:20]
    assert sorted(int(item_id.rsplit("::", 1)[1]) for item_id, _, _ in lines) == list(range(1, 21))
    await store.close()


async def test_without_a_session_a_change_is_answered_and_nothing_is_kept(shop: Shop) -> None:
    added = await shop.add_items(None, "main", [line("4012", 2), line("4013")], BASE)
    replaced = await shop.replace_cart(None, "main", [line("4013")], "AU", BASE)
    emptied = await shop.empty_cart(None, "main", BASE)

    assert items_of(added) == [("Ecommerce::CartItem::1", "4012", 2), ("Ecommerce::CartItem::2", "4013", 1)]
    assert (items_of(replaced), replaced["Cart"]["country"]) == ([("Ecommerce::CartItem::1", "4013", 1)], "AU")
    assert emptied["totalItems"] == 0
    assert (await cart(shop, None))["totalItems"] == 0
    assert await shop.store.keys(SESSIONS) == []
    assert (await refused(shop.add_items(None, "main", [line("9999")], BASE))).code == "unknownSku"


# --- catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "skus"),
    [
        pytest.param(1, 20, DEMO_SKUS[:20], id="first"),
        pytest.param(2, 20, DEMO_SKUS[20:40], id="second"),
        pytest.param(3, 20, DEMO_SKUS[40:], id="last"),
        pytest.param(4, 20, [], id="past-the-end"),
        pytest.param(1, 100, DEMO_SKUS, id="all"),
        pytest.param(7, 7, [], id="exactly-past-the-end"),
        pytest.param(6, 7, DEMO_SKUS[35:], id="exactly-the-end"),
    ],
)
async def test_the_demo_category_pages_its_42_products(shop: Shop, page: int, per_page: int, skus: list[str]) -> None:
    answer = await shop.browse("00411", page=page, per_page=per_page, base_url=BASE)

    assert (answer["page"], answer["totalResults"], answer["totalResultsReturned"]) == (page, 42, len(skus))
    assert [product["sku"] for product in answer["Category"].get("Product", [])] == skus


async def test_a_category_answers_its_values_and_its_products_prices(shop: Shop) -> None:
    answer = await shop.browse("00411", base_url=BASE)

    category = answer["Category"]
    assert {key: value for key, value in category.items() if key != "Product"} == {
        "href": f"{BASE}/BrowseCategory/00411",
        "id": "Ecommerce::Category::00411",
        "code": "00411",
        "title": "Homeware",
        "description": "Everything for the kitchen and the table.",
    }
    assert category["Product"][0] == {
        "href": f"{BASE}/Product/4012",
        "id": "Ecommerce::Product::4012",
        "sku": "4012",
        "title": "Rimu Serving Board",
        "description": "A serving board of recycled rimu, 40 x 25 cm.",
        "thumb": "https://images.example.com/zest/4012/thumb.jpg",
        "image": "https://images.example.com/zest/4012/large.jpg",
        "stock": 120,
        "price": 24.95,
        "price_formatted": "$24.95",
    }
    assert list(answer) == ["page", "totalResults", "totalResultsReturned", "Category"]


async def test_without_prices_no_product_has_a_price(shop: Shop) -> None:
    answer = await shop.browse("00411", with_prices=0, base_url=BASE)

    products = answer["Category"]["Product"]
    assert len(products) == 20
    assert all("price" not in product and "price_formatted" not in product for product in products)


async def test_without_products_the_category_still_counts_them(shop: Shop) -> None:
    answer = await shop.browse("00411", with_products=False, base_url=BASE)

    assert (answer["totalResults"], answer["totalResultsReturned"]) == (42, 0)
    assert "Product" not in answer["Category"]


async def test_an_empty_category_and_an_unknown_one(shop: Shop) -> None:
    empty = await shop.browse("00499", base_url=BASE)
    error = await refused(shop.browse("00410", base_url=BASE))

    assert (empty["totalResults"], empty["totalResultsReturned"], "Product" in empty["Category"]) == (0, 0, False)
    assert (error.code, error.message) == ("unknownCategory", "No category has the code 00410.")


# --- application keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "resource", "code"),
    [
        ("demo-key", "BrowseCategory", None),
        ("demo-key", "Cart", None),
        ("demo-key", "CartItem", None),
        ("catalog-key", "BrowseCategory", None),
        ("catalog-key", "Cart", "keyNotAllowed"),
        ("catalog-key", "CartItem", "keyNotAllowed"),
        ("Demo-Key", "Cart", "invalidKey"),
        ("nokey", "BrowseCategory", "invalidKey"),
        ("", "Cart", "invalidKey"),
        (None, "Cart", "invalidKey"),
    ],
)
async def test_an_application_key_may_use_the_resources_it_is_allowed(
    shop: Shop, key: str | None, resource: str, code: str | None
) -> None:
    if code is None:
        assert (await shop.check_key(key, resource)).key == key
    else:
        assert (await refused(shop.check_key(key, resource))).code == code


# --- fixtures and state ---------------------------------------------------------------------------


def serialize(data: ZestFixtureData) -> str:
    return json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False)


def product(data: ZestFixtureData, sku: str) -> dict[str, Any]:
    return next(entry for entry in data.products if entry["sku"] == sku)


def test_the_same_file_and_seed_give_identical_data_and_another_seed_keeps_every_code(data: ZestFixtureData) -> None:
    other = load_fixtures(seed=7, contract=CONTRACT)

    assert serialize(load_fixtures(DEFAULT_FIXTURES, seed=20261129, contract=CONTRACT)) == serialize(data)
    assert [entry["sku"] for entry in other.products] == [entry["sku"] for entry in data.products]
    assert other.categories == data.categories
    assert (other.applications, other.countries) == (data.applications, data.countries)
    assert product(other, "4012") == product(data, "4012")
    generated = [entry for entry in data.products if entry["sku"] == "4014" or entry["sku"] == "4030"]
    assert [product(other, entry["sku"]) for entry in generated] != generated


def test_the_bundled_fixtures_hold_the_demo_data(data: ZestFixtureData) -> None:
    assert data.settings == {
        "sessionIdleSeconds": 1800,
        "currency": "NZD",
        "currencySymbol": "$",
        "defaultCountry": "NZ",
    }
    assert data.applications == [
        {"key": "demo-key", "resources": None},
        {"key": "catalog-key", "resources": ["BrowseCategory"]},
        {"key": "cart-key", "resources": ["Cart", "CartItem"]},
    ]
    assert [country["code"] for country in data.countries] == ["NZ", "AU", "US", "GB", "CA", "DE"]
    categories = {category["code"]: category["products"] for category in data.categories}
    assert categories == {"00411": DEMO_SKUS, "00412": [str(sku) for sku in range(5001, 5007)], "00499": []}
    assert (product(data, "4012")["price"], product(data, "4012")["stock"]) == (24.95, 120)
    assert (product(data, "4013")["title"], product(data, "4013")["price"]) == ("Flax Table Runner", 12.5)
    assert product(data, "5001")["stock"] == 0
    assert any(product(data, sku)["stock"] == 0 for sku in DEMO_SKUS)
    for entry in data.products:
        assert Decimal(str(entry["price"])) == Decimal(str(entry["price"])).quantize(Decimal("0.01"))
        assert entry["thumb"] == f"https://images.example.com/zest/{entry['sku']}/thumb.jpg"


def _edit(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param(
            "settings.defaultCountry",
            "FR",
            "settings.defaultCountry: 'FR' is not one of the countries",
            id="default-country",
        ),
        pytest.param("categories.1.products.generated.firstSku", 4050, "the sku '4050' appears twice", id="sku-twice"),
        pytest.param("applications.1.key", "demo-key", "the key 'demo-key' appears twice", id="key-twice"),
        pytest.param("categories.0.products.fixed.0.price", 24.951, "write the price in cents", id="price"),
        pytest.param("applications.1.resources", ["Checkout"], "applications[1].resources[0]", id="resource"),
    ],
)
def test_a_wrong_fixture_file_is_refused_with_the_key_at_fault(
    tmp_path: Path, path: str, value: Any, message: str
) -> None:
    document = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    _edit(document, path, value)
    file = tmp_path / "zest.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    with pytest.raises(FixtureError, match=re.escape(message)):
        load_fixtures(file, contract=CONTRACT)


async def test_the_state_seeds_the_shop_with_the_settings_and_names_the_demo_data() -> None:
    store = MemoryStore()

    async def on_empty() -> None:
        raise AssertionError("the store is seeded")

    state = ZestState(StateContext(store, CONTRACT, None, None, None, on_empty, lambda: 0.0))
    await state.seed()

    assert (state.seed_marker, state.layout, state.outbox, state.base_path) == (
        "zest:seeded",
        "done:1",
        None,
        "/API/V3",
    )
    assert await state.settings.get() == {
        "sessionIdleSeconds": 1800,
        "currency": "NZD",
        "currencySymbol": "$",
        "defaultCountry": "NZ",
    }
    assert state.banner() == [
        ("Application key", "demo-key (every resource)"),
        ("Application key", "catalog-key (BrowseCategory only)"),
        ("Application key", "cart-key (Cart, CartItem only)"),
        ("Demo category", "00411 Homeware (42 products)"),
    ]
    assert (await state.shop.browse("00411", base_url=BASE))["totalResults"] == 42
