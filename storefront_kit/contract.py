"""Read a contract: its operations, error catalog, error format and the rule-to-code extension.

Every contract follows the same conventions (ARCHITECTURE.md, "Contract conventions"), so the mock
and the kit read any vendor's contract through this one module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")
# The failures every API can meet whatever its vendor; each contract tags the code answering each.
GENERIC_FAILURES = (
    "badRequest",
    "bodyTooLarge",
    "unsupportedMediaType",
    "unknownRoute",
    "methodNotAllowed",
    "unauthenticated",
    "forbidden",
    "storageRefused",
    "storageUnreachable",
    "internalError",
)
# Failures a contract may name a code of its own for; without one they answer the failure named here.
OPTIONAL_FAILURES = {
    "malformedBody": "badRequest",  # a body that is not a document of its media type
    "unsafeBody": "malformedBody",  # a document a parser must not expand (entities, deep nesting)
}


class ContractError(ValueError):
    """A contract breaks the conventions the kit relies on; the message names the place."""


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int
    origin: str  # "vendor" or "kit"
    description: str
    settings_dependent: bool = False  # a 400 that a schema-valid request can get
    generic: frozenset[str] = frozenset()  # generic failures this code answers
    body: Any = None  # this code's own body template, None for the contract's default


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    security: tuple[Mapping[str, tuple[str, ...]], ...]  # alternatives, each scheme -> scopes
    codes_by_status: Mapping[int, frozenset[str]]
    kit_codes: frozenset[str]
    has_body: bool
    extensions: Mapping[str, Any]  # the operation's own `x-` keys

    @property
    def secured(self) -> bool:
        """True when every request needs a credential (an empty alternative makes it optional)."""
        return bool(self.security) and all(self.security)

    @property
    def takes_credential(self) -> bool:
        """True when a credential can be sent, required or not; a refused one answers 401."""
        return any(self.security)

    @property
    def error_codes(self) -> frozenset[str]:
        return frozenset().union(*self.codes_by_status.values()) if self.codes_by_status else frozenset()

    def status_of(self, code: str) -> int | None:
        for status, codes in self.codes_by_status.items():
            if code in codes:
                return status
        return None


@dataclass(frozen=True, slots=True)
class ErrorFormat:
    """How the contract's error answers look (`info.x-errors`)."""

    media_type: str
    schema: str  # name of the components schema of the generic error body
    code_at: tuple[str, ...] | None  # JSON-pointer parts of the code in a body; None: bodies carry none
    body: Any  # the default body template


class Contract:
    """One parsed contract, with every local `$ref` resolved."""

    def __init__(self, raw: dict[str, Any], path: Path | None = None, name: str | None = None) -> None:
        self.raw = raw
        self.path = path
        self.name = name or (path.stem if path else "contract")
        self.resolved: dict[str, Any] = _resolve_refs(raw, raw)
        info = raw["info"]
        self.catalog: dict[str, ErrorCode] = {
            code: ErrorCode(
                code,
                int(entry["status"]),
                entry["origin"],
                entry["description"],
                bool(entry.get("settingsDependent", False)),
                frozenset(entry.get("generic", ())),
                entry.get("body"),
            )
            for code, entry in info["x-error-catalog"].items()
        }
        errors = info["x-errors"]
        pointer = errors.get("codeAt")
        self.error_format = ErrorFormat(
            errors.get("mediaType", "application/json"),
            schema_name(errors["schema"]) or "",
            tuple(part for part in pointer.split("/") if part) if pointer else None,
            errors["body"],
        )
        self.operations: dict[str, Operation] = {op.operation_id: op for op in self._read_operations()}
        self._generic: dict[str, tuple[str, ...]] = {
            failure: tuple(entry.code for entry in self.catalog.values() if failure in entry.generic)
            for failure in (*GENERIC_FAILURES, *OPTIONAL_FAILURES)
        }

    @property
    def title(self) -> str:
        return str(self.raw["info"]["title"])

    @property
    def max_body_bytes(self) -> int:
        return int(self.raw["info"]["x-limits"]["maxBodyBytes"])

    @property
    def base_path(self) -> str:
        """Path part of the last server URL (the local mock's), e.g. `/api/v2`; empty for a root."""
        url = self.raw["servers"][-1]["url"]
        path = url.split("://", 1)[-1]
        path = path[path.find("/") :] if "/" in path else ""
        return path.rstrip("/")

    @property
    def path_prefixes(self) -> tuple[str, ...]:
        """Where the contract's paths start: its base path, or the first segment of each path."""
        if self.base_path:
            return (self.base_path,)
        return tuple(sorted({"/" + op.path.strip("/").split("/", 1)[0] for op in self.operations.values()}))

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def methods_for_path(self, path: str) -> list[str]:
        item = self.resolved["paths"].get(path, {})
        return [method.upper() for method in HTTP_METHODS if method in item]

    def operation_spec(self, operation_id: str) -> dict[str, Any]:
        op = self.operations[operation_id]
        spec: dict[str, Any] = self.resolved["paths"][op.path][op.method]
        return spec

    def request_body_schema(self, operation_id: str, media_type: str | None = None) -> dict[str, Any] | None:
        body = self.operation_spec(operation_id).get("requestBody")
        if not body:
            return None
        content = body["content"]
        schema: dict[str, Any] = content[media_type or next(iter(content))]["schema"]
        return schema

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.resolved["components"]["schemas"][name]
        return schema

    def settings_schema(self) -> dict[str, Any] | None:
        """The schema of the backend's settings (`info.x-settings-schema`), None if it has none."""
        name = schema_name(self.raw["info"].get("x-settings-schema"))
        return self.schema(name) if name else None

    def security_schemes(self) -> dict[str, dict[str, Any]]:
        return dict(self.resolved.get("components", {}).get("securitySchemes", {}))

    def generic_code(self, failure: str, operation: Operation | None = None) -> str:
        """The code answering a generic failure; among several, the one `operation` documents."""
        codes = self._generic[failure]
        if not codes and failure in OPTIONAL_FAILURES:
            return self.generic_code(OPTIONAL_FAILURES[failure], operation)
        if operation is not None and len(codes) > 1:
            for code in codes:
                if code in operation.error_codes:
                    return code
        return codes[0]

    def unauthenticated_code(self, operation: Operation) -> str | None:
        """The code a refused credential (or a missing required one) answers on `operation`, None if
        it takes no credential."""
        return self.generic_code("unauthenticated", operation) if operation.takes_credential else None

    def code_for_schema_failure(
        self,
        schema: Mapping[str, Any],
        schema_path: Sequence[str | int],
        keyword: str,
        missing_property: str | None = None,
        operation: Operation | None = None,
    ) -> str:
        """The code a failed schema rule answers: its `x-error-code`, else the generic bad-request one."""
        return error_code_for_failure(schema, schema_path, keyword, missing_property) or self.generic_code(
            "badRequest", operation
        )

    def _read_operations(self) -> Iterable[Operation]:
        global_security = self.resolved.get("security", [])
        for path, item in self.resolved["paths"].items():
            for method in HTTP_METHODS:
                spec = item.get(method)
                if spec is None:
                    continue
                codes_by_status: dict[int, frozenset[str]] = {}
                kit_codes: set[str] = set()
                for status, response in spec["responses"].items():
                    if not str(status).isdigit() or int(status) < 400:
                        continue
                    codes_by_status[int(status)] = frozenset(self._response_codes(response))
                    kit_codes.update(response.get("x-kit-codes", ()))
                yield Operation(
                    operation_id=spec["operationId"],
                    method=method,
                    path=path,
                    tag=spec["tags"][0],
                    security=tuple(
                        {scheme: tuple(scopes) for scheme, scopes in requirement.items()}
                        for requirement in spec.get("security", global_security)
                    ),
                    codes_by_status=codes_by_status,
                    kit_codes=frozenset(kit_codes),
                    has_body=spec.get("requestBody") is not None,
                    extensions={key: value for key, value in spec.items() if key.startswith("x-")},
                )

    def _response_codes(self, response: Mapping[str, Any]) -> Iterable[str]:
        yield from response.get("x-error-codes", ())
        if self.error_format.code_at is None:
            return
        schema = response.get("content", {}).get(self.error_format.media_type, {}).get("schema", {})
        nodes: list[Any] = [schema]
        for step in self.error_format.code_at:
            nodes = [part.get("properties", {}).get(step, {}) for part in _all_of(nodes)]
        for node in _all_of(nodes):
            yield from node.get("enum", ())


def _all_of(nodes: Iterable[Any]) -> list[Mapping[str, Any]]:
    """`nodes` with the parts of their `allOf`, at any depth: the schemas a value must satisfy."""
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        if isinstance(node, Mapping):
            found.append(node)
            found.extend(_all_of(node.get("allOf", ())))
    return found


def schema_name(reference: Any) -> str | None:
    """The components schema an `x-` key names: by name, or as `{$ref: '#/components/schemas/Name'}`.

    The `$ref` form lets linters see the schema used (fixtures and target files use it, no operation).
    """
    if isinstance(reference, Mapping):
        reference = reference.get("$ref", "")
        prefix = "#/components/schemas/"
        if not reference.startswith(prefix):
            raise ContractError(f"{reference!r} is not a reference to a components schema")
        return str(reference[len(prefix) :])
    return str(reference) if reference else None


def error_code_for_failure(
    schema: Mapping[str, Any],
    schema_path: Sequence[str | int],
    keyword: str,
    missing_property: str | None = None,
) -> str | None:
    """The code a schema node's `x-error-code` assigns to a failure, None when no node assigns one.

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
    return None


def _code_in(rule: Any, keyword: str) -> str | None:
    if isinstance(rule, str):
        return rule
    if isinstance(rule, Mapping):
        return rule.get(keyword) or rule.get("default")
    return None


def _resolve_refs(
    node: Any, root: dict[str, Any], seen: tuple[str, ...] = (), memo: dict[str, Any] | None = None
) -> Any:
    """`node` with every local `$ref` replaced by its target.

    Each target is resolved once and then shared by every place that refers to it (a contract
    has hundreds of references to a few dozen schemas); the result is read-only.
    """
    memo = {} if memo is None else memo
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ContractError(f"circular $ref {ref}")
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


def load_contract(path: str | Path, name: str | None = None) -> Contract:
    """Read and cache the contract file at `path` (`name` defaults to the file's stem)."""
    # One cache entry per file, however the path is spelt.
    return _load_contract(Path(path).resolve(), name)


@functools.lru_cache(maxsize=16)
def _load_contract(spec_path: Path, name: str | None) -> Contract:
    with spec_path.open(encoding="utf-8") as handle:
        # The C loader, where libyaml is present, saves a noticeable part of start-up.
        raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Contract(raw, spec_path, name)
