"""What a vendor package gives the generic mock: its handlers, security checks and state.

A vendor package exposes one `MockVendor` and registers it under the entry-point group
`storefront_kit.mock` (see `storefront_kit.registry`). The core asks it for nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mock_server.clock import Clock
from mock_server.common.outbox import Outbox
from mock_server.common.settings import Settings
from mock_server.store import Store
from storefront_kit.contract import Contract


@dataclass(frozen=True, slots=True)
class StateContext:
    """What a vendor's state is built from."""

    store: Store
    contract: Contract
    fixtures: Path | None  # None: the vendor's bundled fixture file
    seed: int | None
    locale: str | None
    on_empty: Callable[[], Awaitable[None]]  # await when the store turns out empty: it seeds again
    clock: Clock  # epoch seconds, moved by `/__mock/clock`: every rule that depends on time reads it


class LinkNotOpenable(Exception):
    """An e-mail's link the mock cannot open for its recipient; the message says why and what to call instead."""


@dataclass(frozen=True, slots=True)
class AccountsView:
    """What `/__mock/accounts` lists of one vendor (the controls' `Accounts` schema, without `contract`).

    `accounts`: `{login, password (None: unknown), state ("active", "locked", ...), name?, details?}`;
    `sessions`: `{session, login (None: anonymous), expiresAt?, details?}`.
    """

    accounts: list[dict[str, Any]]
    sessions: list[dict[str, Any]]


class VendorState(Protocol):
    """One vendor's domain over the shared store, as the runtime and the controls see it."""

    # Read-only here: the runtime and the controls never assign them.
    @property
    def settings(self) -> Settings | None:
        """What `/__mock/settings` reads and replaces."""
        ...

    @property
    def outbox(self) -> Outbox | None:
        """What `/__mock/outbox` lists."""
        ...

    @property
    def seed_marker(self) -> str:
        """The store key that says this vendor's fixtures are written."""
        ...

    @property
    def layout(self) -> str:
        """The version of the stored layout; a marker reading otherwise is brought up to date."""
        ...

    async def seed(self) -> None:
        """Write the fixture state into an empty store."""
        ...

    async def upgrade(self) -> None:
        """Bring state written by an earlier version of the mock to the current layout."""
        ...

    def banner(self) -> list[tuple[str, str]]:
        """Lines for `storefront-kit serve` to print, such as the demo login."""
        ...

    async def open_link(self, message: Mapping[str, Any]) -> str:
        """Do what the page behind an outbox e-mail's link does with its token; say what happened.

        Raises `LinkNotOpenable` for a link that needs more than a click or a token refused.
        """
        ...

    async def accounts(self) -> AccountsView:
        """Who can log in with what, and the live sessions."""
        ...


@dataclass(frozen=True, slots=True)
class MockVendor:
    """A vendor's mock package, as the generic app mounts it."""

    name: str
    handlers: str  # package with one module per tag and one function per operation
    security: Mapping[str, Callable[..., Any]]  # security scheme name -> check function
    state: Callable[[StateContext], VendorState]
