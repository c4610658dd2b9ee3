"""Emporix's conformance package: its scenarios, their context and the target file's data."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Exchange
from conformance.profile import KitProfile
from conformance.target import Target
from conformance.vendors.emporix.context import EmporixContext
from conformance.vendors.emporix.fuzz import EmporixFuzzAuth

__all__ = ["PROFILE"]

_CLIENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "secret"],
    "properties": {"id": {"type": "string", "minLength": 1}, "secret": {"type": "string", "minLength": 1}},
}

TEST_DATA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "serviceClient": {**_CLIENT, "description": "A service client granted sessioncontext.context_manage."},
        "limitedClient": {**_CLIENT, "description": "A service client without sessioncontext.context_manage."},
        "storefrontClient": {"type": "string", "minLength": 1, "description": "The client id of anonymous logins."},
        "customer": {
            "type": "object",
            "additionalProperties": False,
            "required": ["email", "password"],
            "properties": {
                "email": {"type": "string", "minLength": 3},
                "password": {"type": "string", "minLength": 6},
                "targetLocation": {
                    "type": "string",
                    "pattern": "^[A-Z]{2}$",
                    "description": "The country the customer's profile gives the session (shipping, else billing).",
                },
            },
        },
    },
}


def _probe(client: ApiClient, target: Target) -> Exchange:
    return client.call(
        "anonymousLogin",
        query={"tenant": target.setting("tenant"), "client_id": target.data("storefrontClient") or "sfk-probe"},
    )


PROFILE = KitProfile(
    name="emporix",
    scenarios=(
        "conformance.vendors.emporix.scenarios.tokens",
        "conformance.vendors.emporix.scenarios.management",
        "conformance.vendors.emporix.scenarios.own_session",
        "conformance.scenarios.protocol",
        "conformance.vendors.emporix.scenarios.expiry",
    ),
    context=EmporixContext,
    fuzz_auth=EmporixFuzzAuth,
    probe=_probe,
    test_data_schema=TEST_DATA,
)
