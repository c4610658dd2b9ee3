"""The answers' values, in the contract's schemas and their property order (the XML child order).

Amounts are Decimals until they are written: a subtotal is exactly price x quantity in cents and a
total exactly the sum of its subtotals, and each is written as a number of at most two decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mock_server.vendors.zest.domain.carts import Cart, Line
from mock_server.vendors.zest.domain.catalog import CENT, Category, Product, ShopCatalog

# How the vendor writes a cart's and an item's `id` attribute; the paths also take them whole.
CART_ID = "Ecommerce::Cart::"
ITEM_ID = "Ecommerce::CartItem::"


def amount(value: Decimal) -> float:
    # A float's shortest spelling is the Decimal's own for amounts in cents (`24.95`, not `24.9499...`).
    return float(value.quantize(CENT))


def formatted(value: Decimal, symbol: str) -> str:
    return f"{symbol}{value.quantize(CENT):,.2f}"


def subtotal(price: Decimal, quantity: int) -> Decimal:
    return (price * quantity).quantize(CENT)


def product(entry: Product, base_url: str, symbol: str, *, with_prices: bool = True) -> dict[str, Any]:
    value: dict[str, Any] = {
        "href": f"{base_url}/Product/{entry.sku}",
        "id": f"Ecommerce::Product::{entry.sku}",
        "sku": entry.sku,
        "title": entry.title,
        "description": entry.description,
        "thumb": entry.thumb,
        "image": entry.image,
        "stock": entry.stock,
    }
    if with_prices:
        value["price"] = amount(entry.price)
        value["price_formatted"] = formatted(entry.price, symbol)
    return value


def category_result(
    category: Category,
    products: list[Product],
    *,
    page: int,
    base_url: str,
    symbol: str,
    with_prices: bool,
) -> dict[str, Any]:
    """`CategoryResultSet` without `session`: `products` are the page's."""
    value: dict[str, Any] = {
        "href": f"{base_url}/BrowseCategory/{category.code}",
        "id": f"Ecommerce::Category::{category.code}",
        "code": category.code,
        "title": category.title,
        "description": category.description,
    }
    if products:
        value["Product"] = [product(entry, base_url, symbol, with_prices=with_prices) for entry in products]
    return {
        "page": page,
        "totalResults": len(category.skus),
        "totalResultsReturned": len(products),
        "Category": value,
    }


def cart_item(line: Line, entry: Product, base_url: str, symbol: str) -> dict[str, Any]:
    total = subtotal(entry.price, line.quantity)
    return {
        "href": f"{base_url}/CartItem/{line.id}",
        "id": f"{ITEM_ID}{line.id}",
        "sku": entry.sku,
        "title": entry.title,
        "description": entry.description,
        "thumb": entry.thumb,
        "image": entry.image,
        "price": amount(entry.price),
        "price_formatted": formatted(entry.price, symbol),
        "quantity": line.quantity,
        "subtotal": amount(total),
        "subtotal_formatted": formatted(total, symbol),
    }


def cart_result(
    cart: Cart,
    catalog: ShopCatalog,
    settings: Mapping[str, Any],
    base_url: str,
    *,
    countries: bool = False,
) -> dict[str, Any]:
    """`CartResultSet` (or `CartRsp` without `countries`), without `session`; prices are today's."""
    symbol = settings["currencySymbol"]
    country = cart.country or settings["defaultCountry"]
    lines = [(line, catalog.products[line.sku]) for line in cart.lines]
    total = sum((subtotal(entry.price, line.quantity) for line, entry in lines), Decimal(0))
    value: dict[str, Any] = {
        "href": f"{base_url}/Cart/{cart.name}",
        "id": f"{CART_ID}{cart.name}",
        "country": country,
        "total": amount(total),
        "total_formatted": formatted(total, symbol),
    }
    if lines:
        value["CartItem"] = [cart_item(line, entry, base_url, symbol) for line, entry in lines]
    answer: dict[str, Any] = {
        "totalItems": len(lines),
        "totalQuantity": sum(line.quantity for line, _ in lines),
        "Cart": value,
    }
    if countries:
        answer["Countries"] = [
            {"code": entry.code, "selected": 1, "name": entry.name}
            if entry.code == country
            else {"code": entry.code, "name": entry.name}
            for entry in catalog.countries
        ]
    return answer
