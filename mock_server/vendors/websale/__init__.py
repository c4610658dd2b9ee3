"""WEBSALE's Storefront API (session and customer account): security check, handlers, domain, fixtures."""

from __future__ import annotations

from mock_server.vendor import MockVendor
from mock_server.vendors.websale import security
from mock_server.vendors.websale.context import NAME
from mock_server.vendors.websale.state import WebsaleState

__all__ = ["VENDOR"]

VENDOR = MockVendor(
    name=NAME,
    handlers="mock_server.vendors.websale.handlers",
    security={"session": security.session},
    state=WebsaleState,
)
