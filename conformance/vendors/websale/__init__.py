"""WEBSALE's conformance package: its scenarios, their context, its target data and checks."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Exchange
from conformance.profile import KitProfile
from conformance.target import Target
from conformance.vendors.websale.checks import (
    redirect_link_carries_session,
    session_id_format,
)
from conformance.vendors.websale.context import WebsaleContext
from conformance.vendors.websale.fuzz import WebsaleFuzzAuth

__all__ = ["PROFILE"]

_PRODUCT_IDS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}

TEST_DATA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "products": {
            "type": "object",
            "additionalProperties": False,
            "description": "Product ids by inventory state, for the back-in-stock scenarios.",
            "properties": {
                "inStock": {**_PRODUCT_IDS, "description": "Products in stock."},
                "outOfStock": {**_PRODUCT_IDS, "description": "Products out of stock."},
                "noInventoryState": {**_PRODUCT_IDS, "description": "Products without an inventory state."},
            },
        },
        "accountWithOrders": {
            "type": "object",
            "additionalProperties": False,
            "required": ["email", "password"],
            "description": "An account with an order history; the order scenarios log in to it and only read.",
            "properties": {
                "email": {"type": "string", "minLength": 3},
                "password": {"type": "string", "minLength": 1},
                "minOrders": {"type": "integer", "minimum": 1, "description": "How many orders it has at least."},
            },
        },
    },
}


def _probe(client: ApiClient, target: Target) -> Exchange:
    return client.call("createSession")


def _areas(*names: str) -> tuple[str, ...]:
    return tuple(f"conformance.vendors.websale.scenarios.{name}" for name in names)


PROFILE = KitProfile(
    name="websale",
    scenarios=(
        *_areas("session", "account", "addresses", "back_in_stock", "orders", "profile", "password"),
        "conformance.scenarios.protocol",
        *_areas("precedence", "throttle", "expiry"),
    ),
    context=WebsaleContext,
    fuzz_auth=WebsaleFuzzAuth,
    probe=_probe,
    test_data_schema=TEST_DATA,
    checks=(session_id_format, redirect_link_carries_session),
    fuzz_checks=("session_id_format", "redirect_link_carries_session"),
)
