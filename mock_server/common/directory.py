"""Helpers for a vendor's `accounts()` (`/__mock/accounts`): stored records and the passwords that log in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mock_server.store import Store


async def records(store: Store, prefix: str) -> list[tuple[str, Any]]:
    """Every stored value under `prefix`, with the rest of its key, in key order; gone ones left out."""
    keys = sorted(await store.keys(prefix))
    values = await store.get_many(keys)
    return [(key[len(prefix) :], value) for key, value in zip(keys, values, strict=True) if value is not None]


def fixture_passwords(hashes: Mapping[str, str]) -> dict[str, str]:
    """Hash -> password of the fixture passwords (`FixtureHashes.resolved()` turned round)."""
    return {hashed: password for password, hashed in hashes.items()}


def iso_time(epoch_seconds: float | None) -> str | None:
    """An epoch time as ISO-8601 UTC, None for None."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def expiry(store: Store, key: str) -> str | None:
    """When a key expires, by the store's own clock, as ISO-8601 UTC; None: never."""
    left = await store.ttl(key)
    return None if left is None else iso_time(datetime.now(UTC).timestamp() + left)
