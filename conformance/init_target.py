"""`storefront-kit init-target`: a commented starter target file for a contract's kit.

Every key the kit reads is written out: settings with the contract's defaults, `testData` with
placeholders (`FILL-IN ...`) that `storefront-kit check` refuses, naming each, until they are replaced.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.from_mock import mock_root, target_from_mock
from conformance.target import MAX_WAIT_SECONDS, OVERSIZED_BODY_BYTES, PLACEHOLDER, REQUEST_TIMEOUT_SECONDS
from storefront_kit import registry
from storefront_kit.contract import Contract

# What the target file's own keys are for (the contract's settings and the vendor's testData describe themselves).
_SETTINGS = "What the backend is configured to do; every value must match it (see docs/conformance.md)."
_TEST_DATA = (
    "Fixed test data the backend holds. Replace every FILL-IN; remove a key the backend has none of "
    "(the scenarios that need it are then reported as not covered)."
)
_TAIL = f"""\
# Where the kit reads the e-mails the backend sends (opt-in tokens). none: those scenarios are not covered;
# mock-outbox: the bundled mock's /__mock/outbox; http: a mailbox API at url (see docs/conformance.md).
mailbox:
  type: none
# A settings control the kit may use to switch settings per scenario: none, or mock (the bundled mock's).
settingsControl: none
# A clock the kit may move instead of waiting for lifetimes to pass: none, or mock (the mock's /__mock/clock).
clockControl: none
# Headers sent on every request to the backend: a gateway key, Basic auth of a staging API. Shown as ***.
# headers:
#   X-Gateway-Key: FILL-IN
# Dotted testData keys whose values reports and reproductions show as *** (e.g. a customer's password).
# secrets: [FILL-IN]
# A request header that makes the backend answer a named documented error code (storage outage codes).
# forcedErrors:
#   header: X-Mock-Error
# A header the backend takes as the client address for login throttling, e.g. X-Forwarded-For.
# clientAddressHeader: X-Forwarded-For
# The longest the kit waits for something to expire, in seconds.
expiry:
  maxWaitSeconds: {MAX_WAIT_SECONDS:g}
limits:
  # The size of the body sent to provoke 413; it must exceed the backend's own limit.
  oversizedBodyBytes: {OVERSIZED_BODY_BYTES:d}
  # Timeout per request; a timeout counts as a network failure (exit 3).
  requestTimeoutSeconds: {REQUEST_TIMEOUT_SECONDS:g}
"""


def _inline(value: Any) -> str:
    """A YAML flow value (JSON is YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _placeholder(schema: Mapping[str, Any], what: str) -> Any:
    """A value the target file must replace, shaped like the schema's (a list stays a list)."""
    if schema.get("type") == "array":
        items = schema.get("items", {})
        return [_placeholder(items, what)]
    if schema.get("type") == "object" and schema.get("properties"):
        required = schema.get("required") or list(schema["properties"])
        return {name: _placeholder(schema["properties"][name], name) for name in required}
    hint = f" (e.g. {schema['example']})" if "example" in schema else ""
    kind = {"integer": "a number", "number": "a number", "boolean": "true or false"}.get(str(schema.get("type")), what)
    return f"{PLACEHOLDER} {kind}{hint}"


def _comment(schema: Mapping[str, Any], pad: str) -> list[str]:
    text = str(schema.get("description") or "").strip()
    return [f"{pad}# {line}" for line in text.splitlines()[:3]] if text else []


def _entries(schema: Mapping[str, Any], depth: int, *, fill: bool) -> list[str]:
    """The lines of an object's properties: a default where the schema gives one, else a placeholder
    (`fill`: every key, else only the required ones)."""
    pad = "  " * depth
    lines: list[str] = []
    required = set(schema.get("required", ()))
    for name, child in schema.get("properties", {}).items():
        if child.get("type") == "object" and child.get("properties") and "default" not in child:
            nested = _entries(child, depth + 1, fill=fill)
            if nested:
                lines += _comment(child, pad) + [f"{pad}{name}:"] + nested
            continue
        if "default" in child:
            value: Any = child["default"]
        elif fill or name in required:
            value = _placeholder(child, name)
        else:
            continue
        lines += _comment(child, pad) + [f"{pad}{name}: {_inline(value)}"]
    return lines


def starter_target(contract: Contract) -> str:
    """The text of a commented target file for `contract` with every key its kit reads."""
    profile = registry.kit_profile(contract.name)
    lines = [
        f"# storefront-kit conformance target for a {contract.name} backend ({contract.title}).",
        "# Fill in every FILL-IN; `storefront-kit check` names the ones left. Keys: docs/conformance.md.",
        f"name: {_inline(contract.name + ' backend')}",
    ]
    settings = contract.settings_schema()
    if settings:
        lines += [f"# {_SETTINGS}", "settings:"] + _entries(settings, 1, fill=False)
    test_data = dict(profile.test_data_schema)
    lines += [f"# {_TEST_DATA}", "testData:"]
    lines += _entries(test_data, 1, fill=True) or ["  {}"]
    lines += [
        "  # The domain of the e-mail addresses the kit makes up; use one whose mail you can read if the",
        "  # backend really sends e-mails.",
        '  emailDomain: "example.com"',
    ]
    return "\n".join(lines) + "\n" + _TAIL


def main(argv: Sequence[str] | None = None, *, prog: str = "storefront-kit init-target") -> int:
    """Write a starter target file, or one filled in from a running mock (to standard output without --output);
    returns the exit code."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Write a commented starter target file for a contract's conformance kit."
    )
    parser.add_argument(
        "--contract",
        default=registry.default_contract(),
        metavar="NAME",
        help=f"the contract: {', '.join(registry.contract_names())} (default {registry.default_contract()})",
    )
    parser.add_argument(
        "--from-mock",
        metavar="URL",
        help="fill the file in from the bundled mock of the contract running at URL (its root or API base): "
        "its settings, its fixture logins with their passwords now",
    )
    parser.add_argument("--controls-token", metavar="TOKEN", help="the mock's --controls-token, for --from-mock")
    parser.add_argument("--output", metavar="FILE", help="the file to write (default: standard output)")
    parser.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.contract not in registry.contract_names():
            raise ConfigError(
                f"no contract named {args.contract!r}; use one of: {', '.join(registry.contract_names())}"
            )
        if args.controls_token and not args.from_mock:
            raise ConfigError("--controls-token goes with --from-mock")
        contract = registry.contract(args.contract)
        path = Path(args.output) if args.output is not None else None
        if path is not None and path.exists() and not args.force:
            raise ConfigError(f"--output {path}: the file exists; give --force to overwrite it")
        if args.from_mock:
            text = target_from_mock(args.from_mock, contract, token=args.controls_token)
        else:
            text = starter_target(contract)
        if path is None:
            sys.stdout.write(text)
            return 0
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {path}: cannot write there ({exc.strerror})") from None
    except ConfigError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.from_mock:
        api = mock_root(args.from_mock, contract) + contract.base_path
        print(
            f"wrote {path}; check with: storefront-kit check --contract {args.contract} --base-url {api} --target {path}"
        )
    else:
        print(
            f"wrote {path}; fill in every FILL-IN, then: storefront-kit check --contract {args.contract} --target {path}"
        )
    return 0
