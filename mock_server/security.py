"""Each contract's security schemes checked by Connexion's own handlers, with the vendor's functions.

A vendor package names one check function per security scheme. Connexion finds such functions
through `x-apikeyInfoFunc`, `x-bearerInfoFunc`, `x-basicInfoFunc` and `x-tokenInfoFunc` in the
scheme; the copy of the contract handed to Connexion gets them. The fast path calls the same
functions with the same arguments (`SchemeCheck`).

Where an operation also admits anonymous callers (an empty security requirement), Connexion lets
a request whose credential was refused through as anonymous. Sending a wrong credential is never
the same as sending none: `RefusedCredentials` answers such a request with the refusal.
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
from urllib.parse import parse_qsl

from connexion.exceptions import OAuthProblem, OAuthResponseProblem, OAuthScopeProblem
from connexion.lifecycle import ConnexionRequest
from connexion.security import (
    NO_VALUE,
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
    OAuthSecurityHandler,
)
from starlette.types import ASGIApp, Receive, Scope, Send

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


# Where a refused credential waits in the request's extensions for `RefusedCredentials`.
REFUSED = "storefront_refused_credential"
# Where Connexion's security puts `user` and `token_info` (`ConnexionRequest.context`).
CONNEXION_CONTEXT = "connexion_context"


def _handler(base: type[Any]) -> type[Any]:
    """Connexion's handler of one kind of scheme, remembering a refusal for `RefusedCredentials`."""

    def get_fn(self: Any, security_scheme: dict[str, Any], required_scopes: list[str]) -> Any:
        verify = base.get_fn(self, security_scheme, required_scopes)
        if verify is None:
            return None

        async def remembering(request: ConnexionRequest) -> Any:
            try:
                result = verify(request)
                while inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                request.scope["extensions"][REFUSED] = exc
                raise
            return result

        return remembering

    # Connexion inspects the check function's signature on every request; it never changes.
    accepts = staticmethod(functools.cache(base._accepts_kwarg))
    return type(base.__name__, (base,), {"get_fn": get_fn, "_accepts_kwarg": accepts})


SECURITY_MAP = {
    "apiKey": _handler(ApiKeySecurityHandler),
    "basic": _handler(BasicSecurityHandler),
    "bearer": _handler(BearerSecurityHandler),
    "oauth2": _handler(OAuthSecurityHandler),
}


class RefusedCredentials:
    """Answers the refusal of a credential that was sent where anonymous callers are admitted too.

    Sits between Connexion's security and validation middleware, so that a refused credential
    answers before any parameter or body rule, as it does where a credential is required.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions", {})
        refused = extensions.pop(REFUSED, None)
        # An anonymous requirement lets the request through with empty token information.
        if refused is not None and extensions.get(CONNEXION_CONTEXT, {}).get("token_info") == {}:
            raise refused
        await self.app(scope, receive, send)


@dataclass(frozen=True, slots=True)
class SchemeCheck:
    """One operation's security, checked as Connexion checks it, for well-formed credentials.

    `credential(scope)` is None where Connexion's handling could differ (no credential, a header
    sent twice, an Authorization header of another form): the fast path then leaves the request to
    Connexion, unless the operation admits anonymous callers and nothing at all was sent
    (`sent_none`).
    """

    kind: str
    location: tuple[str, str] | None  # apiKey: ("header" | "query" | "cookie", name)
    function: Callable[..., Any]
    required_scopes: tuple[str, ...]
    wants_scopes: bool
    wants_request: bool
    anonymous: bool  # the operation's security also has the empty requirement, after this scheme

    def sent_none(self, scope: Scope) -> bool:
        """True when the request carries nothing this scheme would read."""
        if self.kind == "apiKey":
            assert self.location is not None
            where, name = self.location
            if where == "query":
                return not _query_values(scope, name)
            wanted = name.lower().encode("latin-1")
            return where == "header" and all(key != wanted for key, _ in scope["headers"])
        return all(key != b"authorization" for key, _ in scope["headers"])

    def credential(self, scope: Scope) -> tuple[str, ...] | None:
        if self.kind == "apiKey":
            assert self.location is not None
            where, name = self.location
            if where == "header":
                header = _single_header(scope, name.lower().encode("latin-1"))
                return None if header is None else (header.decode("latin-1"),)
            if where == "query":
                values = _query_values(scope, name)
                return (values[0],) if len(values) == 1 and values[0] else None
            return None  # cookie keys: left to Connexion
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
        if token_info is NO_VALUE:  # the check took the credential for none at all
            if self.anonymous:
                return {"user": None, "token_info": {}}
            raise OAuthProblem(detail="No authorization token provided")
        if token_info is None:
            raise OAuthResponseProblem(detail="Provided authorization is not valid")
        if self.kind == "oauth2":
            granted = token_info.get("scope", token_info.get("scopes", ""))
            if not OAuthSecurityHandler.validate_scope(list(self.required_scopes), granted):
                raise OAuthScopeProblem(required_scopes=list(self.required_scopes), token_scopes=granted)
        return {"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info}


def scheme_checks(
    contract: Contract, operation: Operation, functions: Mapping[str, Callable[..., Any]]
) -> tuple[SchemeCheck, ...] | None:
    """The checks of an operation's security alternatives, each of one scheme; the last alternative
    may be the anonymous one after a single scheme. None for any other security."""
    requirements = operation.security
    anonymous = len(requirements) == 2 and not requirements[1]
    schemed = requirements[:1] if anonymous else requirements
    if not schemed or any(len(requirement) != 1 for requirement in schemed):
        return None
    checks = []
    for requirement in schemed:
        ((name, scopes),) = requirement.items()
        scheme = contract.security_schemes()[name]
        kind = _kind(scheme)
        if kind not in _FUNCTION_KEYS:
            return None
        function = functions[name]
        handler = SECURITY_MAP[kind]
        checks.append(
            SchemeCheck(
                kind=kind,
                location=(scheme["in"], scheme["name"]) if kind == "apiKey" else None,
                function=function,
                required_scopes=tuple(scopes),
                wants_scopes=handler._accepts_kwarg(function, "required_scopes"),
                wants_request=handler._accepts_kwarg(function, "request"),
                anonymous=anonymous,
            )
        )
    return tuple(checks)


def _query_values(scope: Scope, name: str) -> list[str]:
    """Every value of a query parameter, as Starlette decodes the query string."""
    query = scope.get("query_string", b"")
    if name.encode("latin-1") not in query and b"%" not in query:
        return []
    return [value for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if key == name]


def _single_header(scope: Scope, name: bytes) -> bytes | None:
    """The header's value when it is sent exactly once, else None."""
    found = None
    for key, value in scope["headers"]:
        if key == name:
            if found is not None:
                return None
            found = value
    return found
