"""The contracts one app serves, and how a request finds the contract and operation it belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from starlette.types import Scope

from storefront_kit.contract import Contract, Operation

ROUTING = "connexion_routing"


class PathCollision(ValueError):
    """Two contracts claim the same path; they cannot be served by one process."""


def path_pattern(template: str) -> re.Pattern[str]:
    """A full path template as a regular expression: each `{parameter}` is one path segment."""
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + r"\Z")


@dataclass(frozen=True, slots=True)
class Route:
    contract: Contract
    operation: Operation
    pattern: re.Pattern[str]


class Mounts:
    """Served contracts, longest base path first (a contract at the root comes last)."""

    def __init__(self, contracts: Sequence[Contract]) -> None:
        self.primary = contracts[0]
        self.contracts = sorted(contracts, key=lambda contract: -len(contract.base_path))
        self._by_base: dict[str, list[Contract]] = {}
        for contract in self.contracts:
            self._by_base.setdefault(contract.base_path, []).append(contract)
        self.routes = [
            Route(contract, operation, path_pattern(contract.base_path + operation.path))
            for contract in self.contracts
            for operation in contract.operations.values()
        ]
        self._check_collisions()

    def __iter__(self) -> Iterator[Contract]:
        return iter(self.contracts)

    def _check_collisions(self) -> None:
        for route in self.routes:
            for other in self.routes:
                if other.contract is route.contract or other.operation.method != route.operation.method:
                    continue
                full = route.contract.base_path + route.operation.path
                # A concrete example of one template that the other's pattern accepts.
                example = re.sub(r"\{[^}/]+\}", "x", full)
                if other.pattern.match(example):
                    raise PathCollision(
                        f"{route.contract.name} and {other.contract.name} both answer "
                        f"{route.operation.method.upper()} {full}; serve them in separate processes"
                    )

    def contract_for(self, scope: Scope) -> tuple[Contract, Operation | None]:
        """The contract a request belongs to and its operation (None for an unknown route)."""
        routing = scope.get("extensions", {}).get(ROUTING)
        if routing and routing.get("operation_id"):
            for contract in self._by_base.get(routing.get("api_base_path") or "", ()):
                operation = contract.operations.get(routing["operation_id"])
                if operation is not None:
                    return contract, operation
        return self.contract_for_path(scope.get("path", "")), None

    def contract_for_path(self, path: str) -> Contract:
        """The contract whose paths `path` falls under (the first served one if none)."""
        for route in self.routes:
            if route.pattern.match(path):
                return route.contract
        for contract in self.contracts:
            if any(path == prefix or path.startswith(prefix + "/") for prefix in contract.path_prefixes):
                return contract
        return self.primary

    def allowed_methods(self, path: str) -> list[str]:
        """`Allow` for a URL path, from the contract that owns it; Starlette answers HEAD wherever GET is."""
        methods = [route.operation.method.upper() for route in self.routes if route.pattern.match(path)]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        return sorted(set(methods), key=["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"].index)
