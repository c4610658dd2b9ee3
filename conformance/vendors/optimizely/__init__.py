"""Optimizely's conformance package: its scenarios, their context and the target file's data."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Exchange
from conformance.profile import KitProfile
from conformance.target import Target
from conformance.vendors.optimizely.context import OptimizelyContext
from conformance.vendors.optimizely.fuzz import OptimizelyFuzzAuth

__all__ = ["PROFILE"]

_USER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["userName", "password"],
    "properties": {
        "userName": {"type": "string", "minLength": 1},
        "password": {"type": "string", "minLength": 1},
        "email": {"type": "string", "minLength": 3, "description": "Where the backend sends this user's e-mails."},
    },
}
_ROLES = {
    "demo": "An active user of this website with at least two bill-tos (testData.customers).",
    "resettable": "A plain user the kit may lock out, reset and give a new password (always set back).",
    "mustChangePassword": "A user who must change the password before signing in.",
    "lockedOut": "A locked-out user.",
    "deactivated": "A deactivated user.",
    "otherWebsite": "A user who may not sign in on this website.",
    "punchout": "A user whose sessions are punchout sessions.",
    "noBillTo": "A user without a customer (bill-to).",
    "deactivatedMustChange": "A deactivated user who must also change the password.",
}
_CHOICE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "code"],
    "properties": {"id": {"type": "string", "minLength": 1}, "code": {"type": "string", "minLength": 1}},
}

TEST_DATA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "client": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "secret"],
            "description": "The storefront client of the token endpoint (HTTP Basic).",
            "properties": {"id": {"type": "string", "minLength": 1}, "secret": {"type": "string"}},
        },
        "securedClient": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "secret"],
            "description": "A client whose secret is checked: a wrong one must be refused.",
            "properties": {"id": {"type": "string", "minLength": 1}, "secret": {"type": "string", "minLength": 1}},
        },
        "users": {
            "type": "object",
            "additionalProperties": False,
            "properties": {role: {**_USER, "description": text} for role, text in _ROLES.items()},
        },
        "customers": {
            "type": "array",
            "description": "The demo user's bill-tos, each with the ids of its ship-tos.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["billTo"],
                "properties": {
                    "billTo": {"type": "string", "minLength": 1},
                    "shipTos": {"type": "array", "items": {"type": "string", "minLength": 1}},
                },
            },
        },
        "languages": {"type": "array", "items": _CHOICE, "description": "Live languages of the website (id, code)."},
        "currencies": {"type": "array", "items": _CHOICE, "description": "Currencies of the website (id, code)."},
    },
}


def _probe(client: ApiClient, target: Target) -> Exchange:
    return client.call("getCurrentSession")


PROFILE = KitProfile(
    name="optimizely",
    scenarios=(
        *(
            f"conformance.vendors.optimizely.scenarios.{area}"
            for area in ("tokens", "sign_in", "context", "passwords", "sign_out")
        ),
        "conformance.scenarios.protocol",
        "conformance.vendors.optimizely.scenarios.expiry",
    ),
    context=OptimizelyContext,
    fuzz_auth=OptimizelyFuzzAuth,
    probe=_probe,
    test_data_schema=TEST_DATA,
)
