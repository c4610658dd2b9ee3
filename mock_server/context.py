"""Per-request access to the running mock's services, for handlers."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mock_server.runtime import Runtime

_runtime: ContextVar[Runtime] = ContextVar("storefront_mock_runtime")


def current_runtime() -> Runtime:
    return _runtime.get()


def bind_runtime(runtime: Runtime) -> object:
    return _runtime.set(runtime)
