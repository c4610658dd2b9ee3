"""Storefront sessions: creation, idle expiry, login state, and hand-over links."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mock_server.common.settings import Settings
from mock_server.errors import ApiError
from mock_server.store import Store

SESSION_PREFIX = "websale:session:"
HANDOVER_PREFIX = "websale:handover:"
HANDOVER_TTL_SECONDS = 300
_SESSION_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Visit:
    """One request's view of its session."""

    session_id: str
    account_id: str | None
    client: str
    # The logged-in account, once read for this request (see `AccountRecords.current`).
    account: dict[str, Any] | None = None

    def with_account(self, account: dict[str, Any]) -> Visit:
        return Visit(self.session_id, self.account_id, self.client, account)


class Sessions:
    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings

    async def create(self) -> dict[str, str]:
        session_id = secrets.token_hex(32)
        idle = (await self._settings.get())["sessionIdleSeconds"]
        await self._store.put(SESSION_PREFIX + session_id, {"accountId": None}, idle)
        return {"id": session_id}

    async def open(self, session_id: str | None, client: str) -> Visit | None:
        """The live session named by `session_id`, its idle time restarted; None if there is none."""
        if not session_id or not _SESSION_ID.fullmatch(session_id):
            return None
        record = await self._store.get(SESSION_PREFIX + session_id)
        if record is None:
            return None
        idle = (await self._settings.get())["sessionIdleSeconds"]
        await self._store.touch(SESSION_PREFIX + session_id, idle)
        return Visit(session_id, record.get("accountId"), client)

    async def set_account(self, visit: Visit, account_id: str | None) -> None:
        idle = (await self._settings.get())["sessionIdleSeconds"]

        def assign(record: Any) -> tuple[Any, None]:
            # A session that expired meanwhile stays gone.
            return (None if record is None else {**record, "accountId": account_id}), None

        await self._store.update(SESSION_PREFIX + visit.session_id, assign, idle)

    async def prepare_redirect(self, visit: Visit, view_identifier: str, parameters: dict[str, str]) -> dict[str, str]:
        settings = await self._settings.get()
        target = next(
            (r["targetTemplateName"] for r in settings["redirects"] if r["identifier"] == view_identifier), None
        )
        if target is None:
            raise ApiError("redirectNotFound", f"No redirect is configured for {view_identifier!r}.", "viewIdentifier")
        # The storefront exchanges this one-time key for the session; the id itself never travels in a URL.
        key = secrets.token_urlsafe(24)
        await self._store.put(HANDOVER_PREFIX + key, {"sessionId": visit.session_id}, HANDOVER_TTL_SECONDS)
        query = urlencode({"sessionKey": key, **{k: v for k, v in parameters.items() if k != "sessionKey"}})
        base = settings["storefrontBaseUrl"].rstrip("/")
        return {"storeFrontLink": f"{base}/{target.lstrip('/')}?{query}"}
