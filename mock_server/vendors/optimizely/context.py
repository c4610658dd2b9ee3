"""What an Optimizely handler may ask for: the website, and who calls (bearer grant or cookie)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from mock_server.context import current_runtime, request_cookie
from mock_server.vendors.optimizely.domain import (
    SESSION_COOKIE,
    Caller,
    Client,
    Website,
)

if TYPE_CHECKING:
    from mock_server.vendors.optimizely.state import OptimizelyState

NAME = "optimizely"


def domain() -> Website:
    """The website the mock serves, with every service of its domain."""
    return cast("OptimizelyState", current_runtime().state(NAME)).website


def caller(token_info: Mapping[str, Any] | None) -> Caller:
    """The request's caller: the bearer check's grant, else the `SessionId` cookie."""
    grant = (token_info or {}).get("grant")
    return Caller(grant=grant) if grant is not None else Caller(cookie=request_cookie(SESSION_COOKIE))


def client(token_info: Mapping[str, Any]) -> Client:
    """The token endpoint's client, as the Basic check put it in the request context."""
    return cast(Client, token_info["client"])
