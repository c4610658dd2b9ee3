"""A backend's settings (the contract's `x-settings-schema`): defaults, validation, storage."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from mock_server.errors import ApiError
from mock_server.store import Store, StoreUnavailable
from storefront_kit.formats import FORMAT_CHECKER
from storefront_kit.schemas import with_defaults

# The schema sets no upper bounds; lifetimes past ~68 years only overflow clocks and stores.
MAX_SECONDS_OR_COUNT = 2**31 - 1


def validate_settings(schema: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """Check `value` against the settings schema and answer it with defaults applied."""
    error = best_match(Draft4Validator(schema, format_checker=FORMAT_CHECKER).iter_errors(value))
    if error is not None:
        field = ".".join(str(part) for part in error.absolute_path) or None
        raise ApiError.of("badRequest", f"settings{'.' + field if field else ''}: {error.message}"[:300], field)
    settings: dict[str, Any] = with_defaults(schema, value)
    for path, number in _integers(settings):
        if number > MAX_SECONDS_OR_COUNT:
            raise ApiError.of("badRequest", f"settings.{path}: at most {MAX_SECONDS_OR_COUNT} in this mock.", path)
    return settings


def _integers(value: Any, path: str = "") -> list[tuple[str, int]]:
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _integers(item, f"{path}.{key}" if path else key)]
    return [(path, value)] if isinstance(value, int) and not isinstance(value, bool) else []


class Settings:
    """Reads the live settings; every request sees the latest `PUT /__mock/settings`.

    Each write stores a new version token beside the settings. A reader that finds the token it
    saw last keeps the settings it decoded then, instead of decoding ~80 values on every request;
    the token is read before the settings, so a cached value is never older than its token.
    """

    def __init__(
        self,
        store: Store,
        prefix: str,
        schema: Mapping[str, Any],
        on_missing: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Kept under `<prefix>:settings`; `on_missing` is awaited when the store has none (it may seed)."""
        self._store = store
        self._key = f"{prefix}:settings"
        self._version_key = f"{prefix}:settings:version"
        self.schema = schema
        self._on_missing = on_missing
        self._version: str | None = None
        self._value: dict[str, Any] = {}

    async def get(self) -> dict[str, Any]:
        """The settings; the answer is shared between requests, so read it and never change it."""
        version = await self._store.get(self._version_key)
        if version is not None and version == self._version:
            return self._value
        value: dict[str, Any] | None = await self._store.get(self._key)
        if value is None and self._on_missing is not None:
            # Settings are seeded first and never deleted: an emptied store, which can seed again.
            await self._on_missing()
            version = await self._store.get(self._version_key)
            value = await self._store.get(self._key)
        if value is None:
            raise StoreUnavailable("unreachable", "the settings are missing from the store")
        self._version, self._value = version, value
        return value

    async def save(self, settings: dict[str, Any]) -> None:
        """Store checked settings (with their defaults) under a new version."""
        await self._store.put(self._key, settings)
        await self._store.put(self._version_key, secrets.token_hex(8))

    async def replace(self, value: Any) -> dict[str, Any]:
        settings = validate_settings(self.schema, value)
        await self.save(settings)
        return settings
