"""Optimizely Configured Commerce's sessions API and its token endpoint: security, handlers, domain, fixtures."""

from __future__ import annotations

from mock_server.vendor import MockVendor
from mock_server.vendors.optimizely import security
from mock_server.vendors.optimizely.context import NAME
from mock_server.vendors.optimizely.state import OptimizelyState

__all__ = ["VENDOR"]

VENDOR = MockVendor(
    name=NAME,
    handlers="mock_server.vendors.optimizely.handlers",
    security={"BearerToken": security.bearer_token, "ClientCredentials": security.client_credentials},
    state=OptimizelyState,
)
