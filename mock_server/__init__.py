"""The stateful mock of the storefront contract: `create_app(ServerConfig(...))` gives an ASGI app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.config import ServerConfig

if TYPE_CHECKING:
    from mock_server.app import create_app

__all__ = ["ServerConfig", "create_app"]


def __getattr__(name: str) -> Any:
    # Importing the package stays cheap (no Connexion) until the app is actually built.
    if name == "create_app":
        from mock_server.app import create_app

        return create_app
    raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
