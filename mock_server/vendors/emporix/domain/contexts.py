"""Session contexts: created by anonymous login, read and changed by management and own-session routes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.common.settings import MAX_SECONDS_OR_COUNT, Settings
from mock_server.store import Store
from mock_server.vendors.emporix.domain.clock import Clock, iso_at
from mock_server.vendors.emporix.domain.errors import (
    customer_token_mismatch,
    session_not_found,
    version_conflict,
)
from mock_server.vendors.emporix.domain.sites import default_site, find_site
from mock_server.vendors.emporix.domain.tokens import (
    CLEANUP_GRACE_SECONDS,
    Token,
    Tokens,
    session_of,
)

CONTEXT_PREFIX = "emporix:context:"
# The contract's field names and the record's, for the fields a PUT body may set.
FIELDS = {
    "customerId": "customer_id",
    "siteCode": "site_code",
    "currency": "currency",
    "cartId": "cart_id",
    "targetLocation": "target_location",
    "language": "language",
    "context": "attributes",
}
PATCHABLE = ("siteCode", "currency", "targetLocation", "language", "context")
# An update cannot drop a key's expiry, so a customer's context keeps one that never comes.
LASTING_SECONDS = MAX_SECONDS_OR_COUNT


@dataclass(frozen=True, slots=True)
class SessionContext:
    session_id: str
    created_at: str
    modified_at: str
    version: int = 1
    customer_id: str | None = None
    site_code: str | None = None
    currency: str | None = None
    cart_id: str | None = None
    target_location: str | None = None
    language: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    # Epoch seconds on the tenant's clock after which an anonymous context is gone; None: never.
    expires_at: float | None = None

    def view(self) -> dict[str, Any]:
        """The contract's `SessionContext`."""
        view: dict[str, Any] = {"sessionId": self.session_id}
        for wire, name in FIELDS.items():
            value = getattr(self, name)
            if value is not None and name != "attributes":
                view[wire] = value
        view["context"] = dict(self.attributes)
        view["metadata"] = {"version": self.version, "createdAt": self.created_at, "modifiedAt": self.modified_at}
        return view

    def record(self) -> dict[str, Any]:
        return {**self.view(), "expiresAt": self.expires_at}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SessionContext:
        metadata = record["metadata"]
        return cls(
            session_id=record["sessionId"],
            created_at=metadata["createdAt"],
            modified_at=metadata["modifiedAt"],
            version=metadata["version"],
            expires_at=record.get("expiresAt"),
            **{name: record.get(wire) for wire, name in FIELDS.items() if name != "attributes"},
            attributes=record.get("context") or {},
        )

    def live(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at

    def changed(self, now: float, **changes: Any) -> SessionContext:
        """The next version, modified at `now`."""
        return dataclasses.replace(self, version=self.version + 1, modified_at=iso_at(now), **changes)


@dataclass(frozen=True, slots=True)
class Profile:
    """What a customer's login applies to the session's context; None leaves a value as it is."""

    customer_id: str
    site_code: str | None
    currency: str | None
    language: str | None
    country: str | None


def _values(body: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The record's values for the body's fields among `names`; an absent `context` means none."""
    values = {FIELDS[wire]: body.get(wire) for wire in names if wire in body}
    if "attributes" in values:
        values["attributes"] = dict(values["attributes"] or {})
    return values


def _cleared() -> dict[str, Any]:
    """Every field a PUT body may set, absent: PUT replaces them all."""
    return {name: None for name in FIELDS.values() if name != "attributes"} | {"attributes": {}}


def _version_matches(body: Mapping[str, Any], current: SessionContext) -> bool:
    metadata = body.get("metadata")
    version = metadata.get("version") if isinstance(metadata, Mapping) else None
    return type(version) is int and version == current.version


class _Unchanged(Exception):
    """Leaves a context as it is stored, its expiry included."""


class ContextService:
    def __init__(self, store: Store, settings: Settings, tokens: Tokens, clock: Clock) -> None:
        self._store = store
        self._settings = settings
        self._tokens = tokens
        self._clock = clock

    async def _change(
        self,
        session_id: str,
        change: Callable[[SessionContext | None], SessionContext | None],
        ttl: float | None = None,
    ) -> SessionContext | None:
        """Apply `change` atomically to the live context (None if there is none) and store its answer."""
        now = self._clock()

        def mutate(record: Any) -> tuple[Any, SessionContext | None]:
            current = None if record is None else SessionContext.from_record(record)
            updated = change(current if current is not None and current.live(now) else None)
            return (None if updated is None else updated.record()), updated

        return await self._store.update(CONTEXT_PREFIX + session_id, mutate, ttl)

    async def _live(self, session_id: str) -> SessionContext:
        record = await self._store.get(CONTEXT_PREFIX + session_id)
        context = None if record is None else SessionContext.from_record(record)
        if context is None or not context.live(self._clock()):
            raise session_not_found(session_id)
        return context

    # --- the life of an anonymous session ---------------------------------------------------------

    async def start(
        self,
        session_id: str,
        *,
        site_code: str | None = None,
        currency: str | None = None,
        language: str | None = None,
        target_location: str | None = None,
    ) -> SessionContext:
        """Create an anonymous context from the default site's values, each one overridable."""
        settings = await self._settings.get()
        site = default_site(settings)
        seconds = settings["anonymousSessionSeconds"]
        now = self._clock()
        context = SessionContext(
            session_id,
            created_at=iso_at(now),
            modified_at=iso_at(now),
            site_code=site_code or site.code,
            currency=currency or site.default_currency,
            language=language or site.default_language,
            target_location=target_location or site.home_base_country,
            expires_at=now + seconds,
        )
        await self._store.put(CONTEXT_PREFIX + session_id, context.record(), seconds + CLEANUP_GRACE_SECONDS)
        return context

    async def prolong(self, session_id: str) -> bool:
        """Restart a live anonymous context's expiry; False if there is none (expired, a customer's)."""
        seconds = (await self._settings.get())["anonymousSessionSeconds"]
        deadline = self._clock() + seconds

        def change(current: SessionContext | None) -> SessionContext | None:
            if current is not None and current.customer_id is not None:
                raise _Unchanged
            # Not a change of the context's values: the version stays.
            return None if current is None else dataclasses.replace(current, expires_at=deadline)

        try:
            return await self._change(session_id, change, seconds + CLEANUP_GRACE_SECONDS) is not None
        except _Unchanged:
            return False

    async def sign_in(self, session_id: str, profile: Profile) -> SessionContext:
        """Hand the session to a customer: keep its context (or start one) and apply the profile."""
        settings = await self._settings.get()
        now = self._clock()

        def change(current: SessionContext | None) -> SessionContext:
            if current is None:
                current = SessionContext(session_id, iso_at(now), iso_at(now), version=0)
            site_code = profile.site_code or current.site_code
            site = find_site(settings, site_code) or default_site(settings)
            return current.changed(
                now,
                customer_id=profile.customer_id,
                site_code=site_code or site.code,
                currency=profile.currency or current.currency or site.default_currency,
                language=profile.language or current.language or site.default_language,
                target_location=profile.country or site.home_base_country,
                expires_at=None,
            )

        context = await self._change(session_id, change, LASTING_SECONDS)
        assert context is not None
        return context

    async def remove(self, session_id: str) -> bool:
        return await self._store.delete(CONTEXT_PREFIX + session_id)

    # --- management routes (a service token names the session) ---------------------------------

    async def get(self, session_id: str) -> dict[str, Any]:
        """The SessionContext body; `sessionNotFound`."""
        return (await self._live(session_id)).view()

    async def replace(
        self, session_id: str, body: Mapping[str, Any], *, upsert: bool = False, saas_token: str | None = None
    ) -> None:
        """PUT: `sessionNotFound`, `customerTokenMismatch`, `versionConflict`; `upsert` creates a missing one."""
        settings = await self._settings.get()
        saas = await self._tokens.find("saas", saas_token)
        saas_customer = saas.customer_id if saas is not None and saas.tenant == settings["tenant"] else None
        seconds = settings["anonymousSessionSeconds"]
        values = _values(body, tuple(FIELDS))
        now = self._clock()

        def change(current: SessionContext | None) -> SessionContext:
            if current is None and not upsert:
                raise session_not_found(session_id)
            customers = {values.get("customer_id"), None if current is None else current.customer_id} - {None}
            if any(customer != saas_customer for customer in customers):
                raise customer_token_mismatch()
            customer = values.get("customer_id")
            if current is None:
                expires = None if customer else now + seconds
                return SessionContext(session_id, iso_at(now), iso_at(now), expires_at=expires, **values)
            if not _version_matches(body, current):
                raise version_conflict()
            expires = None if customer else (current.expires_at or now + seconds)
            return current.changed(now, **(_cleared() | values), expires_at=expires)

        ttl = LASTING_SECONDS if body.get("customerId") else seconds + CLEANUP_GRACE_SECONDS
        await self._change(session_id, change, ttl)

    async def add_attribute(self, session_id: str, key: str, value: Any) -> None:
        """Set one entry of the context map, whatever the version; `sessionNotFound`."""
        now = self._clock()

        def change(current: SessionContext | None) -> SessionContext:
            if current is None:
                raise session_not_found(session_id)
            return current.changed(now, attributes={**current.attributes, key: value})

        await self._change(session_id, change)

    async def remove_attribute(self, session_id: str, name: str) -> None:
        """Remove one entry of the context map (no change if absent); `sessionNotFound`."""
        now = self._clock()

        def change(current: SessionContext | None) -> SessionContext:
            if current is None:
                raise session_not_found(session_id)
            if name not in current.attributes:
                return current
            return current.changed(now, attributes={k: v for k, v in current.attributes.items() if k != name})

        await self._change(session_id, change)

    # --- own-session routes (the token names the session) ---------------------------------------

    async def get_own(self, token: Token) -> dict[str, Any]:
        return await self.get(session_of(token))

    async def patch_own(self, token: Token, body: Mapping[str, Any]) -> None:
        """PATCH: only siteCode, currency, targetLocation, language and context change; `versionConflict`."""
        session_id = session_of(token)
        values = _values(body, PATCHABLE)
        now = self._clock()

        def change(current: SessionContext | None) -> SessionContext:
            if current is None:
                raise session_not_found(session_id)
            if not _version_matches(body, current):
                raise version_conflict()
            return current.changed(now, **values)

        await self._change(session_id, change)

    async def add_own_attribute(self, token: Token, key: str, value: Any) -> str:
        """Answers the attribute's name, as the 201 body does."""
        await self.add_attribute(session_of(token), key, value)
        return key

    async def remove_own_attribute(self, token: Token, name: str) -> None:
        await self.remove_attribute(session_of(token), name)
