"""What a WEBSALE handler may ask for: the shop and the request's session."""

from __future__ import annotations

from contextvars import ContextVar

from mock_server.context import current_runtime
from mock_server.vendors.websale.domain import Shop, Visit

_visit: ContextVar[Visit | None] = ContextVar("websale_visit", default=None)


def shop() -> Shop:
    return current_runtime().shop


def visit() -> Visit:
    """The checked session of a session-bound operation."""
    current = _visit.get()
    if current is None:  # the gate runs before every session-bound handler
        raise RuntimeError("no session bound to this request")
    return current


def bind_visit(value: Visit | None) -> None:
    _visit.set(value)
