"""The application key, sent as the Basic user name (`AppKey`) or as `_key` (`AppKeyQuery`).

A key is checked against the resource the request names (`BrowseCategory`, `Cart`, `CartItem`):
an unknown key answers 401 `invalidKey`, one limited to other resources 403 `keyNotAllowed`.
"""

from __future__ import annotations

from typing import Any

from mock_server.context import request_path
from mock_server.vendors.zest.context import base_path, domain


async def app_key(username: str, password: str) -> dict[str, Any]:
    """`AppKey`: the key is the Basic user name; the password is ignored (clients send it empty)."""
    return await _checked(username)


async def app_key_query(apikey: str) -> dict[str, Any]:
    """`AppKeyQuery`: the key in the `_key` query parameter."""
    return await _checked(apikey)


async def _checked(key: str) -> dict[str, Any]:
    path = request_path()[len(base_path()):]
    resource = path.strip("/").split("/", 1)[0]
    await domain().check_key(key, resource)
    return {"sub": key}
