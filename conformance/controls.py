"""Reading the target's e-mails and switching its settings, where the target file allows it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.errors import TargetError
from conformance.http import ApiClient
from conformance.target import Target

SETTINGS_CONTROL_PATH = "/__mock/settings"
CLOCK_CONTROL_PATH = "/__mock/clock"


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    kind: str
    token: str
    link: str
    id: str


class MailboxReader:
    """Reads e-mails from an outbox API: `GET URL?to=ADDRESS` -> `{"messages": [...]}`."""

    def __init__(self, client: ApiClient, target: Target) -> None:
        self.client = client
        self.mailbox = target.mailbox
        self.available = target.mailbox.kind != "none"

    def messages(self, to: str) -> list[Message]:
        assert self.mailbox.url is not None
        exchange = self.client.request(
            "GET", self.client.resolve(self.mailbox.url), params={"to": to}, headers=dict(self.mailbox.headers)
        )
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise TargetError(
                f"the mailbox at {exchange.url} answered HTTP {exchange.status} without a `messages` list; "
                "fix `mailbox` in the target file or set `type: none`"
            )
        found = []
        for item in body["messages"]:
            if isinstance(item, dict) and str(item.get("to", "")).lower() == to.lower():
                found.append(
                    Message(
                        str(item.get("to")),
                        str(item.get("kind")),
                        str(item.get("token", "")),
                        str(item.get("link", "")),
                        str(item.get("id", "")),
                    )
                )
        return found

    def wait_for(self, to: str, kind: str, seen: set[str]) -> Message | None:
        """The first message of this kind to this address not in `seen`, polling up to the mailbox's wait."""
        deadline = time.monotonic() + self.mailbox.wait_seconds
        while True:
            for message in self.messages(to):
                if message.kind == kind and message.id not in seen:
                    return message
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)


class SettingsControl:
    """`GET`/`PUT /__mock/settings`: switch a setting for one scenario and put it back."""

    def __init__(self, client: ApiClient, target: Target) -> None:
        self.client = client
        self.available = target.settings_control
        self.url = client.resolve(SETTINGS_CONTROL_PATH)
        self.original: dict[str, Any] | None = None

    def read(self) -> dict[str, Any]:
        exchange = self.client.request("GET", self.url)
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict):
            raise TargetError(
                f"the target file declares `settingsControl: mock` but GET {self.url} answered HTTP "
                f"{exchange.status}; remove settingsControl or point --base-url at the mock"
                + (
                    "; if a gateway or Basic auth guards the backend, give its header with --header 'Name: value' "
                    "or `headers:` in the target file"
                    if exchange.status in (401, 403)
                    else ""
                )
            )
        if self.original is None:
            self.original = body
        return body

    def apply(self, settings: Mapping[str, Any]) -> None:
        exchange = self.client.request("PUT", self.url, json_body=dict(settings))
        if exchange.status != 200:
            raise TargetError(f"PUT {self.url} answered HTTP {exchange.status}: {exchange.response_body[:300]}")

    def restore(self) -> None:
        if self.original is not None:
            self.apply(self.original)


class ClockControl:
    """`POST /__mock/clock`: move the backend's clock on instead of waiting, where the target file allows it.

    The kit only ever moves it on, by as long as it would have waited, so the backend sees what a
    real wait gives; against a backend without the control the kit waits in real time.
    """

    def __init__(self, client: ApiClient, target: Target) -> None:
        self.client = client
        self.available = target.clock_control
        self.url = client.resolve(CLOCK_CONTROL_PATH)

    def read(self) -> dict[str, Any]:
        exchange = self.client.request("GET", self.url)
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict) or "now" not in body:
            raise TargetError(
                f"the target file declares `clockControl: mock` but GET {self.url} answered HTTP "
                f"{exchange.status}; remove clockControl or point --base-url at the mock"
            )
        return body

    def advance(self, seconds: float) -> None:
        exchange = self.client.request("POST", self.url, json_body={"seconds": max(0.0, seconds)})
        if exchange.status != 200:
            raise TargetError(f"POST {self.url} answered HTTP {exchange.status}: {exchange.response_body[:300]}")


def differences(claimed: Any, actual: Any, prefix: str = "") -> list[str]:
    """Where the target file's settings differ from the backend's (only keys the file states)."""
    if isinstance(claimed, Mapping) and isinstance(actual, Mapping):
        found: list[str] = []
        for key, value in claimed.items():
            found += differences(value, actual.get(key), f"{prefix}{key}.")
        return found
    if claimed != actual:
        return [f"{prefix.rstrip('.')}: target file says {claimed!r}, backend has {actual!r}"]
    return []
