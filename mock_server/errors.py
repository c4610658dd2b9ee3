"""The one error type the mock raises; its code alone decides the HTTP status and the body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An error answer named by its contract code, e.g. `ApiError("invalidAddressId", ...)`.

    Generic layers, which know no contract's codes, raise `ApiError.of(failure, ...)` with one of
    `storefront_kit.contract.GENERIC_FAILURES`; the answering contract then names the code.
    """

    def __init__(
        self,
        code: str | None,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
        details: Mapping[str, Any] | None = None,
        failure: str | None = None,
        rule: str | None = None,
    ) -> None:
        """`details` are further values the contract's error body may show (e.g. `sessionId`).

        `rule` names the kind of rule that refused the request, for the journal (`schema`,
        `fault`, ...); None: the failure's kind, else the domain's.
        """
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.details = dict(details or {})
        self.failure = failure
        self.rule = rule

    @classmethod
    def of(cls, failure: str, message: str, field: str | None = None) -> ApiError:
        """A generic failure (`badRequest`, `bodyTooLarge`, ...), answered with the contract's code for it."""
        return cls(None, message, field, failure=failure)

    def __repr__(self) -> str:
        return f"ApiError({self.code or self.failure!r}, {self.message!r}, field={self.field!r})"
