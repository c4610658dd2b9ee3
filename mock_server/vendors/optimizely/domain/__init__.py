"""Optimizely's sessions API and token endpoint as plain Python over a `Store`."""

from mock_server.vendors.optimizely.domain.clients import Client
from mock_server.vendors.optimizely.domain.identity import Grant
from mock_server.vendors.optimizely.domain.sessions import (
    SESSION_COOKIE,
    Caller,
    SessionAnswer,
    SetCookie,
)
from mock_server.vendors.optimizely.domain.website import SeedData, Website

__all__ = ["SESSION_COOKIE", "Caller", "Client", "Grant", "SeedData", "SessionAnswer", "SetCookie", "Website"]
