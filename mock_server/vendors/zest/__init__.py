"""ZEST (Zeald) Ecommerce API V3: catalogue browsing and carts over XML, with query-string sessions."""

from __future__ import annotations

from mock_server.vendor import MockVendor
from mock_server.vendors.zest import security
from mock_server.vendors.zest.context import NAME
from mock_server.vendors.zest.state import ZestState

__all__ = ["VENDOR"]

VENDOR = MockVendor(
    name=NAME,
    handlers="mock_server.vendors.zest.handlers",
    security={"AppKey": security.app_key, "AppKeyQuery": security.app_key_query},
    state=ZestState,
)
