"""The target file: what the backend under test claims, so every scenario knows what to expect."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.errors import TargetError
from storefront_kit.contract import Contract, load_contract

BUNDLED_MOCK_TARGET = "bundled-mock"
BUNDLED_MOCK_PATH = Path(__file__).resolve().parent / "targets" / "bundled-mock.yaml"

_PRODUCT_IDS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
_HEADER_NAME = {"type": "string", "pattern": "^[A-Za-z0-9-]+$"}


def target_schema(contract: Contract | None = None) -> dict[str, Any]:
    """JSON Schema of a target file; `settings` is the contract's own `ShopSettings`."""
    contract = contract or load_contract()
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "storefront-kit conformance target",
        "type": "object",
        "additionalProperties": False,
        "required": ["settings"],
        "properties": {
            "name": {"type": "string"},
            "settings": copy.deepcopy(contract.settings_schema()),
            "settingsControl": {"enum": ["none", "mock"], "default": "none"},
            "testData": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "products": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "inStock": _PRODUCT_IDS,
                            "outOfStock": _PRODUCT_IDS,
                            "noInventoryState": _PRODUCT_IDS,
                        },
                    },
                    "accountWithOrders": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["email", "password"],
                        "properties": {
                            "email": {"type": "string", "minLength": 3},
                            "password": {"type": "string", "minLength": 1},
                            "minOrders": {"type": "integer", "minimum": 1},
                        },
                    },
                    "emailDomain": {"type": "string", "pattern": r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"},
                },
            },
            "mailbox": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type"],
                "properties": {
                    "type": {"enum": ["mock-outbox", "http", "none"]},
                    "url": {"type": "string", "minLength": 1},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "waitSeconds": {"type": "number", "minimum": 0, "maximum": 300},
                },
                "if": {"properties": {"type": {"const": "http"}}},
                "then": {"required": ["type", "url"]},
            },
            "forcedErrors": {
                "type": "object",
                "additionalProperties": False,
                "required": ["header"],
                "properties": {"header": _HEADER_NAME},
            },
            "clientAddressHeader": _HEADER_NAME,
            "expiry": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"maxWaitSeconds": {"type": "number", "minimum": 0, "maximum": 3600}},
            },
            "limits": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "oversizedBodyBytes": {"type": "integer", "minimum": 1024},
                    "requestTimeoutSeconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
                },
            },
        },
    }


@dataclass(frozen=True, slots=True)
class Mailbox:
    kind: str  # "mock-outbox", "http" or "none"
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    wait_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class Target:
    """A validated target file."""

    name: str
    settings: Mapping[str, Any]
    settings_control: bool
    products: Mapping[str, tuple[str, ...]]
    account_with_orders: Mapping[str, Any] | None
    email_domain: str
    mailbox: Mailbox
    forced_error_header: str | None
    client_address_header: str | None
    max_wait_seconds: float
    oversized_body_bytes: int
    request_timeout: float
    source: str = ""

    def setting(self, dotted: str) -> Any:
        node: Any = self.settings
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node


def with_defaults(schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with every `default` of `schema` filled in, nested objects included."""
    if not isinstance(value, dict) or schema.get("type") != "object":
        return value
    result = dict(value)
    for name, sub in schema.get("properties", {}).items():
        if name not in result:
            if "default" in sub:
                result[name] = copy.deepcopy(sub["default"])
            elif sub.get("type") == "object" and "properties" in sub:
                result[name] = {}
        if name in result:
            result[name] = with_defaults(sub, result[name])
    return result


def load_target(location: str | Path | None, contract: Contract | None = None) -> Target:
    """Read and validate a target file; `None` or `bundled-mock` is the shipped one for the mock."""
    contract = contract or load_contract()
    if location is None or str(location) == BUNDLED_MOCK_TARGET:
        text = BUNDLED_MOCK_PATH.read_text("utf-8")
        source = "bundled-mock (conformance/targets/bundled-mock.yaml)"
    else:
        path = Path(location)
        if not path.is_file():
            raise TargetError(f"target file {path} does not exist; pass --target with the path of a YAML "
                              "target file (see docs/conformance.md), or leave it out for the bundled mock")
        text = path.read_text("utf-8")
        source = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetError(f"{source} is not valid YAML: {exc}") from None
    return parse_target(raw, contract, source)


def parse_target(raw: Any, contract: Contract, source: str = "target") -> Target:
    """Validate a target file's content and turn it into a `Target`."""
    if not isinstance(raw, dict):
        raise TargetError(f"{source}: the file must hold a YAML mapping with at least `settings:`")
    validator = jsonschema.Draft7Validator(target_schema(contract), format_checker=jsonschema.FormatChecker())
    problems = sorted(validator.iter_errors(raw), key=lambda error: list(error.absolute_path))
    if problems:
        lines = [f"  - {'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
                 for error in problems[:10]]
        raise TargetError(f"{source} is not a valid target file:\n" + "\n".join(lines)
                          + "\nSee docs/conformance.md, 'Target file', for every key.")
    test_data = raw.get("testData", {})
    mailbox = raw.get("mailbox", {"type": "none"})
    mailbox_url = mailbox.get("url")
    if mailbox["type"] == "mock-outbox":
        mailbox_url = mailbox_url or "/__mock/outbox"
    limits = raw.get("limits", {})
    return Target(
        name=raw.get("name", source),
        settings=with_defaults(contract.settings_schema(), raw["settings"]),
        settings_control=raw.get("settingsControl", "none") == "mock",
        products={kind: tuple(ids) for kind, ids in test_data.get("products", {}).items()},
        account_with_orders=test_data.get("accountWithOrders"),
        email_domain=test_data.get("emailDomain", "example.com"),
        mailbox=Mailbox(mailbox["type"], mailbox_url, mailbox.get("headers", {}), mailbox.get("waitSeconds", 5.0)),
        forced_error_header=raw.get("forcedErrors", {}).get("header"),
        client_address_header=raw.get("clientAddressHeader"),
        max_wait_seconds=raw.get("expiry", {}).get("maxWaitSeconds", 30.0),
        oversized_body_bytes=limits.get("oversizedBodyBytes", 1_048_576),
        request_timeout=limits.get("requestTimeoutSeconds", 10.0),
        source=source,
    )
