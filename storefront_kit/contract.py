"""Read `openapi.yaml`: operations, their documented error codes, and the rule-to-code extension."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storefront_kit.data import contract_file

DEFAULT_SPEC_PATH = contract_file("websale")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")
FALLBACK_ERROR_CODE = "invalidRequest"
# The kit's code for a refused session where an operation documents no `notLoggedIn`.
SESSION_ERROR_CODE = "invalidSession"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int
    origin: str  # "vendor" or "kit"
    description: str
    settings_dependent: bool = False  # a 400 that a schema-valid request can get


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    requires_session: bool
    requires_login: bool
    codes_by_status: Mapping[int, frozenset[str]]
    kit_codes: frozenset[str]
    has_body: bool
    body_required: bool
    query_parameters: tuple[str, ...] = field(default=())

    @property
    def error_codes(self) -> frozenset[str]:
        return frozenset().union(*self.codes_by_status.values()) if self.codes_by_status else frozenset()

    @property
    def vendor_codes(self) -> frozenset[str]:
        return self.error_codes - self.kit_codes

    @property
    def session_error_code(self) -> str | None:
        """The code a missing or unknown x-session answers on this operation."""
        if not self.requires_session:
            return None
        codes = self.codes_by_status.get(401, frozenset())
        return "notLoggedIn" if "notLoggedIn" in codes else SESSION_ERROR_CODE

    def status_of(self, code: str) -> int | None:
        for status, codes in self.codes_by_status.items():
            if code in codes:
                return status
        return None


class Contract:
    """The parsed contract, with every local `$ref` resolved."""

    def __init__(self, raw: dict[str, Any], path: Path | None = None) -> None:
        self.raw = raw
        self.path = path
        self.resolved: dict[str, Any] = _resolve_refs(raw, raw)
        self.catalog: dict[str, ErrorCode] = {
            code: ErrorCode(
                code,
                int(entry["status"]),
                entry["origin"],
                entry["description"],
                bool(entry.get("settingsDependent", False)),
            )
            for code, entry in raw["info"]["x-error-catalog"].items()
        }
        self.operations: dict[str, Operation] = {op.operation_id: op for op in self._read_operations()}

    @property
    def max_body_bytes(self) -> int:
        return int(self.raw["info"]["x-limits"]["maxBodyBytes"])

    @property
    def base_path(self) -> str:
        """Path part of the servers' URL, e.g. `/api/v1`."""
        url = self.raw["servers"][-1]["url"]
        return "/" + url.split("://", 1)[-1].split("/", 1)[-1].strip("/")

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def methods_for_path(self, path: str) -> list[str]:
        item = self.resolved["paths"].get(path, {})
        return [method.upper() for method in HTTP_METHODS if method in item]

    def operation_spec(self, operation_id: str) -> dict[str, Any]:
        op = self.operations[operation_id]
        return self.resolved["paths"][op.path][op.method]

    def request_body_schema(self, operation_id: str) -> dict[str, Any] | None:
        body = self.operation_spec(operation_id).get("requestBody")
        if not body:
            return None
        return body["content"]["application/json"]["schema"]

    def settings_schema(self) -> dict[str, Any]:
        return self.resolved["components"]["schemas"]["ShopSettings"]

    def _read_operations(self) -> Iterable[Operation]:
        global_security = self.raw.get("security", [])
        for path, item in self.resolved["paths"].items():
            for method in HTTP_METHODS:
                spec = item.get(method)
                if spec is None:
                    continue
                security = spec.get("security", global_security)
                codes_by_status: dict[int, frozenset[str]] = {}
                kit_codes: set[str] = set()
                for status, response in spec["responses"].items():
                    if not str(status).isdigit() or int(status) < 400:
                        continue
                    codes_by_status[int(status)] = frozenset(_response_codes(response))
                    kit_codes.update(response.get("x-kit-codes", ()))
                body = spec.get("requestBody")
                yield Operation(
                    operation_id=spec["operationId"],
                    method=method,
                    path=path,
                    tag=spec["tags"][0],
                    requires_session=any(requirement for requirement in security),
                    requires_login=bool(spec.get("x-requires-login", False)),
                    codes_by_status=codes_by_status,
                    kit_codes=frozenset(kit_codes),
                    has_body=body is not None,
                    body_required=bool(body and body.get("required")),
                    query_parameters=tuple(
                        p["name"] for p in spec.get("parameters", ()) if p["in"] == "query"
                    ),
                )


def error_code_for_failure(
    schema: Mapping[str, Any],
    schema_path: Sequence[str | int],
    keyword: str,
    missing_property: str | None = None,
) -> str:
    """The code the contract assigns to a schema failure.

    `schema_path` leads from `schema` to the failed keyword (as jsonschema's
    `absolute_schema_path`); the innermost node with a matching `x-error-code` decides.
    A missing required property is judged by that property's own schema first.
    """
    nodes: list[Mapping[str, Any]] = [schema]
    node: Any = schema
    for step in list(schema_path)[:-1]:
        node = node[step]
        if isinstance(node, Mapping):
            nodes.append(node)
    if keyword == "required" and missing_property is not None:
        properties = nodes[-1].get("properties", {})
        if missing_property in properties:
            nodes.append(properties[missing_property])
    for candidate in reversed(nodes):
        code = _code_in(candidate.get("x-error-code"), keyword)
        if code:
            return code
    return FALLBACK_ERROR_CODE


def _code_in(rule: Any, keyword: str) -> str | None:
    if isinstance(rule, str):
        return rule
    if isinstance(rule, Mapping):
        return rule.get(keyword) or rule.get("default")
    return None


def _response_codes(response: Mapping[str, Any]) -> Iterable[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    for part in schema.get("allOf", [schema]):
        code_schema = part.get("properties", {}).get("error", {}).get("properties", {}).get("code", {})
        yield from code_schema.get("enum", ())


def _resolve_refs(node: Any, root: dict[str, Any], seen: tuple[str, ...] = (), memo: dict[str, Any] | None = None) -> Any:
    """`node` with every local `$ref` replaced by its target.

    Each target is resolved once and then shared by every place that refers to it (the contract
    has hundreds of references to a few dozen schemas); the result is read-only.
    """
    memo = {} if memo is None else memo
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ValueError(f"circular $ref {ref}")
            if ref not in memo:
                target: Any = root
                for part in ref[2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                memo[ref] = _resolve_refs(target, root, seen + (ref,), memo)
            resolved = memo[ref]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if not siblings:
                return resolved
            merged = {**resolved, **siblings}
            return _resolve_refs(merged, root, seen + (ref,), memo)
        return {key: _resolve_refs(value, root, seen, memo) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(item, root, seen, memo) for item in node]
    return node


def load_contract(path: str | Path | None = None) -> Contract:
    """Load and cache the contract (the repository's `openapi.yaml` by default)."""
    # One cache entry per file, however the path is spelt: `load_contract()` and
    # `load_contract(DEFAULT_SPEC_PATH)` both run at start-up.
    return _load_contract(Path(path).resolve() if path else DEFAULT_SPEC_PATH)


@functools.lru_cache(maxsize=8)
def _load_contract(spec_path: Path) -> Contract:
    with spec_path.open(encoding="utf-8") as handle:
        # The C loader, where libyaml is present, saves a noticeable part of start-up.
        raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Contract(raw, spec_path)
