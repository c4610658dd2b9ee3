"""Request and response validation: compiled (jsonschema-rs) first, Python for the answer.

Every body is judged by a jsonschema-rs validator compiled once per schema. Only a body it
refuses goes through the pure-Python validator, which decides and, for requests, names the rule
that failed so the contract's error code can be picked. The compiled schema is a rewrite that is
never laxer than the Python one (see `_compiled_schema`), so the two paths agree on every body.
"""

from __future__ import annotations

import http.cookies as http_cookies
import json
import re
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from starlette.types import Scope

from mock_server.errors import ApiError
from storefront_kit.codecs import XML, BodyError, codec_for
from storefront_kit.contract import error_code_for_failure
from storefront_kit.formats import FORMAT_CHECKER, STRICT_FORMATS

_MAX_MESSAGE = 300

# Keywords whose Draft 4 meaning Connexion's validators change (`writeOnly`) or whose
# regular-expression keys jsonschema-rs would read differently: a schema using one is judged by
# Python alone. `nullable` is rewritten where Connexion's validators read it (`_nullable`).
_PYTHON_ONLY = frozenset({"writeOnly", "x-writeOnly", "patternProperties", "$ref"})
_NULLABLE = ("nullable", "x-nullable")
_SCHEMA_MAPS = ("properties", "definitions", "dependencies")
_SCHEMAS = ("additionalProperties", "additionalItems", "items", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class _NotCompilable(Exception):
    pass


def _python_pattern(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.search(value) is not None


def _python_format(name: str) -> Callable[[str], bool]:
    return lambda value: FORMAT_CHECKER.conforms(value, name)


def _compiled_schema(node: Any, formats: dict[str, Callable[[str], bool]], nullable: bool) -> Any:
    """`node` rewritten for jsonschema-rs so that it judges exactly as the Python validator.

    jsonschema-rs reads `pattern` as an ECMA regular expression, whose classes and anchors differ
    from Python's `re` (a negated whitespace class lets through characters Python calls space),
    so each pattern, and each format other than the strict ones both sides take from
    jsonschema-rs, becomes a custom format that calls the Python check. With `nullable` (Connexion's
    request and response validators), a node marked `nullable` lets null past its `type` and
    `enum`, and nothing else, as Connexion's validators do.
    """
    if not isinstance(node, dict):
        return node
    if not _PYTHON_ONLY.isdisjoint(node):
        raise _NotCompilable
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _compiled_schema(sub, formats, nullable) for name, sub in value.items()}
        elif key in _SCHEMAS:
            out[key] = (
                [_compiled_schema(sub, formats, nullable) for sub in value]
                if isinstance(value, list)
                else _compiled_schema(value, formats, nullable)
            )
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_compiled_schema(sub, formats, nullable) for sub in value]
        elif key != "components" and key not in _NULLABLE:  # components: Connexion attaches them; refs are resolved
            out[key] = value
    if nullable and (node.get("x-nullable") is True or node.get("nullable")):
        _nullable(out)
    checks: list[dict[str, str]] = []
    pattern = out.pop("pattern", None)
    if pattern is not None:
        if not isinstance(pattern, str):
            raise _NotCompilable
        try:
            formats["x-python-pattern:" + pattern] = _python_pattern(pattern)
        except re.error:
            raise _NotCompilable from None
        checks.append({"format": "x-python-pattern:" + pattern})
    name = out.get("format")
    if isinstance(name, str) and name not in STRICT_FORMATS and name in FORMAT_CHECKER.checkers:
        del out["format"]
        formats["x-python-format:" + name] = _python_format(name)
        checks.append({"format": "x-python-format:" + name})
    if checks:
        out["allOf"] = [*out.get("allOf", []), *checks]
    return out


def _nullable(node: dict[str, Any]) -> None:
    """Let null past the node's `type` and `enum` (Connexion's `allow_nullable`)."""
    kind = node.get("type")
    if isinstance(kind, str):
        node["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        node["type"] = [*kind, "null"]
    if isinstance(node.get("enum"), list) and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]


@dataclass(slots=True, weakref_slot=True)
class _Judges:
    """The validators of one schema: the compiled fast path (None: Python only) and Python's."""

    schema: Mapping[str, Any]  # held so that the `id` it is cached under is never reused
    compiled: Any
    python: Any


def _judges(cache: dict[int, _Judges], schema: Mapping[str, Any], python_cls: Any) -> _Judges:
    judges = cache.get(id(schema))
    if judges is None or judges.schema is not schema:
        formats: dict[str, Callable[[str], bool]] = {}
        try:
            compiled = jsonschema_rs.Draft4Validator(
                _compiled_schema(schema, formats, python_cls is not Draft4Validator),
                formats=formats,
                validate_formats=True,
            )
        except (_NotCompilable, ValueError):  # jsonschema-rs refused the schema: Python alone judges
            compiled = None
        judges = _Judges(schema, compiled, python_cls(schema, format_checker=FORMAT_CHECKER))
        cache[id(schema)] = judges
    return judges


def _passes_fast(judges: _Judges, body: Any) -> bool:
    """True when the compiled validator accepts `body`; False means "ask Python"."""
    if judges.compiled is None:
        return False
    try:
        return bool(judges.compiled.is_valid(body))
    except (ValueError, RecursionError):  # values jsonschema-rs cannot take, such as lone surrogates
        return False


class SchemaJudges:
    """One app's validators, each built once per schema object it is asked about.

    Connexion builds a validator object per request and per response; the schemas it hands them
    are the same objects every time, so the compiled validators are kept by schema identity. They
    belong to the app (its `Runtime`): an app dropped takes its validators with it, and building
    many apps in one process keeps no more than the live apps' worth.
    """

    def __init__(self) -> None:
        self.requests: dict[int, _Judges] = {}
        self.responses: dict[int, _Judges] = {}
        self.queries: dict[int, _Judges] = {}
        self.parameters: dict[int, tuple[Mapping[str, Any], Draft4Validator]] = {}

    def __len__(self) -> int:
        return len(self.requests) + len(self.responses) + len(self.queries) + len(self.parameters)

    def request(self, schema: Mapping[str, Any]) -> _Judges:
        return _judges(self.requests, schema, Draft4RequestValidator)

    def response(self, schema: Mapping[str, Any]) -> _Judges:
        return _judges(self.responses, schema, Draft4ResponseValidator)

    def parameter(self, param: Mapping[str, Any]) -> Draft4Validator:
        """The validator of one parameter definition (Connexion's own builds one from a deep copy
        of the definition for every parameter of every request)."""
        entry = self.parameters.get(id(param))
        if entry is None or entry[0] is not param:
            entry = (param, Draft4Validator(param.get("schema", param), format_checker=FORMAT_CHECKER))
            self.parameters[id(param)] = entry
        return entry[1]

    # The fast path's (`mock_server.fast_path`) and the security checks' verdicts.

    def request_body_passes(self, schema: Mapping[str, Any], body: Any) -> bool:
        """True when the compiled validator accepts `body`; False leaves the verdict to Connexion."""
        return _passes_fast(self.request(schema), body)

    def parameter_passes(self, schema: Mapping[str, Any], value: Any) -> bool:
        """True when the compiled validator accepts a parameter's converted value."""
        return _passes_fast(_judges(self.queries, schema, Draft4Validator), value)

    def response_body_passes(self, schema: Mapping[str, Any], body: Any) -> bool:
        """The response validator's verdict on `body`: compiled first, Python when that refuses."""
        judges = self.response(schema)
        return _passes_fast(judges, body) or judges.python.is_valid(body)

    def validator_map(self) -> dict[str, Any]:
        """Connexion's `validator_map` with validators that keep their compiled forms here."""
        bound = {"judges": self}

        def bind(cls: type) -> type:
            return type(cls.__name__, (cls,), bound)

        return {
            "parameter": bind(CachedParameterValidator),
            "body": MediaTypeDict(
                {
                    "*/*json": bind(ContractBodyValidator),
                    "*/*xml": bind(ContractXmlBodyValidator),
                    "application/x-www-form-urlencoded": ContractFormValidator,
                    "multipart/form-data": ContractMultiPartValidator,
                }
            ),
            "response": MediaTypeDict(
                {"*/*json": bind(StrictResponseBodyValidator), "*/*xml": bind(StrictXmlResponseValidator)}
            ),
        }


# An absent body (no bytes), told apart from JSON `null` and from whitespace, which are refused.
_NO_BODY = object()


def _missing_property(error: ValidationError) -> str | None:
    if error.validator != "required" or not isinstance(error.instance, Mapping):
        return None
    return next((name for name in error.validator_value if name not in error.instance), None)


def _extra_property(error: ValidationError) -> str | None:
    if error.validator != "additionalProperties" or not isinstance(error.instance, Mapping):
        return None
    known = error.schema.get("properties", {})
    return next((str(name) for name in error.instance if name not in known), None)


def _describe(error: ValidationError, field: str | None) -> str:
    # Never echo the value: it may be a password.
    subject = field or "request body"
    keyword, expected = error.validator, error.validator_value
    if keyword == "required":
        text = "is required"
    elif keyword == "additionalProperties":
        text = "is not a known field"
    elif keyword == "type":
        text = f"must be of type {expected}"
    elif keyword == "minProperties":
        text = "must not be empty"
    else:
        text = f"does not satisfy {keyword} {json.dumps(expected)}"
    description = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    if keyword in ("pattern", "minLength", "maxLength", "format") and description:
        text += f" ({description.strip()})"
    return f"{subject}: {text}."[:_MAX_MESSAGE]


def api_error_for(schema: Mapping[str, Any], error: ValidationError) -> ApiError:
    """The contract's answer to one JSON-Schema failure, with `field` as a dotted path."""
    missing = _missing_property(error)
    path = [str(part) for part in error.absolute_path]
    leaf = missing or _extra_property(error)
    field = ".".join([*path, leaf] if leaf else path) or None
    code = error_code_for_failure(schema, list(error.absolute_schema_path), str(error.validator), missing)
    if code is None:
        return ApiError(None, _describe(error, field), field, failure="badRequest", rule="schema")
    return ApiError(code, _describe(error, field), field, rule="schema")


def parse_body(
    raw: bytes, media_type: str = "application/json", schema: Mapping[str, Any] | None = None, encoding: str = "utf-8"
) -> Any:
    """A request body's value, or the contract's answer to bytes that are not a document of `media_type`."""
    try:
        return codec_for(media_type).decode(raw, schema, encoding=encoding)
    except BodyError as exc:
        raise ApiError.of(exc.failure, str(exc)) from None


class ContractBodyValidator(JSONRequestBodyValidator):
    """Connexion's JSON body validator, answering the contract's codes instead of problem+json.

    Served through `SchemaJudges.validator_map`, which binds `judges` to the app's.
    """

    judges: SchemaJudges

    @property
    def _validator(self) -> Any:
        return self.judges.request(self._schema).python

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        return parse_body(raw, encoding=self._encoding) if raw else _NO_BODY

    _kind = "JSON"

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _NO_BODY:
            if self._required:
                raise ApiError.of("badRequest", f"A {self._kind} request body is required.")
            return None
        judges = self.judges.request(self._schema)
        if _passes_fast(judges, body):
            return None
        error = best_match(judges.python.iter_errors(body))
        if error is not None:
            raise api_error_for(self._schema, error)
        return None


class ContractXmlBodyValidator(ContractBodyValidator):
    """The same judgement of an XML body, read into a value by the schema's `xml` objects."""

    _kind = "XML"

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        return parse_body(raw, XML.media_type, self._schema) if raw else _NO_BODY


class ContractFormValidator(FormDataValidator):
    """Connexion's form validator, answering the contract's codes and logging no submitted value."""

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict):
            raise ApiError.of("badRequest", "The form could not be read.")
        error = best_match(self._validator.iter_errors(body))
        if error is not None:
            raise api_error_for(self._schema, error)
        return None


class ContractMultiPartValidator(MultiPartFormDataValidator):
    """The same for multipart forms."""

    _validate = ContractFormValidator._validate


class StrictResponseBodyValidator(JSONResponseBodyValidator):
    """Response validation with the same format rules as request validation."""

    judges: SchemaJudges

    @property
    def validator(self) -> Any:
        return self.judges.response(self._schema).python

    def _validate(self, body: Any) -> None:
        if _passes_fast(self.judges.response(self._schema), body):
            return
        super()._validate(body)


class StrictXmlResponseValidator(StrictResponseBodyValidator):
    """The same for XML answers, read by the answer schema's `xml` objects."""

    def _parse(self, stream: Any) -> Any:
        raw = b"".join(stream)
        if not raw:
            return None
        try:
            return XML.decode(raw, self._schema)
        except BodyError as exc:
            raise NonConformingResponseBody(str(exc)) from None


def cookie_values(header: str | None, name: str) -> list[str]:
    """Every value of the cookie `name` in a Cookie header, in the order sent.

    Split and unquoted as Starlette's `cookie_parser` does; that parser keeps only the last value,
    which is the one handlers read.
    """
    if header is None:
        return []
    values = []
    for chunk in header.split(";"):
        key, separator, value = chunk.partition("=")
        if separator and key.strip() == name:
            values.append(http_cookies._unquote(value.strip()))
    return values


class CachedParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validation, with each parameter's validator built once (in `judges`).

    A cookie sent twice under one name has each of its values checked: a client that sends an
    invalid value is refused whichever value a parser keeps.
    """

    def validate_cookie_parameter(self, param: Mapping[str, Any], request: Any) -> str | None:
        for value in cookie_values(request.headers.get("cookie"), param["name"]):
            error = self.validate_parameter("cookie", value, param)
            if error is not None:
                return error
        return super().validate_cookie_parameter(param, request)  # type: ignore[no-any-return]

    judges: SchemaJudges

    @classmethod
    def validate_parameter(
        cls, parameter_type: str, value: Any, param: Mapping[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            try:
                cls.judges.parameter(param).validate(value)
            except ValidationError as exception:
                return f"{param['name']}: {exception.message}."
            return None
        if param.get("required"):
            return f"{param['name']}: the {parameter_type} parameter is required."
        return None

    def validate_request(self, request: Any) -> None:
        """Connexion's checks in Connexion's order; a refused parameter is named, also as `field`."""
        if self.strict_validation:
            super().validate_request(request)
            return
        checks = {
            "query": self.validate_query_parameter,
            "path": self.validate_path_parameter,
            "header": self.validate_header_parameter,
            "cookie": self.validate_cookie_parameter,
        }
        for location, check in checks.items():
            for param in self.parameters.get(location, []):
                error = check(param, request)
                if error:
                    raise ApiError(None, error, param["name"], failure="badRequest", rule=f"{location} parameter")
