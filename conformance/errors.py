"""The two error families: the tool misused, and the target not reachable.

Contract breaks found in the target are `conformance.checks.Failure`, never these.
"""

from __future__ import annotations


class ConfigError(Exception):
    """The kit was called wrongly (bad option, bad file); the message says how to fix it."""


class TargetError(ConfigError):
    """The target file is missing, malformed, or contradicts the backend's own settings."""


class TargetUnreachable(Exception):
    """The target could not be reached, or kept failing at the network level."""
