"""The e-mails the shop would have sent, kept for `/__mock/outbox`."""

from __future__ import annotations

from typing import Any

from mock_server.store import Store
from mock_server.websale.domain._util import email_key, iso, utc_now

OUTBOX_KEY = "websale:outbox"
SEQUENCE_KEY = "websale:seq:outbox"

SUBJECTS = {
    "accountDeletion": "Confirm the deletion of your customer account",
    "emailVerification": "Confirm your new e-mail address",
    "passwordReset": "Reset your password",
}


class Outbox:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def send(self, *, to: str, kind: str, token: str, link: str) -> dict[str, Any]:
        number = await self._store.update(SEQUENCE_KEY, lambda current: ((current or 0) + 1, (current or 0) + 1))
        message = {
            "id": str(number),
            "to": to,
            "kind": kind,
            "subject": SUBJECTS[kind],
            "token": token,
            "link": link,
            "sentAt": iso(utc_now()),
        }
        await self._store.update(OUTBOX_KEY, lambda current: ([*(current or []), message], None))
        return message

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = await self._store.get(OUTBOX_KEY) or []
        if to is None:
            return messages
        return [message for message in messages if email_key(message["to"]) == email_key(to)]

    async def clear(self) -> int:
        removed = await self._store.pop(OUTBOX_KEY)
        return len(removed or [])
