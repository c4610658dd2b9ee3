"""Fault precedence: with several faults in one request, the contract's order decides the answer."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.websale.context import WebsaleContext


@scenario(
    covers={
        "login": ("payloadTooLarge", "notLoggedIn", "unsupportedMediaType", "invalidRequest", "emailCheckFailed"),
        "createBackInStock": ("emailCheckFailed",),
    }
)
def fault_precedence(ctx: WebsaleContext) -> None:
    """With several faults in one request, the first in the contract's order decides the answer.

    The order: size, session, media type, JSON syntax, schema rules, then the operation's own rules.
    """
    size = ctx.target.oversized_body_bytes
    huge = b'{"padding": "' + b"x" * size + b'"}'
    rule = "fault_precedence"
    ctx.error(
        "login",
        "payloadTooLarge",
        "an oversized body without x-session",
        rule=rule,
        raw_body=huge,
        content_type="text/plain",
    )
    ctx.error(
        "login",
        "notLoggedIn",
        "no x-session and a text/plain body that is not JSON",
        rule=rule,
        raw_body=b"{",
        content_type="text/plain",
    )
    session = ctx.session()
    ctx.error(
        "login",
        "unsupportedMediaType",
        "a text/plain body that is not JSON",
        rule=rule,
        credential=session,
        raw_body=b"{",
        content_type="text/plain",
    )
    ctx.error(
        "login",
        "invalidRequest",
        "a body that is not JSON",
        rule=rule,
        credential=session,
        raw_body=b"{",
        content_type="application/json",
    )
    ctx.error(
        "login",
        "emailCheckFailed",
        "an invalid e-mail address with a wrong password",
        rule=rule,
        credential=session,
        body={"id": "not-an-email", "password": "Wrong-Password-0"},
    )
    products = (ctx.target.data("products") or {}).get("noInventoryState")
    if products and "createBackInStock" in ctx.selected:
        account = ctx.new_account()
        ctx.error(
            "createBackInStock",
            "emailCheckFailed",
            "an invalid e-mail address for a product without inventory state",
            rule=rule,
            credential=account.session,
            body={"email": "not-an-email", "productId": products[0]},
        )
