"""Request-body validation that answers the code the contract assigns to the failed rule."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import jsonschema_rs
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from starlette.types import Scope

from mock_server.errors import ApiError
from storefront_kit.contract import error_code_for_failure

_MAX_MESSAGE = 300
_STRICT_FORMATS = ("email", "date", "date-time", "uri")


def _strict_format_checker() -> FormatChecker:
    """Formats judged as Schemathesis and the conformance kit judge them (jsonschema-rs).

    The pure-Python defaults are lax (an e-mail only needs an `@`) or silently skipped when an
    optional package is missing, so the mock would accept and echo values its own contract calls
    invalid.
    """
    checker = FormatChecker(formats=[name for name in Draft4Validator.FORMAT_CHECKER.checkers if name not in _STRICT_FORMATS])
    for name in _STRICT_FORMATS:
        validator = jsonschema_rs.Draft4Validator({"type": "string", "format": name}, validate_formats=True)
        checker.checks(name)(lambda value, _v=validator: not isinstance(value, str) or bool(_v.is_valid(value)))
    return checker


FORMAT_CHECKER = _strict_format_checker()
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
    return ApiError(code, _describe(error, field), field)


class ContractBodyValidator(JSONRequestBodyValidator):
    """Connexion's JSON body validator, answering the contract's codes instead of problem+json."""

    @property
    def _validator(self) -> Any:
        return Draft4RequestValidator(self._schema, format_checker=FORMAT_CHECKER)

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return _NO_BODY
        try:
            body = json.loads(raw.decode(self._encoding))
            # `\ud800`-style escapes parse into strings no encoder (hashing, storage) accepts.
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
            raise ApiError("invalidRequest", "The request body is not valid UTF-8 text.") from None
        except (ValueError, RecursionError):
            raise ApiError("invalidRequest", "The request body is not valid JSON.") from None
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _NO_BODY:
            if self._required:
                raise ApiError("invalidRequest", "A JSON request body is required.")
            return None
        error = best_match(self._validator.iter_errors(body))
        if error is not None:
            raise api_error_for(self._schema, error)
        return None


class StrictResponseBodyValidator(JSONResponseBodyValidator):
    """Response validation with the same format rules as request validation."""

    @property
    def validator(self) -> Any:
        return Draft4ResponseValidator(self._schema, format_checker=FORMAT_CHECKER)
