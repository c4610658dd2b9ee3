"""Response checks only ZEST's answers need: the session on the root, cart totals, the XML's charset."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance.checks import Failure
from conformance.http import Exchange
from conformance.vendors.zest.context import TOKEN
from storefront_kit.contract import Contract

_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _fail(rule: str, message: str, operation_id: str, exchange: Exchange) -> Failure:
    return Failure(rule, message, operation_id=operation_id, exchanges=[exchange])


def session_on_root(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A request sent with `_session_token` gets the session's token on the root of its answer; an
    error answer carries none."""
    body = exchange.value()
    if exchange.answer_problem or not isinstance(body, dict):
        return  # an answer that cannot be read is the schema check's to report
    if exchange.status >= 400:
        if "session" in body:
            raise _fail(
                "session_on_root",
                f"{operation_id} answered HTTP {exchange.status} with a session token on "
                "its root; error answers carry none",
                operation_id,
                exchange,
            )
        return
    sent = parse_qs(urlsplit(exchange.url).query).get(TOKEN)
    if not 200 <= exchange.status < 300 or not sent:
        return
    token = body.get("session")
    if not isinstance(token, str) or not token or token == "1":
        raise _fail(
            "session_on_root",
            f"{operation_id} was sent {TOKEN}={sent[0][:20]} and answered "
            "no session token on its root element (the `session` attribute)",
            operation_id,
            exchange,
        )


def _money(value: Any) -> Decimal | None:
    return Decimal(str(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def cart_totals(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A cart's totals add up: lines, quantities, each subtotal (price x quantity) and the total."""
    body = exchange.value()
    if not 200 <= exchange.status < 300 or not isinstance(body, dict) or not isinstance(body.get("Cart"), dict):
        return
    items = [item for item in body["Cart"].get("CartItem", []) if isinstance(item, dict)]
    problems = []
    if body.get("totalItems") != len(items):
        problems.append(f"totalItems is {body.get('totalItems')!r} for {len(items)} line(s)")
    quantity = sum(item.get("quantity", 0) for item in items if isinstance(item.get("quantity"), int))
    if body.get("totalQuantity") != quantity:
        problems.append(f"totalQuantity is {body.get('totalQuantity')!r}; the lines' quantities add up to {quantity}")
    total = Decimal(0)
    for item in items:
        price, subtotal = _money(item.get("price")), _money(item.get("subtotal"))
        if price is None or subtotal is None or not isinstance(item.get("quantity"), int):
            continue
        expected = (price * item["quantity"]).quantize(Decimal("0.01"))
        if subtotal != expected:
            problems.append(f"{item.get('id')}: subtotal {subtotal} is not price {price} x quantity {item['quantity']}")
        total += subtotal
    cart_total = _money(body["Cart"].get("total"))
    if cart_total is not None and cart_total != total:
        problems.append(f"the cart's total {cart_total} is not the sum of its subtotals ({total})")
    if problems:
        raise _fail("cart_totals", f"{operation_id}: " + "; ".join(problems), operation_id, exchange)


def xml_charset(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """An XML answer names its charset, and the same one as the document's declaration."""
    content_type = exchange.header("content-type") or ""
    if "xml" not in content_type.split(";", 1)[0] or not exchange.response_body:
        return
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", content_type, re.IGNORECASE)
    declared = _DECLARED_ENCODING.match(exchange.response_body)
    if match is None:
        raise _fail(
            "xml_charset", f"{operation_id} answered XML as {content_type!r}, without a charset", operation_id, exchange
        )
    if declared is not None and declared.group(1).lower() != match.group(1).lower():
        raise _fail(
            "xml_charset",
            f"{operation_id} answered XML declared as {declared.group(1)} with the charset "
            f"{match.group(1)} in its Content-Type",
            operation_id,
            exchange,
        )


CHECKS = (session_on_root, cart_totals, xml_charset)
