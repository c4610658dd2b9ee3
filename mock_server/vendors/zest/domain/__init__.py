"""ZEST's catalogue, sessions and carts as plain Python over a `Store`."""

from mock_server.vendors.zest.domain.catalog import RESOURCES, Application
from mock_server.vendors.zest.domain.sessions import Session
from mock_server.vendors.zest.domain.shop import DEFAULT_CART, SeedData, Shop

__all__ = ["DEFAULT_CART", "RESOURCES", "Application", "SeedData", "Session", "Shop"]
