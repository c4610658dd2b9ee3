"""Response checks only WEBSALE's answers need: the form of a session id, what a redirect link carries."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from conformance.checks import Failure
from conformance.http import Exchange
from storefront_kit.contract import Contract


def _fail(rule: str, message: str, operation_id: str, exchange: Exchange) -> Failure:
    return Failure(rule, message, operation_id=operation_id, exchanges=[exchange])


def session_id_format(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A new session's id has the documented form (64 lowercase hex characters)."""
    if operation_id != "createSession" or exchange.status != 200:
        return
    pattern = contract.resolved["components"]["schemas"]["Session"]["properties"]["id"]["pattern"]
    body = exchange.json()
    session_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(session_id, str) or not re.fullmatch(pattern, session_id):
        raise _fail(
            "session_id_format",
            f"createSession answered the id {session_id!r}, which does not match {pattern}",
            operation_id,
            exchange,
        )


def redirect_link_carries_session(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A redirect link is absolute and hands the session over in `sessionKey`."""
    if operation_id != "prepareRedirect" or exchange.status != 200:
        return
    body = exchange.json()
    link = body.get("storeFrontLink") if isinstance(body, dict) else None
    parts = urlsplit(link) if isinstance(link, str) else None
    if parts is None or not parts.scheme or not parts.netloc:
        raise _fail(
            "redirect_link_carries_session", f"storeFrontLink {link!r} is not an absolute URL", operation_id, exchange
        )
    keys = parse_qs(parts.query).get("sessionKey", [])
    if not keys or not keys[0]:
        raise _fail(
            "redirect_link_carries_session",
            f"storeFrontLink {link!r} carries no sessionKey query parameter",
            operation_id,
            exchange,
        )
    session = next((value for key, value in exchange.request_headers.items() if key.lower() == "x-session"), None)
    if session and isinstance(link, str) and session in link:
        raise _fail(
            "redirect_link_carries_session",
            "storeFrontLink contains the session id itself; the contract hands over an opaque sessionKey so "
            "that the id never appears in a URL",
            operation_id,
            exchange,
        )
