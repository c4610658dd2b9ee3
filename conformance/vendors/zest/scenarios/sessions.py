"""The session protocol: opened by `_session_token=1`, carried in the query, reset without an error
when the token is unknown or has timed out, and nothing shared between two sessions."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.zest.context import OPEN, ZestContext

_SHORT = 2


@scenario(covers={}, operations=("browseCategory", "getCart", "addToCart"), needs=("testData.skus",))
def open_and_carry(ctx: ZestContext) -> None:
    """`_session_token=1` opens a session on any resource; its token, sent back, keeps the cart; no token keeps nothing."""
    token, _ = ctx.open_session("browseCategory", path={"code": ctx.category()["code"]})
    sku = ctx.skus()[0]
    added = ctx.add(token, [{"sku": sku}], cause="adding an item in the session")
    ctx.expect(
        added.get("session") == token,
        "session_carried",
        f"addToCart in the session {token} answered the session {added.get('session')!r}",
    )
    cart = ctx.cart(token, cause="reading the cart in the same session")
    ctx.expect(
        cart.get("session") == token and [item.get("sku") for item in cart["Cart"].get("CartItem", [])] == [sku],
        "session_keeps_cart",
        f"the cart read with the session's token does not hold the item {sku} added before",
    )
    stateless = ctx.add(None, [{"sku": sku}], cause="adding an item without a session")
    ctx.expect(
        "session" not in stateless,
        "no_session_without_token",
        "addToCart without _session_token answered a session token",
    )
    ctx.expect(
        not ctx.cart(None, cause="reading the cart without a session")["Cart"].get("CartItem"),
        "no_session_without_token",
        "a cart read without _session_token holds items added without one",
        operation_id="getCart",
    )


@scenario(covers={}, operations=("getCart", "addToCart"), needs=("testData.skus",))
def unknown_token_resets(ctx: ZestContext) -> None:
    """An unknown token is no error: the answer carries a new session, with nothing of any other in it."""
    token, _ = ctx.open_session("addToCart", body={"CartItem": [{"sku": ctx.skus()[0]}]})
    unknown = ctx.unknown_token()
    exchange = ctx.call("getCart", session=unknown)
    ctx.expect(
        exchange.status == 200,
        "unknown_token_resets",
        f"getCart with an unknown session token answered HTTP {exchange.status}; the session must reset "
        "silently, with a new token and no error",
        exchange,
    )
    body = ctx.check_ok("getCart", "reading the cart with an unknown session token", exchange)
    fresh = body.get("session")
    ctx.expect(
        isinstance(fresh, str) and fresh not in (unknown, token, OPEN),
        "unknown_token_resets",
        f"getCart with the unknown token {unknown} answered the session {fresh!r}, not a new one",
        exchange,
    )
    ctx.expect(
        not body["Cart"].get("CartItem"),
        "unknown_token_resets",
        "the new session of an unknown token already holds items",
        exchange,
    )
    again = ctx.cart(str(fresh), cause="reading the cart with the new token")
    ctx.expect(
        again.get("session") == fresh,
        "session_carried",
        f"the token {fresh} an answer gave was not kept: the next answer carries {again.get('session')!r}",
    )


@scenario(
    covers={"getCartItem": ("unknownCartItem",)},
    operations=("getCart", "addToCart"),
    requires=("getCartItem",),
    needs=("testData.skus",),
)
def sessions_are_isolated(ctx: ZestContext) -> None:
    """Two sessions share nothing: one's cart and items are not the other's."""
    first, added = ctx.open_session("addToCart", body={"CartItem": [{"sku": ctx.skus()[0]}]})
    second, _ = ctx.open_session()
    ctx.expect(
        first != second,
        "sessions_are_isolated",
        "two sessions opened with _session_token=1 got one token",
        operation_id="getCart",
    )
    ctx.expect(
        not ctx.cart(second, cause="reading the second session's cart")["Cart"].get("CartItem"),
        "sessions_are_isolated",
        "a new session's cart holds the items of another session",
    )
    item = ctx.item_ids(added)[0]
    ctx.error(
        "getCartItem",
        "unknownCartItem",
        "another session's item",
        rule="sessions_are_isolated",
        session=second,
        path={"id": item},
    )


@scenario(
    covers={},
    operations=("getCart",),
    requires=("addToCart",),
    needs=("testData.skus",),
    tune={"sessionIdleSeconds": _SHORT},
)
def idle_timeout(ctx: ZestContext) -> None:
    """A session idle for longer than the timeout resets on its next request: a new token, an empty cart, no error."""
    idle = int(ctx.setting("sessionIdleSeconds"))
    if not ctx.can_wait(idle):
        raise NotCovered(
            f"sessionIdleSeconds in the target's settings ({idle}s) is longer than expiry.maxWaitSeconds "
            "and the target file declares neither settingsControl to shorten it nor clockControl"
        )
    token, _ = ctx.open_session("addToCart", body={"CartItem": [{"sku": ctx.skus()[0]}]})
    kept, _ = ctx.open_session("addToCart", body={"CartItem": [{"sku": ctx.skus()[1]}]})
    # The first session is then idle for 1.5 times the timeout, the other for 0.75 times.
    ctx.wait(idle * 0.75)
    ctx.cart(kept, cause="a request within the idle time")
    ctx.wait(idle * 0.75)
    exchange = ctx.call("getCart", session=token)
    ctx.expect(
        exchange.status == 200,
        "expired_token_resets",
        f"getCart with a timed-out session's token answered HTTP {exchange.status}; the session must reset "
        "silently, with a new token and no error",
        exchange,
    )
    body = ctx.check_ok("getCart", "reading the cart of a timed-out session", exchange)
    ctx.expect(
        body.get("session") not in (None, token) and not body["Cart"].get("CartItem"),
        "expired_token_resets",
        "a session idle for longer than sessionIdleSeconds kept its token or its cart",
        exchange,
    )
    alive = ctx.cart(kept, cause="reading the cart of a session with a recent request")
    ctx.expect(
        alive.get("session") == kept and bool(alive["Cart"].get("CartItem")),
        "activity_restarts_idle_time",
        "a session with a request within its idle time was reset as if idle all along",
    )
