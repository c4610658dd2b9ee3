"""What a client sent, judged against the contract: the operation it calls, its parameters and its body.

The response checks (`conformance.checks`) judge a backend's answers; these judge the requests a
validation proxy sees, with the same validators (`OAS30Validator`, the kit's strict formats) and the
same codecs, so a request is read exactly as the kit and the mock read it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from openapi_schema_validator import OAS30Validator
from starlette.requests import cookie_parser

from conformance.checks import Failure, schema_validator
from storefront_kit.codecs import BodyError, find_codec
from storefront_kit.contract import Contract, Operation

_FORM = "application/x-www-form-urlencoded"
_SHOWN_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class SentRequest:
    """A request as it travelled: the path without its query, header names in lower case."""

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key == lowered), None)


@dataclass(frozen=True, slots=True)
class _Route:
    operation: Operation
    pattern: re.Pattern[str]
    parameters: int  # templated segments: a literal path wins over a template that also matches


_ROUTES: weakref.WeakKeyDictionary[Contract, list[_Route]] = weakref.WeakKeyDictionary()


def _routes(contract: Contract) -> list[_Route]:
    found = _ROUTES.get(contract)
    if found is None:
        found = []
        for operation in contract.operations.values():
            template = contract.base_path + operation.path
            parts = re.split(r"\{([^}/]+)\}", template)
            regex = "".join(
                f"(?P<{_group(part)}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
            )
            found.append(_Route(operation, re.compile(regex + r"\Z"), len(parts) // 2))
        found.sort(key=lambda route: route.parameters)
        _ROUTES[contract] = found
    return found


def _group(name: str) -> str:
    """A parameter name as a regular-expression group name (`p_` and its hex spelling)."""
    return "p_" + name.encode().hex()


def find_operation(contract: Contract, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """The operation a request calls and its path parameters' texts; None when the contract has none."""
    for route in _routes(contract):
        if route.operation.method.upper() != method.upper():
            continue
        match = route.pattern.match(path)
        if match:
            return route.operation, {
                bytes.fromhex(group[2:]).decode(): value for group, value in match.groupdict().items()
            }
    return None


def path_methods(contract: Contract, path: str) -> list[str]:
    """The methods the contract documents for a URL path (none: the path is not the contract's)."""
    return sorted({route.operation.method.upper() for route in _routes(contract) if route.pattern.match(path)})


def _problems(validator: OAS30Validator, value: Any, where: str) -> list[str]:
    found = sorted(validator.iter_errors(value), key=lambda error: list(error.absolute_path))
    return [
        f"{where}{'/' + '/'.join(map(str, error.absolute_path)) if error.absolute_path else ''}: {error.message}"
        for error in found[:_SHOWN_PROBLEMS]
    ]


def _typed(text: str, schema: Mapping[str, Any]) -> Any:
    """A parameter's text as the value its schema types (the text itself when it cannot be one)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _parameter_value(texts: list[str], schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "array":
        items = schema.get("items", {})
        parts = texts if len(texts) > 1 else texts[0].split(",")
        return [_typed(part, items) for part in parts]
    return _typed(texts[-1], schema)


def _sent_parameters(request: SentRequest, path_values: Mapping[str, str]) -> dict[str, dict[str, list[str]]]:
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    # Read as the mock reads them (Starlette's parser): one malformed cookie does not hide the others.
    cookies = {name: [value] for name, value in cookie_parser(request.header("cookie") or "").items()}
    return {
        "path": {name: [value] for name, value in path_values.items()},
        "query": query,
        "header": headers,
        "cookie": cookies,
    }


def _parameter_problems(
    contract: Contract, spec: Mapping[str, Any], sent: Mapping[str, Mapping[str, list[str]]]
) -> list[str]:
    problems: list[str] = []
    for parameter in spec.get("parameters", ()):
        place, name = parameter["in"], parameter["name"]
        texts = sent[place].get(name.lower() if place == "header" else name)
        where = f"the {place} parameter {name}"
        if not texts:
            if parameter.get("required"):
                problems.append(f"{where} is required and missing")
            continue
        schema = parameter.get("schema")
        if schema:
            problems += _problems(schema_validator(contract, schema), _parameter_value(texts, schema), where)
    return problems


def _media_type(request: SentRequest) -> str:
    return (request.header("content-type") or "").split(";", 1)[0].strip().lower()


def _body_problems(contract: Contract, spec: Mapping[str, Any], request: SentRequest) -> list[str]:
    body_spec = spec.get("requestBody")
    if not body_spec:
        return []
    if not request.body:
        return ["the body is required and missing"] if body_spec.get("required") else []
    content = body_spec.get("content", {})
    media_type = _media_type(request)
    if media_type not in content:
        return [
            f"the body is sent as {media_type or 'no media type'}; the contract documents "
            f"{', '.join(content) or 'none'} for it"
        ]
    schema = content[media_type].get("schema")
    document: Any
    if media_type == _FORM:
        fields: dict[str, list[str]] = {}
        for name, text in parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True):
            fields.setdefault(name, []).append(text)
        properties = (schema or {}).get("properties", {})
        document = {name: _parameter_value(texts, properties.get(name, {})) for name, texts in fields.items()}
    else:
        codec = find_codec(media_type)
        if codec is None:
            return []  # a format no codec reads: nothing to judge it by
        charset = re.search(r"charset=\"?([\w.-]+)", request.header("content-type") or "")
        try:
            document = codec.decode(request.body, schema, charset.group(1) if charset else "utf-8")
        except (BodyError, LookupError) as exc:
            return [f"the body cannot be read as {media_type} ({exc})"]
    return _problems(schema_validator(contract, schema), document, "the body") if schema else []


class _Unset:
    """No operation looked up yet (None means looked up and not found)."""


_UNSET = _Unset()


def request_failures(
    contract: Contract, request: SentRequest, found: tuple[Operation, dict[str, str]] | None | _Unset = _UNSET
) -> list[Failure]:
    """Every rule of the contract the request breaks: an operation it does not document, its
    parameters (path, query, header, cookie) or its body breaking their schemas. `found`: the
    request's operation and path values, when the caller has already looked them up."""
    if isinstance(found, _Unset):
        found = find_operation(contract, request.method, request.path)
    if found is None:
        methods = path_methods(contract, request.path)
        if methods:
            message = (
                f"The request {request.method} {request.path} uses a method the contract does not document for "
                f"this path (documented: {', '.join(methods)})"
            )
        else:
            message = f"The request {request.method} {request.path} is not an operation of the contract"
        return [Failure("request_operation_documented", message)]
    operation, path_values = found
    spec = contract.operation_spec(operation.operation_id)
    failures = []
    parameter_problems = _parameter_problems(contract, spec, _sent_parameters(request, path_values))
    if parameter_problems:
        failures.append(
            Failure(
                "request_parameters_match_schema",
                f"The request to {operation.operation_id} breaks its parameters' schemas: "
                + "; ".join(parameter_problems),
                operation_id=operation.operation_id,
            )
        )
    body_problems = _body_problems(contract, spec, request)
    if body_problems:
        failures.append(
            Failure(
                "request_body_matches_schema",
                f"The request to {operation.operation_id} has a body that breaks its schema: "
                + "; ".join(body_problems),
                operation_id=operation.operation_id,
            )
        )
    return failures
