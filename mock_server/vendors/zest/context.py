"""What a ZEST handler may ask for: the shop, the URL its links start with, and the session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from mock_server.context import current_runtime, request_origin

if TYPE_CHECKING:
    from mock_server.vendors.zest.domain import Session, Shop
    from mock_server.vendors.zest.state import ZestState

NAME = "zest"


def _state() -> ZestState:
    return cast("ZestState", current_runtime().state(NAME))


def domain() -> Shop:
    """The shop the mock serves, with every service of its domain."""
    return _state().shop


def base_path() -> str:
    """The contract's base path (`/API/V3`), which the request's path starts with."""
    return _state().base_path


def base_url() -> str:
    """The absolute URL the resources' `href` links start with, on the host the request was sent to."""
    return request_origin() + _state().base_path


def with_session(value: dict[str, Any], session: Session | None) -> dict[str, Any]:
    """An answer's root with the `session` attribute, when the request is in a session."""
    return value if session is None else {"session": session.token, **value}
