"""The e-mails a backend would have sent, kept for `/__mock/outbox`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from mock_server.common.values import email_key, iso_at
from mock_server.store import Store


class Outbox:
    """One vendor's sent e-mails, under `<prefix>:outbox`; `subjects` maps each kind to its subject."""

    def __init__(
        self, store: Store, prefix: str, subjects: Mapping[str, str], clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._clock = clock
        self._messages_key = f"{prefix}:outbox"
        self._sequence_key = f"{prefix}:seq:outbox"
        self._subjects = subjects

    async def send(self, *, to: str, kind: str, token: str, link: str) -> dict[str, Any]:
        number = await self._store.update(self._sequence_key, lambda current: ((current or 0) + 1, (current or 0) + 1))
        message = {
            "id": str(number),
            "to": to,
            "kind": kind,
            "subject": self._subjects[kind],
            "token": token,
            "link": link,
            "sentAt": iso_at(self._clock()),
        }
        await self._store.update(self._messages_key, lambda current: ([*(current or []), message], None))
        return message

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = await self._store.get(self._messages_key) or []
        if to is None:
            return messages
        return [message for message in messages if email_key(message["to"]) == email_key(to)]

    async def clear(self) -> int:
        removed = await self._store.pop(self._messages_key)
        return len(removed or [])
