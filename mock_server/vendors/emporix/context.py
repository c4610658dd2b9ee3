"""What an Emporix handler may ask for: the tenant, and the grant of the request's access token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from mock_server.context import current_runtime
from mock_server.vendors.emporix.domain.tenant import Tenant
from mock_server.vendors.emporix.domain.tokens import Token

if TYPE_CHECKING:
    from mock_server.vendors.emporix.state import EmporixState

NAME = "emporix"


def domain() -> Tenant:
    """The tenant the mock serves, with every service of its domain."""
    return cast("EmporixState", current_runtime().state(NAME)).tenant


def tenant_parameter() -> Mapping[str, Any]:
    """The schema of the `tenant` path parameter."""
    return cast("EmporixState", current_runtime().state(NAME)).tenant_schema


def grant(token_info: Mapping[str, Any]) -> Token:
    """The access token's grant, as the security check put it in the request context."""
    return cast(Token, token_info["grant"])
