"""The shop's notion of now: every rule that depends on time reads one injected clock."""

from __future__ import annotations

from collections.abc import Callable

# Epoch seconds, `time.time` unless a test moves time on by hand.
Clock = Callable[[], float]

# Whether a session has ended is decided on the injected clock; the store's own expiry only clears
# records left over after that, so it may lag a little without changing any answer.
CLEANUP_GRACE_SECONDS = 60.0
