"""Emporix's session-context service and the token endpoints it needs: security, handlers, domain, fixtures."""

from __future__ import annotations

from mock_server.vendor import MockVendor
from mock_server.vendors.emporix import security
from mock_server.vendors.emporix.context import NAME
from mock_server.vendors.emporix.state import EmporixState

__all__ = ["VENDOR"]

VENDOR = MockVendor(
    name=NAME,
    handlers="mock_server.vendors.emporix.handlers",
    security={"OAuth2": security.service_token, "CustomerAccessToken": security.customer_token},
    state=EmporixState,
)
