"""ZEST's catalogue, sessions and carts as plain Python over a `Store`."""

from mock_server.vendors.zest.domain.catalog import Application, resource_of
from mock_server.vendors.zest.domain.sessions import Session
from mock_server.vendors.zest.domain.shop import DEFAULT_CART, SeedData, Shop

__all__ = ["DEFAULT_CART", "Application", "SeedData", "Session", "Shop", "resource_of"]
