"""The two error families: the tool misused, and the target not reachable; and why a check could not run.

Contract breaks found in the target are `conformance.checks.Failure`, never these.
"""

from __future__ import annotations


class ConfigError(Exception):
    """The kit was called wrongly (bad option, bad file); the message says how to fix it."""


class TargetError(ConfigError):
    """The target file is missing, malformed, or contradicts the backend's own settings."""


class TargetUnreachable(Exception):
    """The target could not be reached, or kept failing at the network level."""


class NotCovered(Exception):
    """A check cannot go on against this target; the message says why. Not a failure."""


class NotSelected(NotCovered):
    """A call to an operation the run does not check (left out of `--operation`): never sent."""

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"needs {operation_id} (not selected)")
        self.operation_id = operation_id


class TargetDataError(Exception):
    """A fixed value of the target file (a test account, a client) is refused by the backend: the file or
    the backend's data must be fixed, the contract is not at fault. `key` names the target file's key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
