"""The tenant's notion of now: every rule that depends on time reads one injected clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from mock_server.common.values import iso

# Epoch seconds, `time.time` unless a test moves time on by hand.
Clock = Callable[[], float]


def iso_at(moment: float) -> str:
    """The moment as the contract writes timestamps (UTC, whole seconds, `Z`)."""
    return iso(datetime.fromtimestamp(moment, UTC))
