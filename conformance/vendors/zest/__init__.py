"""ZEST's conformance package: its scenarios, their context, its checks and the target file's data."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Exchange
from conformance.profile import KitProfile
from conformance.target import Target
from conformance.vendors.zest.checks import CHECKS
from conformance.vendors.zest.context import ZestContext, key_credential, resources
from conformance.vendors.zest.fuzz import ZestFuzzAuth
from storefront_kit import registry

__all__ = ["PROFILE"]

_RESOURCES = resources(registry.contract("zest"))

TEST_DATA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1, "description": "An application key for every resource."},
        "limitedKeys": {
            "type": "array",
            "description": "Keys limited to some resources (the others must answer 403 keyNotAllowed).",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "resources"],
                "properties": {
                    "key": {"type": "string", "minLength": 1},
                    "resources": {"type": "array", "minItems": 1, "items": {"enum": _RESOURCES}},
                },
            },
        },
        "category": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "products"],
            "description": "A category with products, and how many it has (for the paging scenario).",
            "properties": {"code": {"type": "string", "minLength": 1}, "products": {"type": "integer", "minimum": 1}},
        },
        "skus": {
            "type": "array",
            "minItems": 2,
            "description": "Skus of products that can be added to a cart.",
            "items": {"type": "string", "minLength": 1},
        },
    },
}


def _probe(client: ApiClient, target: Target) -> Exchange:
    return client.call("getCart", credential=key_credential(str(target.data("key") or "")))


PROFILE = KitProfile(
    name="zest",
    scenarios=(
        *(f"conformance.vendors.zest.scenarios.{area}" for area in ("keys", "catalogue", "carts", "sessions")),
        "conformance.scenarios.protocol",
    ),
    context=ZestContext,
    fuzz_auth=ZestFuzzAuth,
    probe=_probe,
    test_data_schema=TEST_DATA,
    checks=CHECKS,
    fuzz_checks=tuple(check.__name__ for check in CHECKS),
)
