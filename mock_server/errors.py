"""The one error type the mock's domain raises; its code alone decides the HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An error answer named by its contract code, e.g. `ApiError("invalidAddressId", ...)`."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """`details` are further values the contract's error body may show (e.g. `sessionId`)."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.details = dict(details or {})

    def __repr__(self) -> str:
        return f"ApiError({self.code!r}, {self.message!r}, field={self.field!r})"
