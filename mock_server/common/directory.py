"""Helpers for a vendor's `accounts()` (`/__mock/accounts`): stored records and the passwords that log in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.values import iso_at
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
    """An epoch time as ISO-8601 UTC (`iso_at`), None for None."""
    return None if epoch_seconds is None else iso_at(epoch_seconds)


async def expiry(store: Store, key: str, now: float) -> str | None:
    """When a key expires, as ISO-8601 UTC on the clock that reads `now` (the mock's); None: never."""
    left = await store.ttl(key)
    return None if left is None else iso_time(now + left)
