"""Session checks for WEBSALE operations, run after routing and before body validation.

Running here makes a missing, unknown or expired `x-session` (and an anonymous session where an
account is needed) answer 401 even when the body is also wrong.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.context import current_runtime
from mock_server.envelope import ROUTING, session_refused
from mock_server.middleware import client_address, header
from mock_server.vendors.websale.context import bind_visit
from storefront_kit.contract import SESSION_ERROR_CODE, Contract, Operation

SESSION_HEADER = b"x-session"


async def admit(operation: Operation, scope: Scope) -> None:
    """Bind the request's session for the handler, or raise the operation's session error."""
    shop = current_runtime().shop
    if not operation.requires_session:
        bind_visit(None)
        return
    visit = await shop.sessions.open(header(scope, SESSION_HEADER), client_address(scope))
    if visit is None:
        raise session_refused(operation.session_error_code or SESSION_ERROR_CODE)
    if operation.requires_login:
        # Read once here, for the 401 to come before any 400, and handed on to the handler.
        visit = visit.with_account(await shop.records.current(visit))
    bind_visit(visit)


class SessionGate:
    def __init__(self, app: ASGIApp, *, contract: Contract) -> None:
        self.app = app
        self.contract = contract
        self.base_path = contract.base_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get(ROUTING, {}) if scope["type"] == "http" else {}
        operation = self.contract.operations.get(routing.get("operation_id") or "")
        if operation is not None and routing.get("api_base_path") == self.base_path:
            await admit(operation, scope)
        await self.app(scope, receive, send)
