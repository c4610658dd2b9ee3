"""Per-request access to the running mock's services and to the request itself, for handlers."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.runtime import Runtime

_runtime: ContextVar[Runtime] = ContextVar("storefront_mock_runtime")
_scope: ContextVar[dict[str, Any]] = ContextVar("storefront_mock_scope")


def current_runtime() -> Runtime:
    return _runtime.get()


def bind_request(runtime: Runtime, scope: dict[str, Any]) -> None:
    _runtime.set(runtime)
    _scope.set(scope)


def request_header(name: str) -> str | None:
    """The first value of a request header (a header parameter Connexion does not hand to handlers)."""
    wanted = name.lower().encode("latin-1")
    for key, value in _scope.get()["headers"]:
        if key == wanted:
            return str(value.decode("latin-1"))
    return None
