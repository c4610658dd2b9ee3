"""Steps every vendor's domain tests share: a clock the test moves, the error a call raises."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from mock_server.errors import ApiError


class ManualClock:
    """Epoch seconds that pass only when a test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def refused(call: Awaitable[Any]) -> ApiError:
    """The ApiError the call raises; fails the test if it raises none."""
    try:
        await call
    except ApiError as error:
        return error
    raise AssertionError("the call succeeded; an ApiError was expected")
