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
from storefront_kit import registry
from storefront_kit.contract import Contract
from storefront_kit.formats import FORMAT_CHECKER
from storefront_kit.schemas import with_defaults

BUNDLED_MOCK_TARGET = "bundled-mock"
# What `storefront-kit init-target` writes where the user must give a value.
PLACEHOLDER = "FILL-IN"
TARGETS = Path(__file__).resolve().parent / "targets"
# What a target file that leaves them out gets (and what `init-target` writes).
MAX_WAIT_SECONDS = 30.0
OVERSIZED_BODY_BYTES = 1_048_576
REQUEST_TIMEOUT_SECONDS = 10.0

_HEADER_NAME = {"type": "string", "pattern": "^[A-Za-z0-9-]+$"}
_EMAIL_DOMAIN = {"type": "string", "pattern": r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"}


def bundled_mock_target(contract: Contract) -> Path:
    """The target file describing the bundled mock of `contract` (`conformance/targets/<name>.yaml`)."""
    return TARGETS / f"{contract.name}.yaml"


def target_schema(contract: Contract, test_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema of a target file: the contract's settings schema, the vendor's `testData`."""
    data = copy.deepcopy(dict(test_data or {"type": "object"}))
    data.setdefault("properties", {}).setdefault("emailDomain", _EMAIL_DOMAIN)
    settings = contract.settings_schema()
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"storefront-kit conformance target ({contract.name})",
        "type": "object",
        "additionalProperties": False,
        "required": ["settings"] if settings else [],
        "properties": {
            "name": {"type": "string"},
            "settings": copy.deepcopy(settings) if settings else {"type": "object"},
            "settingsControl": {"enum": ["none", "mock"], "default": "none"},
            "clockControl": {"enum": ["none", "mock"], "default": "none"},
            "testData": data,
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
            "secrets": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            "headers": {
                "type": "object",
                "propertyNames": _HEADER_NAME,
                "additionalProperties": {"type": "string"},
            },
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
    clock_control: bool  # `POST /__mock/clock` moves the backend's clock: expiries are checked without waiting
    test_data: Mapping[str, Any]  # the vendor's `testData`, checked against its profile's schema
    mailbox: Mailbox
    forced_error_header: str | None
    client_address_header: str | None
    max_wait_seconds: float
    oversized_body_bytes: int
    request_timeout: float
    source: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # sent on every request to the backend
    marked: tuple[str, ...] = ()  # the `testData` values the file's `secrets` names

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values reports and reproductions show masked: the configured headers' and the marked ones."""
        return tuple(value for value in (*self.headers.values(), *self.marked) if value)

    def setting(self, dotted: str) -> Any:
        return _lookup(self.settings, dotted)

    def data(self, dotted: str) -> Any:
        """A `testData` value by dotted key, None when the file gives none."""
        return _lookup(self.test_data, dotted)

    @property
    def email_domain(self) -> str:
        return str(self.test_data.get("emailDomain", "example.com"))


def _lookup(tree: Mapping[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def load_target(location: str | Path | None, contract: str | Contract | None = None) -> Target:
    """Read and validate a target file of a contract (the default one without `contract`); `None` or
    `bundled-mock` as `location` is the one for the contract's bundled mock."""
    if not isinstance(contract, Contract):
        contract = registry.contract(contract or registry.default_contract())
    test_data = registry.kit_profile(contract.name).test_data_schema
    if location is None or str(location) == BUNDLED_MOCK_TARGET:
        path = bundled_mock_target(contract)
        text = path.read_text("utf-8")
        source = f"bundled-mock (conformance/targets/{path.name})"
    else:
        path = Path(location)
        if not path.is_file():
            raise TargetError(
                f"target file {path} does not exist; pass --target with the path of a YAML "
                "target file (see docs/conformance.md), or leave it out for the bundled mock"
            )
        text = path.read_text("utf-8")
        source = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetError(f"{source} is not valid YAML: {exc}") from None
    return parse_target(raw, contract, source, test_data)


def _placeholders(node: Any, path: str = "") -> Any:
    """The dotted keys whose values are still `init-target`'s placeholders."""
    if isinstance(node, str):
        if node.startswith(PLACEHOLDER):
            yield path or "(top level)"
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _placeholders(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        found = [key for index, item in enumerate(node) for key in _placeholders(item, f"{path}[{index}]")]
        yield from found


def parse_target(
    raw: Any, contract: Contract, source: str = "target", test_data: Mapping[str, Any] | None = None
) -> Target:
    """Validate a target file's content and turn it into a `Target`."""
    if not isinstance(raw, dict):
        raise TargetError(f"{source}: the file must hold a YAML mapping with at least `settings:`")
    unfilled = list(_placeholders(raw))
    if unfilled:
        raise TargetError(
            f"{source} is not filled in: replace the {PLACEHOLDER} values of "
            + ", ".join(unfilled)
            + " (or remove an optional testData key the backend has no data for)"
        )
    validator = jsonschema.Draft7Validator(target_schema(contract, test_data), format_checker=FORMAT_CHECKER)
    problems = sorted(validator.iter_errors(raw), key=lambda error: list(error.absolute_path))
    if problems:
        lines = [
            f"  - {'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
            for error in problems[:10]
        ]
        raise TargetError(
            f"{source} is not a valid target file:\n"
            + "\n".join(lines)
            + "\nSee docs/conformance.md, 'Target file', for every key."
        )
    mailbox = raw.get("mailbox", {"type": "none"})
    mailbox_url = mailbox.get("url")
    if mailbox["type"] == "mock-outbox":
        mailbox_url = mailbox_url or "/__mock/outbox"
    limits = raw.get("limits", {})
    marked = []
    for dotted in raw.get("secrets", ()):
        value = _lookup(raw.get("testData", {}), dotted)
        if not isinstance(value, str):
            raise TargetError(
                f"{source}: secrets: {dotted!r} names no text in testData; give dotted keys of "
                "testData values, e.g. customer.password"
            )
        marked.append(value)
    return Target(
        name=raw.get("name", source),
        settings=with_defaults(contract.settings_schema() or {}, raw.get("settings", {})),
        settings_control=raw.get("settingsControl", "none") == "mock",
        clock_control=raw.get("clockControl", "none") == "mock",
        test_data=raw.get("testData", {}),
        mailbox=Mailbox(mailbox["type"], mailbox_url, mailbox.get("headers", {}), mailbox.get("waitSeconds", 5.0)),
        forced_error_header=raw.get("forcedErrors", {}).get("header"),
        client_address_header=raw.get("clientAddressHeader"),
        max_wait_seconds=raw.get("expiry", {}).get("maxWaitSeconds", MAX_WAIT_SECONDS),
        oversized_body_bytes=limits.get("oversizedBodyBytes", OVERSIZED_BODY_BYTES),
        request_timeout=limits.get("requestTimeoutSeconds", REQUEST_TIMEOUT_SECONDS),
        source=source,
        headers=raw.get("headers", {}),
        marked=tuple(marked),
    )
