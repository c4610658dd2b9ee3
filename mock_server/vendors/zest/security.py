"""The application key, sent as the Basic user name (`AppKey`) or as `_key` (`AppKeyQuery`).

A key is checked against the resource the request names (`BrowseCategory`, `Cart`, `CartItem`):
an unknown key answers 401 `invalidKey`, one limited to other resources 403 `keyNotAllowed`.
"""

from __future__ import annotations

from typing import Any

from mock_server.context import request_path
from mock_server.vendors.zest.context import base_path, domain
from mock_server.vendors.zest.domain import resource_of


async def app_key(username: str, password: str) -> dict[str, Any]:
    """`AppKey`: the key is the Basic user name; the password is ignored (clients send it empty)."""
    return await _checked(username)


async def app_key_query(apikey: str) -> dict[str, Any]:
    """`AppKeyQuery`: the key in the `_key` query parameter."""
    return await _checked(apikey)


async def _checked(key: str) -> dict[str, Any]:
    await domain().check_key(key, resource_of(request_path()[len(base_path()) :]))
    return {"sub": key}
