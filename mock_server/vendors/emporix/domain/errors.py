"""The error answers of the Emporix domain, one function per catalog code."""

from __future__ import annotations

from mock_server.errors import ApiError


def invalid_client() -> ApiError:
    return ApiError("invalidClient", "Invalid client identifier", "client_id")


def invalid_credentials() -> ApiError:
    return ApiError("invalidCredentials", "Invalid e-mail address or password")


def invalid_refresh_token() -> ApiError:
    return ApiError("invalidRefreshToken", "Invalid refresh token", "refresh_token")


def invalid_access_token() -> ApiError:
    return ApiError("invalidAccessToken", "Invalid access token")


def tenant_mismatch() -> ApiError:
    return ApiError("tenantMismatch", "The token belongs to another tenant", "tenant")


def customer_token_mismatch() -> ApiError:
    return ApiError("customerTokenMismatch", "The saas-token does not belong to the session's customer", "saas-token")


def session_not_found(session_id: str) -> ApiError:
    return ApiError("sessionNotFound", "Session not found", "sessionId", details={"sessionId": session_id})


def version_conflict() -> ApiError:
    return ApiError("versionConflict", "Optimistic locking failed", "metadata.version")
