"""The website's notion of now: every rule that depends on time reads one injected clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from mock_server.common.values import iso

# Epoch seconds, `time.time` unless a test moves time on by hand.
Clock = Callable[[], float]

# Stored deadlines are decided on the injected clock; the store's own expiry only clears records
# left over after them, so it may lag a little without changing any answer.
CLEANUP_GRACE_SECONDS = 60.0


def iso_at(moment: float) -> str:
    """The moment as the contract writes timestamps (UTC, whole seconds, `Z`)."""
    return iso(datetime.fromtimestamp(moment, UTC))
