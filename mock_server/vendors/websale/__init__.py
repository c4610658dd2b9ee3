"""WEBSALE's Storefront API (session and customer account): contract, handlers, domain.

Another vendor's API slots in the same way: its own contract file and a package with
`handlers/`, `domain/` and a `mount` function like this one.
"""

from __future__ import annotations

import copy
from typing import Any

from connexion.decorators.parameter import pythonic
from connexion.middleware import MiddlewarePosition

from mock_server.fast_path import FastRoute, fast_routes
from mock_server.resolver import TagResolver
from mock_server.vendors.websale.gate import SessionGate, admit
from storefront_kit.contract import DEFAULT_SPEC_PATH, Contract, load_contract

HANDLERS = "mock_server.vendors.websale.handlers"

__all__ = ["admit", "contract", "fast_path_routes", "mount"]


def contract() -> Contract:
    return load_contract(DEFAULT_SPEC_PATH)


def mount(app: Any, api_contract: Contract, api_options: dict[str, Any]) -> None:
    """Serve the contract at its base path, with the session checks its operations need."""
    # The parsed contract is handed over as a copy: Connexion would parse the YAML again.
    app.add_api(
        copy.deepcopy(api_contract.raw),
        base_path=api_contract.base_path,
        resolver=TagResolver(HANDLERS, api_contract),
        name="websale",
        **api_options,
    )
    app.add_middleware(SessionGate, position=MiddlewarePosition.BEFORE_SECURITY, contract=api_contract)


def fast_path_routes(api_contract: Contract) -> dict[tuple[str, str], FastRoute]:
    """The operations the fast path answers, with the handlers Connexion would call."""
    # `pythonic` is the argument naming Connexion applies with `pythonic_params`.
    return fast_routes(api_contract, TagResolver(HANDLERS, api_contract).function, pythonic)
