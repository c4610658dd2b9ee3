"""Cart arithmetic and the cart's rules: adding, changing, removing, replacing, emptying, named
carts, shipping countries, and the refusals that leave a cart as it was."""

from __future__ import annotations

from typing import Any

from conformance.scenarios import scenario
from conformance.vendors.zest.context import ZestContext


def _lines(answer: dict[str, Any]) -> dict[str, int]:
    return {str(item["sku"]): int(item["quantity"]) for item in answer.get("Cart", {}).get("CartItem", [])}


@scenario(
    covers={},
    operations=("addToCart", "updateCartItem", "getCartItem", "removeCartItem", "getCart"),
    needs=("testData.skus",),
)
def cart_arithmetic(ctx: ZestContext) -> None:
    """Items add up: the same sku again adds to its line (same id), quantities change, lines go, totals follow."""
    first, second = ctx.skus()[:2]
    token, added = ctx.open_session("addToCart", body={"CartItem": [{"sku": first}, {"sku": second, "quantity": 3}]})
    ctx.expect(
        _lines(added) == {first: 1, second: 3},
        "items_added",
        f"adding {first} once and {second} three times answered the lines {_lines(added)}",
    )
    again = ctx.add(token, [{"sku": first, "quantity": 2}], cause="adding a sku that is in the cart again")
    ctx.expect(
        _lines(again) == {first: 3, second: 3} and ctx.item_ids(again) == ctx.item_ids(added),
        "same_sku_adds_quantity",
        f"adding {first} again answered the lines {_lines(again)} with ids "
        f"{ctx.item_ids(again)} (before: {ctx.item_ids(added)}); its line must grow and keep its id",
    )
    line = ctx.item_ids(again)[0]
    changed = ctx.ok(
        "updateCartItem",
        "setting an item's quantity",
        session=token,
        path={"id": line},
        body={"CartItem": {"quantity": 5}},
    )
    ctx.expect(
        changed["CartItem"].get("quantity") == 5,
        "quantity_changed",
        f"updateCartItem to 5 answered the quantity {changed['CartItem'].get('quantity')!r}",
    )
    read = ctx.ok("getCartItem", "reading the changed item", session=token, path={"id": line})
    ctx.expect(read["CartItem"].get("quantity") == 5, "quantity_changed", "the changed quantity was not kept")
    removed = ctx.ok("removeCartItem", "removing an item", session=token, path={"id": line})
    ctx.expect(_lines(removed) == {second: 3}, "item_removed", f"removing {first} left the lines {_lines(removed)}")
    cart = ctx.cart(token, cause="reading the cart after the changes")
    ctx.expect(_lines(cart) == {second: 3}, "cart_kept", f"the cart holds {_lines(cart)} after the changes")


@scenario(
    covers={},
    operations=("replaceCart", "emptyCart", "addToNamedCart", "getNamedCart", "replaceNamedCart", "emptyNamedCart"),
    requires=("addToCart", "getCart"),
    needs=("testData.skus",),
)
def replace_empty_and_named_carts(ctx: ZestContext) -> None:
    """PUT replaces a cart's items, DELETE empties it; a named cart is a cart of its own."""
    first, second = ctx.skus()[:2]
    token, _ = ctx.open_session("addToCart", body={"CartItem": [{"sku": first}]})
    replaced = ctx.ok(
        "replaceCart", "replacing the cart", session=token, body={"CartItem": [{"sku": second, "quantity": 2}]}
    )
    ctx.expect(_lines(replaced) == {second: 2}, "cart_replaced", f"PUT of {second} x 2 answered {_lines(replaced)}")
    named = ctx.add(token, [{"sku": first, "quantity": 4}], name="wishlist", cause="adding to the cart 'wishlist'")
    ctx.expect(
        _lines(named) == {first: 4},
        "named_carts_are_separate",
        f"the cart 'wishlist' holds {_lines(named)}, not only what was added to it",
    )
    ctx.expect(
        _lines(ctx.cart(token, cause="reading the default cart")) == {second: 2},
        "named_carts_are_separate",
        "adding to the cart 'wishlist' changed the default cart",
        operation_id="addToNamedCart",
    )
    ctx.ok(
        "replaceNamedCart",
        "replacing the cart 'wishlist'",
        session=token,
        path={"name": "wishlist"},
        body={"CartItem": [{"sku": second}]},
    )
    emptied = ctx.ok("emptyNamedCart", "emptying the cart 'wishlist'", session=token, path={"name": "wishlist"})
    ctx.expect(
        not _lines(emptied) and emptied.get("totalItems") == 0,
        "cart_emptied",
        f"DELETE of the cart 'wishlist' answered {_lines(emptied)}",
    )
    ctx.expect(
        not _lines(ctx.cart(token, "wishlist", cause="reading the emptied cart 'wishlist'")),
        "cart_emptied",
        "the emptied cart 'wishlist' still holds items",
        operation_id="emptyNamedCart",
    )
    emptied = ctx.ok("emptyCart", "emptying the default cart", session=token)
    ctx.expect(not _lines(emptied), "cart_emptied", f"DELETE of the cart answered {_lines(emptied)}")


@scenario(
    covers={
        "addToCart": ("unknownSku",),
        "addToNamedCart": ("unknownSku",),
        "replaceCart": ("unknownSku", "unknownCountry"),
        "replaceNamedCart": ("unknownSku", "unknownCountry"),
    },
    requires=("addToCart", "addToNamedCart", "replaceCart", "replaceNamedCart", "getCart", "getNamedCart"),
    needs=("testData.skus",),
)
def refusals_leave_the_cart(ctx: ZestContext) -> None:
    """An unknown sku or shipping country is refused with its code, and the cart stays as it was."""
    first, second = ctx.skus()[:2]
    unknown = "sfk" + ctx.hex_token(8)
    for name in ("main", "wishlist"):
        suffix, path = ("", {}) if name == "main" else ("Named", {"name": name})
        token, _ = ctx.open_session(f"addTo{suffix}Cart", path=path, body={"CartItem": [{"sku": first}]})
        refusals = (
            (
                f"addTo{suffix}Cart",
                "unknownSku",
                "a known and an unknown sku",
                "unknown_sku_refused",
                {"CartItem": [{"sku": second}, {"sku": unknown}]},
            ),
            (
                f"replace{suffix}Cart",
                "unknownSku",
                "a cart of an unknown sku",
                "unknown_sku_refused",
                {"CartItem": [{"sku": unknown}]},
            ),
            (
                f"replace{suffix}Cart",
                "unknownCountry",
                "a country that is not a shipping country",
                "unknown_country_refused",
                {"country": "ZZ", "CartItem": [{"sku": second}]},
            ),
        )
        for operation_id, code, cause, rule, body in refusals:
            ctx.error(operation_id, code, cause, rule=rule, session=token, path=path, body=body)
            lines = _lines(ctx.cart(token, name, cause="reading the cart after a refused change"))
            ctx.expect(
                lines == {first: 1},
                "refusal_changes_nothing",
                f"after {operation_id} refused {cause} the cart {name!r} holds {lines}, not what it held before",
                operation_id=operation_id,
            )


@scenario(covers={}, operations=("addToCart", "addToNamedCart", "getCartItem"), needs=("testData.skus",))
def item_ids_span_the_session(ctx: ZestContext) -> None:
    """Item ids are the session's, across its carts: an item of a named cart is read by its own id."""
    sku = ctx.skus()[0]
    token, main = ctx.open_session("addToCart", body={"CartItem": [{"sku": sku}]})
    named = ctx.add(token, [{"sku": sku, "quantity": 2}], name="wishlist", cause="adding to the cart 'wishlist'")
    ctx.expect(
        set(ctx.item_ids(main)).isdisjoint(ctx.item_ids(named)),
        "item_ids_span_the_session",
        f"the carts 'main' and 'wishlist' of one session both hold the item id {ctx.item_ids(main)}",
        operation_id="addToNamedCart",
    )
    item = ctx.ok(
        "getCartItem", "reading the named cart's item by its id", session=token, path={"id": ctx.item_ids(named)[0]}
    )
    ctx.expect(
        item["CartItem"].get("quantity") == 2,
        "item_ids_span_the_session",
        "the id of the item in the cart 'wishlist' reads another item",
        operation_id="getCartItem",
    )


@scenario(covers={"addToCart": ("badRequest",)}, requires=("addToCart", "getCart"), needs=("testData.skus",))
def line_quantity_limit(ctx: ZestContext) -> None:
    """A line holds at most 999: an addition that would take it past that is refused and changes nothing."""
    sku = ctx.skus()[0]
    token, _ = ctx.open_session("addToCart", body={"CartItem": [{"sku": sku, "quantity": 999}]})
    ctx.error(
        "addToCart",
        "badRequest",
        "an addition that takes a line past 999",
        rule="line_quantity_limit",
        session=token,
        body={"CartItem": [{"sku": sku}]},
    )
    lines = _lines(ctx.cart(token, cause="reading the cart after the refused addition"))
    ctx.expect(
        lines == {sku: 999},
        "refusal_changes_nothing",
        f"after a refused addition past 999 the cart holds {lines}",
        operation_id="addToCart",
    )


@scenario(covers={}, operations=("getCart", "replaceCart"), needs=("testData.skus",))
def shipping_countries(ctx: ZestContext) -> None:
    """`countries=1` lists the shipping countries with the cart's own selected; PUT with a country selects another."""
    token, _ = ctx.open_session()
    listed = ctx.cart(token, cause="reading the cart with countries=1", countries=1).get("Countries") or []
    selected = [country.get("code") for country in listed if country.get("selected") == 1]
    ctx.expect(
        len(listed) >= 2 and len(selected) == 1,
        "countries_listed",
        f"countries=1 answered {len(listed)} countries, {len(selected)} of them selected (one must be)",
        operation_id="getCart",
    )
    other = next(str(country["code"]) for country in listed if country.get("code") != selected[0])
    ctx.ok(
        "replaceCart",
        f"choosing the shipping country {other}",
        session=token,
        body={"country": other, "CartItem": [{"sku": ctx.skus()[0]}]},
    )
    again = ctx.cart(token, cause="reading the countries again", countries=1).get("Countries") or []
    now = [country.get("code") for country in again if country.get("selected") == 1]
    ctx.expect(
        now == [other],
        "country_chosen",
        f"after choosing {other} the selected country is {now}",
        operation_id="replaceCart",
    )
    ctx.expect(
        "Countries" not in ctx.cart(token, cause="reading the cart without countries"),
        "countries_on_request",
        "a cart read without countries=1 lists the countries",
        operation_id="getCart",
    )


@scenario(
    covers={
        "getCartItem": ("unknownCartItem",),
        "updateCartItem": ("unknownCartItem",),
        "removeCartItem": ("unknownCartItem",),
    },
    requires=("addToCart", "getCartItem", "updateCartItem", "removeCartItem"),
    needs=("testData.skus",),
)
def unknown_items(ctx: ZestContext) -> None:
    """An item id the session does not have, or one removed, answers 404 unknownCartItem."""
    token, added = ctx.open_session("addToCart", body={"CartItem": [{"sku": ctx.skus()[0]}]})
    line = ctx.item_ids(added)[0]
    ctx.ok("removeCartItem", "removing the session's one item", session=token, path={"id": line})
    ctx.error("getCartItem", "unknownCartItem", "an item that was removed", session=token, path={"id": line})
    ctx.error(
        "updateCartItem",
        "unknownCartItem",
        "an item that was removed",
        session=token,
        path={"id": line},
        body={"CartItem": {"quantity": 2}},
    )
    ctx.error("removeCartItem", "unknownCartItem", "an item that was removed", session=token, path={"id": line})
