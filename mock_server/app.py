"""Builds the ASGI app: Connexion, the vendor APIs, the controls, middleware and error answers."""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.security import ApiKeySecurityHandler
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.vendors import websale
from mock_server.config import ServerConfig
from mock_server.encoding import OrjsonJsonifier
from mock_server.envelope import Envelopes
from mock_server.fast_path import FastPath
from mock_server.middleware import (
    BodyLimit,
    Cors,
    JsonContentType,
    MockControls,
    RuntimeBinding,
    allowed_methods_lookup,
    session_error_lookup,
)
from mock_server.resolver import TagResolver
from mock_server.runtime import Runtime
from mock_server.validation import (
    CachedParameterValidator,
    ContractBodyValidator,
    StrictResponseBodyValidator,
)
from storefront_kit.contract import Contract, load_contract

CONTROLS_SPEC = Path(__file__).resolve().parent / "controls.yaml"
CONTROLS_BASE_PATH = "/__mock"
CORS_ALLOWED_HEADERS = ("content-type", "x-session", "x-mock-error", "x-mock-delay", "x-mock-token")
CORS_EXPOSED_HEADERS = ("x-session", "retry-after")


def _accept_session(_api_key: str, required_scopes: Any = None) -> dict[str, str]:
    # The vendor's session gate has already checked the session; Connexion only needs the
    # scheme satisfied.
    return {"sub": "session"}


class _SessionSchemeHandler(ApiKeySecurityHandler):
    def _resolve_func(self, security_scheme: Any) -> Any:
        return _accept_session

    # Connexion inspects the check function's signature on every request; it never changes.
    _accepts_kwarg = staticmethod(functools.cache(ApiKeySecurityHandler._accepts_kwarg))


def _api_options(config: ServerConfig) -> dict[str, Any]:
    return {
        "validate_responses": config.validate_responses,
        "strict_validation": False,
        "pythonic_params": True,
        "validator_map": {
            "parameter": CachedParameterValidator,
            "body": MediaTypeDict({"*/*json": ContractBodyValidator}),
            "response": MediaTypeDict({"*/*json": StrictResponseBodyValidator}),
        },
        "security_map": {"apiKey": _SessionSchemeHandler},
        "swagger_ui_options": SwaggerUIOptions(swagger_ui=True),
    }


class MockApp(AsyncApp):
    """Connexion's app behind CORS and, when on, the fast path (`front`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.front: ASGIApp = self.middleware

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.front(scope, receive, send)


def create_app(config: ServerConfig | None = None) -> MockApp:
    """A new mock app with its own state, seeded from the configured fixtures."""
    config = config or ServerConfig()
    shop_contract = websale.contract()
    mounts: dict[str, Contract] = {shop_contract.base_path: shop_contract}
    if config.controls:
        mounts[CONTROLS_BASE_PATH] = load_contract(CONTROLS_SPEC)
    catalog = {code: entry for api in reversed(list(mounts.values())) for code, entry in api.catalog.items()}
    documented = frozenset().union(*(op.error_codes for api in mounts.values() for op in api.operations.values()))
    envelopes = Envelopes(catalog, allowed_methods_lookup(mounts), session_error_lookup(mounts), documented)
    runtime = Runtime(config, shop_contract)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await runtime.ensure_seeded()
        # The app's own objects (the parsed contract, Connexion's routes and validators) live as
        # long as it serves: frozen, they are no longer scanned by every full collection, which
        # otherwise lands as a pause in some request's latency.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await runtime.close()

    app = MockApp(__name__, lifespan=lifespan, jsonifier=OrjsonJsonifier())
    # Outermost first, within Connexion's stack.
    app.add_middleware(
        BodyLimit,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_bytes=config.max_body_bytes or shop_contract.max_body_bytes,
        envelopes=envelopes,
    )
    app.add_middleware(RuntimeBinding, position=MiddlewarePosition.BEFORE_SWAGGER, runtime=runtime)
    app.add_middleware(JsonContentType, position=MiddlewarePosition.BEFORE_SECURITY, contracts=mounts)
    # Forced errors and delays come before any vendor's own checks (added by its mount).
    app.add_middleware(
        MockControls,
        position=MiddlewarePosition.BEFORE_SECURITY,
        contracts=mounts,
        controls_path=CONTROLS_BASE_PATH,
        token=config.controls_token,
        enabled=config.controls,
    )
    websale.mount(app, shop_contract, _api_options(config))
    if config.controls:
        app.add_api(
            copy.deepcopy(mounts[CONTROLS_BASE_PATH].raw),
            base_path=CONTROLS_BASE_PATH,
            resolver=TagResolver("mock_server", mounts[CONTROLS_BASE_PATH]),
            name="controls",
            **_api_options(config),
        )
    envelopes.install(app)
    inner: ASGIApp = app.middleware
    if config.fast_path:
        inner = FastPath(
            inner,
            routes=websale.fast_path_routes(shop_contract),
            runtime=runtime,
            envelopes=envelopes,
            admit=websale.admit,
            validate_responses=config.validate_responses,
            max_body_bytes=config.max_body_bytes or shop_contract.max_body_bytes,
        )
    # CORS wraps both paths, so that preflights and every answer, errors included, carry its headers.
    app.front = Cors(
        inner,
        allow_origins=list(config.cors_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=list(CORS_ALLOWED_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        max_age=600,
    )
    app.runtime = runtime
    return app
