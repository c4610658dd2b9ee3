"""Credentials for ZEST's generated cases: the target's application key as the Basic user name."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Credential
from conformance.target import Target
from conformance.vendors.zest.context import key_credential


class ZestFuzzAuth:
    """Every generated case carries the key; sessions it opens end by themselves (idle timeout)."""

    def __init__(self, client: ApiClient, target: Target, seed: int, run_id: str) -> None:
        self.key = str(target.data("key") or "")

    def for_operation(self, operation_id: str) -> Credential | None:
        return key_credential(self.key) if self.key else None

    def body_for(self, operation_id: str, body: Any) -> Any:
        """Generated bodies go as generated: they reach only carts of sessions the run opened."""
        return body

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        """Nothing to remember: generated cases change only carts of their own sessions."""

    def cleanup(self) -> list[str]:
        """Nothing to undo (see `generated`); those sessions end by the idle timeout."""
        return []
