"""Sensitivity for ZEST: each mutant of the mock is a realistic backend bug that
`storefront-kit check --contract zest` must catch, exit 1, and name by the rule it breaks.

A mutant rewrites the answers of one operation (`Rewrite`; XML answers reach it as bytes, as a
backend writes them) or replaces a piece of the mock's domain. Each case checks only the
operations its bug touches, and the run must fail that rule alone: a run failing for an
unrelated reason fails the test too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from kit_helpers import (
    Answer,
    Mutant,
    Rewrite,
    answer_mutant,
    assert_conforms_fully,
    check_mutant,
    mock_app,
)

from mock_server.context import request_header
from mock_server.errors import ApiError
from mock_server.vendors.zest.domain import catalog, sessions, shop, views
from mock_server.vendors.zest.domain.carts import (
    MAX_QUANTITY,
    Cart,
    Carts,
    Line,
    Wanted,
)
from mock_server.vendors.zest.domain.errors import bad_quantity
from mock_server.vendors.zest.domain.sessions import OPEN, Session, Sessions
from mock_server.vendors.zest.domain.shop import Shop
from storefront_kit import registry


def _answer(operation_id: str, change: Callable[[Answer], None]) -> Mutant:
    return answer_mutant("zest", operation_id, change)


def _query(change: Callable[[str, Any], tuple[str, Any]], operation_id: str) -> Mutant:
    """A mutant that changes the query string of one operation's requests."""
    found = registry.contract("zest")
    operation = found.operation(operation_id)
    return lambda app, _: Rewrite(
        app, operation.method.upper(), operation.path, on_request=change, base_path=found.base_path
    )


def _xml(answer: Answer) -> bytes | None:
    """The answer's XML document, or None when it has none."""
    return answer.body if isinstance(answer.body, bytes) and answer.body.lstrip().startswith(b"<") else None


# -- answers rewritten ----------------------------------------------------------------------------


def namespace_of_the_old_api(answer: Answer) -> None:
    """Answers keep the namespace of the V2 API (`http://www.zeald.com/v2`)."""
    document = _xml(answer)
    if document is not None:
        answer.body = document.replace(b'xmlns="http://www.zeald.com"', b'xmlns="http://www.zeald.com/v2"')


def session_left_off_the_root(answer: Answer) -> None:
    """The root element never carries the `session` attribute: the client cannot follow a reset."""
    document = _xml(answer)
    if document is not None:
        answer.body = re.sub(rb' session="[^"]*"', b"", document, count=1)


def total_quantity_off_by_one(answer: Answer) -> None:
    """`totalQuantity` counts one unit too many."""
    document = _xml(answer)
    if document is not None and answer.status == 200:
        answer.body = re.sub(
            rb'totalQuantity="(\d+)"', lambda m: b'totalQuantity="%d"' % (int(m[1]) + 1), document, count=1
        )


def no_charset(answer: Answer) -> None:
    """XML answers go out as plain `application/xml`, without their charset."""
    for name, value in answer.headers.items():
        if name.lower() == "content-type":
            answer.headers[name] = value.split(";", 1)[0]


def hostile_xml_as_malformed(answer: Answer) -> None:
    """The parser's refusal of a DTD or an entity is answered as malformed XML."""
    document = _xml(answer)
    if document is not None:
        answer.body = document.replace(b'code="unsafeXml"', b'code="malformedXml"')


def error_with_a_session(answer: Answer) -> None:
    """Error answers carry the session token on their root too."""
    document = _xml(answer)
    if answer.status >= 400 and document is not None:
        answer.body = document.replace(b"<rsp ", b'<rsp session="AbCdEfGhIjKlMnO" ', 1)


def per_page_ignored(query: str, body: Any) -> tuple[str, Any]:
    """`per_page` is not read: every page holds the default 20 products."""
    return urlencode([(key, value) for key, value in parse_qsl(query) if key != "per_page"]), body


def query_key_ignored(query: str, body: Any) -> tuple[str, Any]:
    """The key is read from the Authorization header only: `_key` in the query is ignored."""
    return urlencode(
        [(name, value) for name, value in parse_qsl(query, keep_blank_values=True) if name != "_key"]
    ), body


# -- the domain replaced --------------------------------------------------------------------------


def unknown_token_refused(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An unknown or ended session token answers 400 instead of a new session."""

    async def resume(self: Sessions, token: str | None) -> Session | None:
        if token is None:
            return None
        settings = await self._settings.get()
        if token == OPEN:
            return await self._open(settings)
        if await self._restart(Session(token), settings):
            return Session(token)
        raise ApiError("badRequest", "The session token is not valid.", "_session_token")

    monkeypatch.setattr(Sessions, "resume", resume)
    return app


def token_of_the_key(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The session token is a digest of the application key: every new session of one application is the same one."""

    def new_token() -> str:
        return hashlib.sha256((request_header("authorization") or "").encode()).hexdigest()[:15]

    monkeypatch.setattr(sessions, "new_token", new_token)
    return app


def carts_by_name_only(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Carts are kept by their name alone: every session shares the cart `main`."""
    shared = Session("shop-wide-carts")
    for name in ("read", "change", "find", "change_item"):
        original = getattr(Carts, name)

        def in_shared(self: Carts, session: Session | None, *args: Any, _original: Any = original) -> Any:
            return _original(self, None if session is None else shared, *args)

        monkeypatch.setattr(Carts, name, in_shared)
    return app


def session_without_token(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A request without `_session_token` opens a session, as `_session_token=1` does."""
    original = Shop.session

    async def session(self: Shop, token: str | None) -> Session | None:
        return await original(self, OPEN if token is None else token)

    monkeypatch.setattr(Shop, "session", session)
    return app


def idle_timeout_ignored(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sessions never time out for idleness: the store keeps them as long as it likes."""

    async def restart(self: Sessions, session: Session, settings: Mapping[str, Any]) -> bool:
        return await self._store.get(session.key) is not None

    monkeypatch.setattr(Sessions, "_restart", restart)
    return app


def idle_time_from_opening(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A session ends `sessionIdleSeconds` after it was opened, however many requests named it since."""

    async def restart(self: Sessions, session: Session, settings: Mapping[str, Any]) -> bool:
        record = await self._store.get(session.key)
        return record is not None and self._clock() < record["t"] + settings["sessionIdleSeconds"]

    monkeypatch.setattr(Sessions, "_restart", restart)
    return app


def _within_limit(quantity: int, index: int) -> int:
    """The line limit as the mock keeps it, so that a mutant breaks one rule only."""
    if quantity > MAX_QUANTITY:
        raise bad_quantity(quantity, MAX_QUANTITY, f"CartItem.{index}.quantity")
    return quantity


def same_sku_makes_a_second_line(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Adding a sku that is in the cart makes a second line for it."""

    def adding(wanted: Wanted) -> Any:
        def add(cart: Cart, last_id: int) -> tuple[Cart, int]:
            lines = list(cart.lines)
            for index, (sku, quantity) in enumerate(wanted):
                last_id += 1
                lines.append(Line(last_id, sku, _within_limit(quantity, index)))
            return replace(cart, lines=tuple(lines)), last_id

        return add

    monkeypatch.setattr(shop, "adding", adding)
    return app


def line_clamped_at_999(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An addition that takes a line past 999 is clamped to 999 instead of refused."""

    def adding(wanted: Wanted) -> Any:
        def add(cart: Cart, last_id: int) -> tuple[Cart, int]:
            lines = list(cart.lines)
            for sku, quantity in wanted:
                at = next((i for i, line in enumerate(lines) if line.sku == sku), None)
                if at is None:
                    last_id += 1
                    lines.append(Line(last_id, sku, min(quantity, 999)))
                else:
                    lines[at] = replace(lines[at], quantity=min(lines[at].quantity + quantity, 999))
            return replace(cart, lines=tuple(lines)), last_id

        return add

    monkeypatch.setattr(shop, "adding", adding)
    return app


def item_ids_per_cart(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Item ids are numbered per cart: a named cart's first item is 1, like the default cart's."""
    original = shop.adding

    def adding(wanted: Wanted) -> Any:
        add = original(wanted)

        def numbered_per_cart(cart: Cart, last_id: int) -> tuple[Cart, int]:
            changed, _ = add(cart, max((line.id for line in cart.lines), default=0))
            return changed, last_id + len(changed.lines) - len(cart.lines)

        return numbered_per_cart

    monkeypatch.setattr(shop, "adding", adding)
    return app


def same_sku_renumbers_its_line(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Adding a sku that is in the cart replaces its line by a new one: the quantity adds up, the id changes."""

    def adding(wanted: Wanted) -> Any:
        def add(cart: Cart, last_id: int) -> tuple[Cart, int]:
            lines = list(cart.lines)
            for index, (sku, quantity) in enumerate(wanted):
                held = next((line for line in lines if line.sku == sku), None)
                last_id += 1
                if held is not None:
                    lines.remove(held)
                    quantity += held.quantity
                lines.append(Line(last_id, sku, _within_limit(quantity, index)))
            return replace(cart, lines=tuple(lines)), last_id

        return add

    monkeypatch.setattr(shop, "adding", adding)
    return app


def subtotal_is_the_unit_price(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A line's subtotal is its unit price, whatever its quantity."""
    monkeypatch.setattr(views, "subtotal", lambda price, quantity: price)
    return app


def unknown_sku_skipped(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An unknown sku in a POST or PUT is skipped: the rest is added and the answer is 200."""
    original = shop._wanted

    def wanted(items: Sequence[Mapping[str, Any]], found: Any) -> list[tuple[str, int]]:
        return original([item for item in items if str(item["sku"]) in found.products], found)

    monkeypatch.setattr(shop, "_wanted", wanted)
    return app


def refused_country_after_the_lines(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A PUT whose country is refused has already replaced the cart's lines."""
    original = Shop.replace_cart

    async def replace_cart(
        self: Shop, session: Session | None, name: str, items: Any, country: str | None, base_url: str
    ) -> dict[str, Any]:
        try:
            return await original(self, session, name, items, country, base_url)
        except ApiError as error:
            if error.code == "unknownCountry":
                await original(self, session, name, items, None, base_url)
            raise

    monkeypatch.setattr(Shop, "replace_cart", replace_cart)
    return app


def limited_key_let_through(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A key limited to some resources is taken for one that may use them all."""
    monkeypatch.setattr(catalog.Application, "allows", lambda self, resource: True)
    return app


def default_country_stays_selected(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`countries=1` keeps the shop's default country selected after a PUT chose another: two are selected."""
    original = views.cart_result

    def cart_result(
        cart: Cart, found: Any, settings: Mapping[str, Any], base_url: str, *, countries: bool = False
    ) -> dict[str, Any]:
        value = original(cart, found, settings, base_url, countries=countries)
        for country in value.get("Countries", []):
            if country["code"] == settings["defaultCountry"]:
                country["selected"] = 1
        return value

    monkeypatch.setattr(views, "cart_result", cart_result)
    return app


def no_country_selected_by_default(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`countries=1` marks no country selected until a PUT chose one."""
    original = views.cart_result

    def cart_result(
        cart: Cart, found: Any, settings: Mapping[str, Any], base_url: str, *, countries: bool = False
    ) -> dict[str, Any]:
        value = original(cart, found, settings, base_url, countries=countries)
        if cart.country is None:
            for country in value.get("Countries", []):
                country.pop("selected", None)
        return value

    monkeypatch.setattr(views, "cart_result", cart_result)
    return app


def _param(mutate: Mutant, rule: str, operations: tuple[str, ...], *, id: str, also: tuple[str, ...] = ()) -> Any:
    """`also`: rules the same bug breaks in other scenarios of these operations."""
    return pytest.param(mutate, rule, operations, also, id=id)


MUTANTS = [
    # the XML itself; error answers carry the same namespace
    _param(
        _answer("getCart", namespace_of_the_old_api),
        "response_matches_schema",
        ("getCart",),
        id="namespace-of-the-old-api",
        also=("error_body_shape",),
    ),
    _param(_answer("browseCategory", no_charset), "xml_charset", ("browseCategory",), id="no-charset"),
    _param(
        _answer("addToCart", hostile_xml_as_malformed),
        "hostile_body_refused",
        ("addToCart",),
        id="hostile-xml-as-malformed",
    ),
    # sessions
    _param(
        _answer("getCart", session_left_off_the_root), "session_on_root", ("getCart",), id="session-left-off-the-root"
    ),
    _param(unknown_token_refused, "unknown_token_resets", ("getCart",), id="unknown-token-refused"),
    _param(
        token_of_the_key, "sessions_are_isolated", ("getCart",), id="one-token-per-key", also=("unknown_token_resets",)
    ),
    _param(
        carts_by_name_only,
        "sessions_are_isolated",
        ("getCart",),
        id="carts-shared-between-sessions",
        also=("items_added", "unknown_token_resets"),
    ),
    _param(session_without_token, "no_session_without_token", ("browseCategory",), id="default-session"),
    _param(
        _answer("getCartItem", error_with_a_session), "session_on_root", ("getCartItem",), id="error-with-a-session"
    ),
    _param(idle_timeout_ignored, "expired_token_resets", ("getCart",), id="no-idle-timeout"),
    _param(idle_time_from_opening, "activity_restarts_idle_time", ("getCart",), id="idle-time-from-opening"),
    # keys
    _param(_query(query_key_ignored, "getCart"), "key_in_query_accepted", ("getCart",), id="query-key-ignored"),
    _param(limited_key_let_through, "key_limited_to_resources", ("browseCategory",), id="limited-key-let-through"),
    # the catalogue
    # (the parameter is not read at all, so a broken value of it passes too)
    _param(
        _query(per_page_ignored, "browseCategory"),
        "paging_counts",
        ("browseCategory",),
        id="per-page-ignored",
        also=("documented_cause_answers_code",),
    ),
    # carts
    # (a second line of the sku also takes an addition that the first line has no room for)
    _param(
        same_sku_makes_a_second_line,
        "same_sku_adds_quantity",
        ("addToCart",),
        id="same-sku-second-line",
        also=("line_quantity_limit",),
    ),
    _param(same_sku_renumbers_its_line, "same_sku_adds_quantity", ("addToCart",), id="same-sku-new-id"),
    _param(line_clamped_at_999, "line_quantity_limit", ("addToCart",), id="line-clamped-at-999"),
    _param(item_ids_per_cart, "item_ids_span_the_session", ("addToNamedCart",), id="item-ids-per-cart"),
    _param(
        _answer("addToCart", total_quantity_off_by_one), "cart_totals", ("addToCart",), id="total-quantity-off-by-one"
    ),
    _param(subtotal_is_the_unit_price, "cart_totals", ("getCartItem",), id="subtotal-is-the-unit-price"),
    _param(unknown_sku_skipped, "unknown_sku_refused", ("addToCart",), id="unknown-sku-skipped"),
    _param(
        refused_country_after_the_lines, "refusal_changes_nothing", ("replaceCart",), id="refused-put-changes-the-cart"
    ),
    _param(default_country_stays_selected, "country_chosen", ("getCart",), id="two-countries-selected"),
    _param(no_country_selected_by_default, "countries_listed", ("getCart",), id="no-country-selected"),
]


EXPIRY_RULES = {"expired_token_resets", "activity_restarts_idle_time"}


@pytest.mark.parametrize(("mutate", "rule", "operations", "also"), MUTANTS)
def test_check_names_the_rule_a_mutant_breaks(
    mutate: Mutant,
    rule: str,
    operations: tuple[str, ...],
    also: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = mutate(mock_app("zest"), monkeypatch)
    run = check_mutant(app, "zest", operations, wait_for_expiry=rule in EXPIRY_RULES, tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 1, run.output
    assert rule in run.rules, f"expected a failure of {rule}, got {sorted(run.rules)}\n{run.output}"
    # The bug alone explains the run's failures: the same checks pass on the unmutated mock (below).
    assert run.rules == {rule, *also}, f"the run failed {sorted(run.rules)}, not {sorted({rule, *also})}\n{run.output}"


def test_the_unmutated_mock_conforms_with_full_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control of the cases above: the mock as it is breaks no rule and covers every documented code."""
    assert_conforms_fully("zest", tmp_path, capsys)
