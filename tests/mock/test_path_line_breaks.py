"""A path parameter holding an encoded line break (`%0A`) reaches its operation on both of the mock's paths.

Starlette's mounts matched the rest of a path with `.*`, which stops at a line break: such a request
got the generic "no operation exists" 404, which no operation documents, instead of its
operation's own answer.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import ServerConfig

ZEST_KEY = {"Authorization": "Basic ZGVtby1rZXk6"}  # the bundled mock's application key, as the Basic user
# The bundled mock's service client, granted the management scope.
SERVICE_CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}


@pytest.mark.anyio
@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize("item", ["a%0Ab", "ab%0A", "a%0D%0Ab"])
async def test_a_cart_item_id_with_a_line_break_is_refused_by_its_operation(fast_path: bool, item: str) -> None:
    config = dataclasses.replace(ServerConfig(contracts=("zest",), log_level="error"), fast_path=fast_path)
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        answer = await client.delete(f"/API/V3/CartItem/{item}", params={"_session_token": "x"}, headers=ZEST_KEY)
    assert answer.status_code == 400, answer.text
    assert 'code="badRequest"' in answer.text and "No operation exists" not in answer.text


@pytest.mark.anyio
@pytest.mark.parametrize("fast_path", [True, False])
async def test_a_session_id_with_a_line_break_is_a_session_without_context(fast_path: bool) -> None:
    config = dataclasses.replace(ServerConfig(contracts=("emporix",), log_level="error"), fast_path=fast_path)
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        token = (await client.post("/oauth/token", data=SERVICE_CLIENT)).json()["access_token"]
        answer = await client.get(
            "/session-context/demoshop/context/a%0Ab", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 404, answer.text
    assert answer.json().get("sessionId") == "a\nb", answer.text
