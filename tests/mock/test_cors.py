"""The mock's CORS middleware answers exactly as Starlette's, which it specialises."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware

from mock_server.middleware import Cors

pytestmark = pytest.mark.anyio

OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://app.example"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["x-session"],
    "expose_headers": ["x-session"],
    "max_age": 600,
}


def _answering(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


@pytest.mark.parametrize(
    "answer_headers",
    [
        [(b"content-type", b"application/json")],
        [(b"content-type", b"application/json"), (b"vary", b"Accept-Encoding")],
        [(b"Vary", b"Accept"), (b"vary", b"Cookie")],
    ],
    ids=["no-vary", "one-vary", "two-varies"],
)
@pytest.mark.parametrize(
    "request_headers",
    [
        {},
        {"origin": "https://app.example"},
        {"origin": "https://elsewhere.example"},
        {"origin": "https://app.example", "access-control-request-method": "POST"},
    ],
    ids=["no-origin", "allowed-origin", "other-origin", "preflight"],
)
async def test_same_answers_as_starlette(
    answer_headers: list[tuple[bytes, bytes]], request_headers: dict[str, str]
) -> None:
    method = "OPTIONS" if "access-control-request-method" in request_headers else "GET"
    answers = []
    for middleware in (CORSMiddleware, Cors):
        transport = httpx.ASGITransport(app=middleware(_answering(answer_headers), **OPTIONS))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            response = await client.request(method, "/x", headers=request_headers)
        answers.append((response.status_code, sorted((k.lower(), v) for k, v in response.headers.multi_items())))
    assert answers[0] == answers[1]
