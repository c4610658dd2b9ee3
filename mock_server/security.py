"""Each contract's security schemes checked by Connexion's own handlers, with the vendor's functions.

A vendor package names one check function per security scheme. Connexion finds such functions
through `x-apikeyInfoFunc`, `x-bearerInfoFunc`, `x-basicInfoFunc` and `x-tokenInfoFunc` in the
scheme; the copy of the contract handed to Connexion gets them. The fast path calls the same
functions with the same arguments (`SchemeCheck`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connexion.exceptions import OAuthResponseProblem, OAuthScopeProblem
from connexion.lifecycle import ConnexionRequest
from connexion.security import (
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
    OAuthSecurityHandler,
)
from starlette.types import Scope

from storefront_kit.contract import Contract, Operation


def _kind(scheme: Mapping[str, Any]) -> str:
    """`apiKey`, `basic`, `bearer` or `oauth2`: which of Connexion's handlers checks the scheme."""
    if scheme["type"] == "http":
        return str(scheme["scheme"]).lower()
    return str(scheme["type"])


_FUNCTION_KEYS = {
    "apiKey": "x-apikeyInfoFunc",
    "basic": "x-basicInfoFunc",
    "bearer": "x-bearerInfoFunc",
    "oauth2": "x-tokenInfoFunc",
}


def _dotted(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def with_check_functions(contract: Contract, functions: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """A copy of the contract for Connexion, each security scheme naming its vendor check function."""
    raw = copy.deepcopy(contract.raw)
    schemes = raw.get("components", {}).get("securitySchemes", {})
    missing = sorted(set(schemes) - set(functions))
    if missing:
        raise ValueError(f"{contract.name}: no check function for the security scheme(s) {', '.join(missing)}")
    for name, scheme in schemes.items():
        scheme[_FUNCTION_KEYS[_kind(scheme)]] = _dotted(functions[name])
    return raw


def _cached_signatures(handler: type[Any]) -> type[Any]:
    # Connexion inspects the check function's signature on every request; it never changes.
    return type(handler.__name__, (handler,), {"_accepts_kwarg": staticmethod(functools.cache(handler._accepts_kwarg))})


SECURITY_MAP = {
    "apiKey": _cached_signatures(ApiKeySecurityHandler),
    "basic": _cached_signatures(BasicSecurityHandler),
    "bearer": _cached_signatures(BearerSecurityHandler),
    "oauth2": _cached_signatures(OAuthSecurityHandler),
}


@dataclass(frozen=True, slots=True)
class SchemeCheck:
    """One operation's security, checked as Connexion checks it, for well-formed credentials.

    `credential(scope)` is None where Connexion's handling could differ (no credential, a header
    sent twice, an Authorization header of another form): the fast path then leaves the request to
    Connexion.
    """

    kind: str
    location: tuple[str, str] | None  # apiKey: ("header" | "query", name)
    function: Callable[..., Any]
    required_scopes: tuple[str, ...]
    wants_scopes: bool
    wants_request: bool

    def credential(self, scope: Scope) -> tuple[str, ...] | None:
        if self.kind == "apiKey":
            assert self.location is not None
            where, name = self.location
            if where == "header":
                value = _single_header(scope, name.lower().encode("latin-1"))
                return None if value is None else (value.decode("latin-1"),)
            return None  # query and cookie keys: left to Connexion
        authorization = _single_header(scope, b"authorization")
        if authorization is None:
            return None
        kind, _, value = authorization.decode("latin-1").partition(" ")
        if not value or value != value.strip() or " " in value:
            return None
        if self.kind == "basic":
            if kind.lower() != "basic":
                return None
            try:
                user, separator, password = base64.b64decode(value, validate=True).decode("latin1").partition(":")
            except (binascii.Error, ValueError):
                return None
            return (user, password) if separator else None
        return (value,) if kind.lower() == "bearer" else None

    async def check(self, scope: Scope, credential: tuple[str, ...]) -> dict[str, Any]:
        """What Connexion puts in the request context (`user`, `token_info`), or its refusal."""
        kwargs: dict[str, Any] = {}
        if self.wants_scopes:
            kwargs["required_scopes"] = list(self.required_scopes)
        if self.wants_request:
            kwargs["request"] = ConnexionRequest(scope)
        token_info = self.function(*credential, **kwargs)
        while inspect.isawaitable(token_info):
            token_info = await token_info
        if token_info is None:
            raise OAuthResponseProblem(detail="Provided authorization is not valid")
        if self.kind == "oauth2":
            granted = token_info.get("scope", token_info.get("scopes", ""))
            if not OAuthSecurityHandler.validate_scope(list(self.required_scopes), granted):
                raise OAuthScopeProblem(required_scopes=list(self.required_scopes), token_scopes=granted)
        return {"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info}


def scheme_check(contract: Contract, operation: Operation, functions: Mapping[str, Callable[..., Any]]) -> SchemeCheck | None:
    """The check of an operation secured by exactly one scheme; None for any other security."""
    if len(operation.security) != 1 or len(operation.security[0]) != 1:
        return None
    ((name, scopes),) = operation.security[0].items()
    scheme = contract.security_schemes()[name]
    kind = _kind(scheme)
    if kind not in _FUNCTION_KEYS:
        return None
    function = functions[name]
    handler = SECURITY_MAP[kind]
    return SchemeCheck(
        kind=kind,
        location=(scheme["in"], scheme["name"]) if kind == "apiKey" else None,
        function=function,
        required_scopes=tuple(scopes),
        wants_scopes=handler._accepts_kwarg(function, "required_scopes"),
        wants_request=handler._accepts_kwarg(function, "request"),
    )


def _single_header(scope: Scope, name: bytes) -> bytes | None:
    """The header's value when it is sent exactly once, else None."""
    found = None
    for key, value in scope["headers"]:
        if key == name:
            if found is not None:
                return None
            found = value
    return found
