"""The conformance kit: proves a backend keeps the storefront contract, error code by error code."""

from conformance.checks import CHECKS, Failure
from conformance.errors import ConfigError, TargetError, TargetUnreachable
from conformance.results import Outcome, RunResult
from conformance.runner import run
from conformance.target import Target, load_target

__all__ = [
    "CHECKS",
    "ConfigError",
    "Failure",
    "Outcome",
    "RunResult",
    "Target",
    "TargetError",
    "TargetUnreachable",
    "load_target",
    "run",
]
