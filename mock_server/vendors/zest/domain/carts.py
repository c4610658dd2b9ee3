"""A session's carts: named lists of lines, kept in the session's record and changed atomically.

The record is `{"t": last request, "n": last item id, "c": {name: {"k": country, "i": [[id, sku,
quantity], ...]}}}`; item ids count up per session, across all its carts. Without a session the
same changes apply to an empty record that is never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mock_server.store import Store
from mock_server.vendors.zest.domain.clock import Clock
from mock_server.vendors.zest.domain.errors import bad_quantity, unknown_cart_item
from mock_server.vendors.zest.domain.sessions import Session

MAX_QUANTITY = 999


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Cart:
    name: str
    country: str | None = None  # None: the shop's default country
    lines: tuple[Line, ...] = ()


# Wanted lines: (sku, quantity) in the body's order, skus known to be products.
Wanted = Sequence[tuple[str, int]]
# A change of one cart: the cart and the last item id in, the changed cart and last item id out.
CartChange = Callable[[Cart, int], tuple[Cart, int]]


def _checked(quantity: int, field: str) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise bad_quantity(quantity, MAX_QUANTITY, field)
    return quantity


def adding(wanted: Wanted) -> CartChange:
    """Add each line; a sku already in the cart adds to its line's quantity and keeps its id."""

    def add(cart: Cart, last_id: int) -> tuple[Cart, int]:
        lines = list(cart.lines)
        for index, (sku, quantity) in enumerate(wanted):
            field = f"CartItem.{index}.quantity"
            at = next((i for i, line in enumerate(lines) if line.sku == sku), None)
            if at is None:
                last_id += 1
                lines.append(Line(last_id, sku, _checked(quantity, field)))
            else:
                lines[at] = replace(lines[at], quantity=_checked(lines[at].quantity + quantity, field))
        return replace(cart, lines=tuple(lines)), last_id

    return add


def replacing(wanted: Wanted, country: str | None) -> CartChange:
    """The cart becomes these lines (a sku it held keeps its line's id) and, given one, ships to `country`."""

    def replace_lines(cart: Cart, last_id: int) -> tuple[Cart, int]:
        held = {line.sku: line.id for line in cart.lines}
        lines: list[Line] = []
        for index, (sku, quantity) in enumerate(wanted):
            field = f"CartItem.{index}.quantity"
            at = next((i for i, line in enumerate(lines) if line.sku == sku), None)
            if at is not None:
                lines[at] = replace(lines[at], quantity=_checked(lines[at].quantity + quantity, field))
                continue
            item_id = held.get(sku)
            if item_id is None:
                last_id += 1
                item_id = last_id
            lines.append(Line(item_id, sku, _checked(quantity, field)))
        return Cart(cart.name, country or cart.country, tuple(lines)), last_id

    return replace_lines


def emptying(cart: Cart, last_id: int) -> tuple[Cart, int]:
    return replace(cart, lines=()), last_id


def setting_quantity(quantity: int) -> Callable[[Cart, Line], Cart]:
    def set_quantity(cart: Cart, line: Line) -> Cart:
        changed = replace(line, quantity=_checked(quantity, "CartItem.quantity"))
        return replace(cart, lines=tuple(changed if entry.id == line.id else entry for entry in cart.lines))

    return set_quantity


def removing(cart: Cart, line: Line) -> Cart:
    return replace(cart, lines=tuple(entry for entry in cart.lines if entry.id != line.id))


def cart_in(record: Mapping[str, Any] | None, name: str) -> Cart:
    stored = (record or {}).get("c", {}).get(name)
    if stored is None:
        return Cart(name)
    return Cart(name, stored.get("k"), tuple(Line(*entry) for entry in stored["i"]))


def _carts(record: Mapping[str, Any] | None) -> list[Cart]:
    return [cart_in(record, name) for name in (record or {}).get("c", {})]


def _with(record: Mapping[str, Any] | None, cart: Cart, last_id: int, now: float) -> dict[str, Any]:
    stored: dict[str, Any] = {"i": [[line.id, line.sku, line.quantity] for line in cart.lines]}
    if cart.country is not None:
        stored["k"] = cart.country
    # A record gone meanwhile (the store was reset) starts again as a fresh session's.
    base: dict[str, Any] = dict(record) if record is not None else {"t": now}
    return {**base, "n": last_id, "c": {**base.get("c", {}), cart.name: stored}}


def find_line(cart: Cart, item_id: int) -> Line | None:
    return next((line for line in cart.lines if line.id == item_id), None)


def _holding(record: Mapping[str, Any] | None, item_id: int) -> tuple[Cart, Line]:
    for cart in _carts(record):
        line = find_line(cart, item_id)
        if line is not None:
            return cart, line
    raise unknown_cart_item(item_id)


class Carts:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def read(self, session: Session | None, name: str) -> Cart:
        if session is None:
            return Cart(name)
        return cart_in(await self._store.get(session.key), name)

    async def change(self, session: Session | None, name: str, change: CartChange, ttl: float) -> Cart:
        """Apply `change` to the cart atomically; without a session, to an empty cart kept nowhere."""
        now = self._clock()

        def apply(record: Any) -> tuple[Any, Cart]:
            changed, last_id = change(cart_in(record, name), (record or {}).get("n", 0))
            return _with(record, changed, last_id, now), changed

        if session is None:
            return apply(None)[1]
        return await self._store.update(session.key, apply, ttl)

    async def find(self, session: Session | None, item_id: int) -> tuple[Cart, Line]:
        """The item's cart and line; `unknownCartItem` if none of the session's carts holds it."""
        record = None if session is None else await self._store.get(session.key)
        return _holding(record, item_id)

    async def change_item(
        self, session: Session | None, item_id: int, change: Callable[[Cart, Line], Cart], ttl: float
    ) -> Cart:
        """Apply `change` to the cart holding the item, atomically; answers the changed cart."""
        if session is None:
            raise unknown_cart_item(item_id)
        now = self._clock()

        def apply(record: Any) -> tuple[Any, Cart]:
            cart, line = _holding(record, item_id)
            changed = change(cart, line)
            return _with(record, changed, record["n"], now), changed

        return await self._store.update(session.key, apply, ttl)
