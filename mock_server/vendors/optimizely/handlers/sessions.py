"""Handlers of the `sessions` tag: the caller's session, by bearer token or `SessionId` cookie."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.optimizely.context import caller, domain
from mock_server.vendors.optimizely.domain import SessionAnswer

Answered = tuple[dict[str, Any], int] | tuple[dict[str, Any], int, dict[str, str]]


def _answer(answer: SessionAnswer, status: int) -> Answered:
    """The session, with the `Set-Cookie` header when the operation opened a cookie session."""
    if answer.set_cookie is None:
        return answer.session, status
    return answer.session, status, {"Set-Cookie": answer.set_cookie.header()}


async def get_current_session(
    token_info: dict[str, Any] | None = None,
    set_context_language_code: str | None = None,
    set_context_currency_code: str | None = None,
) -> Answered:
    answer = await domain().sessions.current(caller(token_info), set_context_language_code, set_context_currency_code)
    return _answer(answer, 200)


async def sign_in(body: dict[str, Any], token_info: dict[str, Any] | None = None) -> Answered:
    return _answer(await domain().sessions.sign_in(caller(token_info), body), 201)


async def update_current_session(body: dict[str, Any], token_info: dict[str, Any] | None = None) -> Answered:
    return _answer(await domain().sessions.update(caller(token_info), body), 200)


async def sign_out(token_info: dict[str, Any] | None = None) -> tuple[None, int]:
    await domain().sessions.sign_out(caller(token_info))
    return None, 204
