"""Per-request access to the running mock's services and to the request itself, for handlers."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from starlette.requests import cookie_parser
from starlette.types import Scope

if TYPE_CHECKING:
    from mock_server.runtime import Runtime

_runtime: ContextVar[Runtime] = ContextVar("storefront_mock_runtime")
_scope: ContextVar[Scope] = ContextVar("storefront_mock_scope")


def current_runtime() -> Runtime:
    return _runtime.get()


def bind_request(runtime: Runtime, scope: Scope) -> None:
    _runtime.set(runtime)
    _scope.set(scope)


def request_header(name: str) -> str | None:
    """The first value of a request header (a header parameter Connexion does not hand to handlers)."""
    wanted = name.lower().encode("latin-1")
    for key, value in _scope.get()["headers"]:
        if key == wanted:
            return str(value.decode("latin-1"))
    return None


def request_cookie(name: str) -> str | None:
    """A cookie the request sends (a cookie parameter, which Connexion does not hand to handlers).

    Read as Connexion's validation reads it: the first Cookie header, with Starlette's parser.
    """
    header = next((value for key, value in _scope.get()["headers"] if key == b"cookie"), None)
    return None if header is None else cookie_parser(header.decode("latin-1")).get(name)


def request_origin() -> str:
    """`scheme://host[:port]` the request was sent to (its Host header, else the server's address)."""
    scope = _scope.get()
    host = request_header("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def request_path() -> str:
    """The path of the request being answered."""
    return str(_scope.get()["path"])
