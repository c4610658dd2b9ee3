"""Sticky faults: the next N calls of an operation answer an error or wait (`/__mock/faults`).

Kept in the store, so that every worker sharing it counts down the same faults. While none is set,
requests do not read the store: a worker alone with its store knows when one is added, workers
sharing a store look again at most `REFRESH_SECONDS` after they last found none, and adding a fault
answers only once that long has passed (as the clock's moves do). While faults are set, each
request reads them, and its operation's fault is taken atomically. A request that sends
`X-Mock-Error` or `X-Mock-Delay` is steered by those and leaves the faults.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.clock import REFRESH_SECONDS
from mock_server.envelope import Envelopes
from mock_server.errors import ApiError
from mock_server.middleware import forced_error, send_answer
from mock_server.mounts import ROUTING, Mounts, Route
from mock_server.store import Store, StoreUnavailable
from storefront_kit.contract import Contract

FAULTS_KEY = "mock:faults"
MAX_FAULTS = 100


class Faults:
    """The faults set, in the store; every change is one atomic update."""

    def __init__(self, store: Store, *, shared: bool, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._shared = shared
        self._monotonic = monotonic
        # When the store was last found without faults (monotonic); None: there may be some.
        self._none_since: float | None = None

    async def active(self) -> list[dict[str, Any]]:
        return list(await self.store.get(FAULTS_KEY) or [])

    async def pending(self) -> list[dict[str, Any]] | None:
        """The faults set, for a request; None without reading the store when none can be set."""
        now = self._monotonic()
        if self._none_since is not None and (not self._shared or now - self._none_since < REFRESH_SECONDS):
            return None
        try:
            found: list[dict[str, Any]] | None = await self.store.get(FAULTS_KEY)
        except StoreUnavailable:
            return None  # the request itself meets the outage, or does not need the store
        self._none_since = None if found else now
        return found

    async def add(
        self, contract: str, operation_id: str, error: str | None, delay_ms: int | None, times: int
    ) -> dict[str, Any]:
        """Set a fault; the caller has checked it against the contract (`check`)."""
        fault = {
            "id": secrets.token_hex(6),
            "contract": contract,
            "operationId": operation_id,
            "error": error,
            "delayMs": delay_ms or 0,
            "times": times,
            "remaining": times,
        }

        def adding(faults: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], None]:
            faults = list(faults or [])
            if len(faults) >= MAX_FAULTS:
                raise ApiError.of("badRequest", f"At most {MAX_FAULTS} faults can be set; remove some first.")
            return [*faults, fault], None

        await self.store.update(FAULTS_KEY, adding)
        self._none_since = None
        if self._shared:
            await asyncio.sleep(REFRESH_SECONDS + 0.01)  # until every worker looks again
        return fault

    def check(self, contract: Contract, body: Mapping[str, Any]) -> tuple[str, str | None, int | None, int]:
        """The operation, error, delay and count of a new fault, or the contract's answer to a bad one."""
        operation_id = str(body["operationId"])
        operation = contract.operations.get(operation_id)
        if operation is None:
            raise ApiError.of(
                "badRequest",
                f"{contract.name} has no operation {operation_id[:200]!r}; it has {', '.join(contract.operations)}.",
                "operationId",
            )
        error, delay = body.get("error"), body.get("delayMs")
        if error is None and delay is None:
            raise ApiError.of("badRequest", "Name an error, a delayMs, or both.", "error")
        if error is not None and error not in operation.error_codes:
            documented = ", ".join(sorted(operation.error_codes)) or "none"
            raise ApiError.of(
                "badRequest",
                f"{operation_id} does not document the error {str(error)[:200]!r} (documented: {documented}).",
                "error",
            )
        return operation_id, error, delay, int(body.get("times", 1))

    async def remove(self, fault_id: str | None = None) -> int:
        """Remove one fault (by id) or all of them; how many were removed."""

        def removing(faults: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]] | None, int]:
            faults = list(faults or [])
            kept = [fault for fault in faults if fault_id is not None and fault["id"] != fault_id]
            return kept or None, len(faults) - len(kept)

        removed: int = await self.store.update(FAULTS_KEY, removing)
        return removed

    async def take(self, contract: str, operation_id: str) -> dict[str, Any] | None:
        """Count one call against the oldest fault of the operation; the fault, or None when none is set."""

        def taking(faults: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
            faults = list(faults or [])
            for index, fault in enumerate(faults):
                if fault["contract"] == contract and fault["operationId"] == operation_id:
                    left = {**fault, "remaining": fault["remaining"] - 1}
                    rest = faults[:index] + ([left] if left["remaining"] > 0 else []) + faults[index + 1 :]
                    return rest or None, fault
            return faults or None, None

        taken: dict[str, Any] | None = await self.store.update(FAULTS_KEY, taking)
        return taken


class FaultInjection:
    """Pure ASGI middleware in front of both paths: applies the faults set to the calls they name."""

    def __init__(self, app: ASGIApp, *, faults: Faults, mounts: Mounts, envelopes: Envelopes) -> None:
        self.app = app
        self.faults = faults
        self.mounts = mounts
        self.envelopes = envelopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        active = await self.faults.pending()
        if not active or any(name.startswith(b"x-mock-") and name != b"x-mock-token" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        route = self._route(scope["method"], scope["path"])
        wanted = route is not None and any(
            fault["contract"] == route.contract.name and fault["operationId"] == route.operation.operation_id
            for fault in active
        )
        fault = await self.faults.take(route.contract.name, route.operation.operation_id) if route and wanted else None
        if route is None or fault is None:
            await self.app(scope, receive, send)
            return
        if fault["delayMs"]:
            await asyncio.sleep(fault["delayMs"] / 1000)
        if fault["error"] is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("extensions", {})[ROUTING] = {
            "api_base_path": route.contract.base_path,
            "operation_id": route.operation.operation_id,
        }
        error = forced_error(route.contract, fault["error"], f"the fault {fault['id']} of /__mock/faults")
        await send_answer(send, *self.envelopes.answer(error, scope))

    def _route(self, method: str, path: str) -> Route | None:
        """The operation a request is for; a path without parameters wins over a template that also matches."""
        found = [
            route
            for route in self.mounts.routes
            if route.operation.method.upper() == method and route.pattern.match(path)
        ]
        found.sort(key=lambda route: route.operation.path.count("{"))
        return found[0] if found else None
