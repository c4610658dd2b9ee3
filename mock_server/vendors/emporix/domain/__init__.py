"""Emporix's session contexts, service clients and customer tokens as plain Python over a `Store`."""

from mock_server.vendors.emporix.domain.contexts import SessionContext
from mock_server.vendors.emporix.domain.tenant import SeedData, Tenant
from mock_server.vendors.emporix.domain.tokens import Token, check_tenant

__all__ = ["SeedData", "SessionContext", "Tenant", "Token", "check_tenant"]
