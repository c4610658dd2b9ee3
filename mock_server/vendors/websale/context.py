"""What a WEBSALE handler may ask for: the shop and the request's session."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, cast

from mock_server.context import current_runtime
from mock_server.vendors.websale.domain import Shop, Visit

if TYPE_CHECKING:
    from mock_server.vendors.websale.state import WebsaleState

NAME = "websale"
_visit: ContextVar[Visit | None] = ContextVar("websale_visit", default=None)


def state() -> WebsaleState:
    return cast("WebsaleState", current_runtime().state(NAME))


def shop() -> Shop:
    return state().shop


def visit() -> Visit:
    """The checked session of a session-bound operation."""
    current = _visit.get()
    if current is None:  # the security check runs before every session-bound handler
        raise RuntimeError("no session bound to this request")
    return current


def bind_visit(value: Visit | None) -> None:
    _visit.set(value)
