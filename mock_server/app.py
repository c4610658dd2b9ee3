"""Builds the ASGI app: Connexion, the served contracts, the controls, middleware and error answers."""

from __future__ import annotations

import contextlib
import copy
import re
import warnings
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

# Connexion 3.3 imports starlette.testclient for its own test_client(), which the mock never uses;
# Starlette warns there about the httpx that the project depends on for other reasons.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

from connexion import AsyncApp  # noqa: E402
from connexion.decorators.parameter import pythonic
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.config import ServerConfig
from mock_server.encoding import CodecJsonifier
from mock_server.envelope import Envelopes
from mock_server.fast_path import FastPath, FastRoute, fast_routes
from mock_server.faults import FaultInjection
from mock_server.middleware import (
    BodyLimit,
    ContentTypes,
    Cors,
    MockControls,
    RuntimeBinding,
)
from mock_server.mounts import Mounts
from mock_server.recorder import Recorder
from mock_server.resolver import TagResolver
from mock_server.runtime import Runtime
from mock_server.security import SECURITY_MAP, RefusedCredentials, with_check_functions
from mock_server.validation import SchemaJudges
from mock_server.vendor import MockVendor
from storefront_kit import registry
from storefront_kit.contract import Contract, load_contract
from storefront_kit.dashboard import Dashboard, served
from storefront_kit.journal import Masker

CONTROLS_SPEC = Path(__file__).resolve().parent / "controls.yaml"
CONTROLS_HANDLERS = "mock_server"
MOCK_HEADERS = ("x-mock-error", "x-mock-delay", "x-mock-token")


def _api_options(config: ServerConfig, judges: SchemaJudges) -> dict[str, Any]:
    return {
        "validate_responses": config.validate_responses,
        "strict_validation": False,
        "pythonic_params": True,
        "validator_map": judges.validator_map(),
        "security_map": SECURITY_MAP,
        "swagger_ui_options": SwaggerUIOptions(swagger_ui=True),
    }


class MockApp(AsyncApp):
    """Connexion's app behind CORS and, when on, the fast path (`front`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.front: ASGIApp = self.middleware
        self.runtime: Runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "extensions" not in scope:
            # Connexion's router records the operation in the request's extensions, on a shallow
            # copy of the scope: one shared dict makes it visible to the error handlers outside it.
            scope = {**scope, "extensions": {}}
        await self.front(scope, receive, send)


def _route_paths_with_line_breaks(app: AsyncApp) -> None:
    """Let Connexion's mounts take a path whose parameter holds an encoded line break (`%0A`).

    A Starlette mount matches the rest of the path with `.*`, which stops at a line break: such a
    request reached no operation (a generic 404) instead of its operation's own validation.
    """
    middleware: Any = app.middleware
    if middleware.middleware_stack is None:
        middleware.app, middleware.middleware_stack = middleware._build_middleware_stack()
    for layer in middleware.middleware_stack:
        for route in getattr(getattr(layer, "router", None), "routes", ()):
            if isinstance(route, Mount):
                route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)


def create_app(config: ServerConfig | None = None, *, on_ready: Callable[[], None] | None = None) -> MockApp:
    """A new mock app with its own state, seeded from the configured fixtures.

    `on_ready` runs once the store is seeded, before the first request is served.
    """
    config = config or ServerConfig()
    vendors: dict[str, tuple[MockVendor, Contract]] = {
        name: (registry.mock_vendor(name), registry.contract(name)) for name in config.contracts
    }
    controls = load_contract(CONTROLS_SPEC, "controls") if config.controls else None
    mounts = Mounts([contract for _, contract in vendors.values()] + ([controls] if controls else []))
    envelopes = Envelopes(mounts)
    runtime = Runtime(config, vendors)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await runtime.ensure_seeded()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await runtime.close()

    app = MockApp(__name__, lifespan=lifespan, jsonifier=CodecJsonifier())
    # Outermost first, within Connexion's stack.
    app.add_middleware(
        BodyLimit,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_bytes=config.max_body_bytes,
        mounts=mounts,
        envelopes=envelopes,
    )
    app.add_middleware(RuntimeBinding, position=MiddlewarePosition.BEFORE_SWAGGER, runtime=runtime)
    app.add_middleware(ContentTypes, position=MiddlewarePosition.BEFORE_SECURITY, mounts=mounts)
    app.add_middleware(RefusedCredentials, position=MiddlewarePosition.BEFORE_VALIDATION)
    # Forced errors and delays come before any contract's own checks.
    app.add_middleware(
        MockControls,
        position=MiddlewarePosition.BEFORE_SECURITY,
        mounts=mounts,
        controls=controls,
        token=config.controls_token,
    )
    # Longest base path first: a contract served at the root would otherwise take every path.
    for contract in mounts:
        if contract is controls:
            app.add_api(
                copy.deepcopy(contract.raw),
                base_path=contract.base_path,
                resolver=TagResolver(CONTROLS_HANDLERS, contract),
                name="controls",
                **_api_options(config, runtime.judges),
            )
            continue
        vendor, _ = vendors[contract.name]
        app.add_api(
            with_check_functions(contract, vendor.security),
            base_path=contract.base_path,
            resolver=TagResolver(vendor.handlers, contract),
            name=contract.name,
            **_api_options(config, runtime.judges),
        )
    envelopes.install(app)
    _route_paths_with_line_breaks(app)
    inner: ASGIApp = app.middleware
    if config.fast_path:
        routes: list[FastRoute] = []
        for vendor, contract in vendors.values():
            # `pythonic` is the argument naming Connexion applies with `pythonic_params`.
            routes += fast_routes(
                contract, TagResolver(vendor.handlers, contract).function, pythonic, vendor.security, runtime.judges
            )
        inner = FastPath(
            inner,
            routes=routes,
            runtime=runtime,
            envelopes=envelopes,
            validate_responses=config.validate_responses,
            max_body_bytes=config.max_body_bytes,
        )
    if controls is not None:
        # Before both paths: a call a fault answers is neither validated nor run.
        inner = FaultInjection(inner, faults=runtime.faults, mounts=mounts, envelopes=envelopes)
        if config.journal:
            inner = Recorder(
                inner,
                journal=runtime.journal,
                mounts=mounts,
                maskers={contract.name: Masker.for_contract(contract) for _, contract in vendors.values()},
                skip_prefix=controls.base_path,
            )
        inner = Dashboard(
            inner,
            contracts=[served(contract) for _, contract in vendors.values()],
            controls_path=controls.base_path,
            # A contract that answers `/` itself keeps it.
            redirect_root=not any(route.pattern.match("/") for route in mounts.routes),
        )
    # CORS wraps both paths, so that preflights and every answer, errors included, carry its headers.
    contracts = list(mounts)  # the controls too: a browser may steer the mock
    app.front = Cors(
        inner,
        allow_origins=list(config.cors_origins),
        allow_methods=sorted(
            {op.method.upper() for contract in contracts for op in contract.operations.values()} | {"OPTIONS"}
        ),
        allow_headers=sorted(set(_request_headers(contracts)) | {"content-type", *MOCK_HEADERS}),
        expose_headers=sorted(set(_exposed_headers(contracts)) | {"x-mock-refused"}),
        # A browser sends a contract's session cookie cross-origin only to a server that allows it.
        allow_credentials=any(_takes_cookies(contract) for contract in contracts),
        max_age=600,
    )
    app.runtime = runtime
    return app


def _request_headers(contracts: Iterable[Contract]) -> Iterable[str]:
    """Headers a browser client of these contracts sends: credentials and header parameters."""
    for contract in contracts:
        for scheme in contract.security_schemes().values():
            if scheme["type"] == "apiKey" and scheme["in"] == "header":
                yield scheme["name"].lower()
            elif scheme["type"] in ("http", "oauth2", "openIdConnect"):
                yield "authorization"
        for operation in contract.operations.values():
            for parameter in contract.operation_spec(operation.operation_id).get("parameters", ()):
                if parameter["in"] == "header":
                    yield parameter["name"].lower()


def _takes_cookies(contract: Contract) -> bool:
    """True when a contract names a cookie: a cookie parameter or an API key sent as a cookie."""
    if any(scheme.get("in") == "cookie" for scheme in contract.security_schemes().values()):
        return True
    return any(
        parameter["in"] == "cookie"
        for operation in contract.operations.values()
        for parameter in contract.operation_spec(operation.operation_id).get("parameters", ())
    )


def _exposed_headers(contracts: Iterable[Contract]) -> Iterable[str]:
    """Headers a browser client must be able to read: documented response headers and credentials."""
    for contract in contracts:
        for scheme in contract.security_schemes().values():
            if scheme["type"] == "apiKey" and scheme["in"] == "header":
                yield scheme["name"].lower()
        for operation in contract.operations.values():
            for response in contract.operation_spec(operation.operation_id)["responses"].values():
                yield from (name.lower() for name in response.get("headers", {}))
