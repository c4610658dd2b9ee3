"""The error answers of the Optimizely domain, one function per catalog code.

The message reaches the body only where the contract's template has `'{message}'`; elsewhere the
template's own text answers and the message serves the logs.
"""

from __future__ import annotations

from mock_server.errors import ApiError

# --- session operations -------------------------------------------------------------------------


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError("badRequest", message, field)


def invalid_credentials() -> ApiError:
    return ApiError("invalidCredentials", "The user name or password is incorrect.")


def language_not_found() -> ApiError:
    return ApiError("languageNotFound", "The language does not exist.", "language")


def currency_not_found() -> ApiError:
    return ApiError("currencyNotFound", "The currency does not exist.", "currency")


def bill_to_not_found() -> ApiError:
    return ApiError("billToNotFound", "The bill-to customer is not one of the user's customers.", "billTo")


def ship_to_not_found() -> ApiError:
    return ApiError("shipToNotFound", "The ship-to customer does not belong to the bill-to customer.", "shipTo")


def invalid_reset_token() -> ApiError:
    return ApiError("invalidResetToken", "The password reset token is not valid.", "resetToken")


def password_rules_not_met(message: str) -> ApiError:
    return ApiError("passwordRulesNotMet", message, "newPassword")


def not_allowed_in_punchout() -> ApiError:
    return ApiError("notAllowedInPunchout", "This action is not allowed in a punchout session.")


def unauthorized() -> ApiError:
    return ApiError("unauthorized", "Authorization has been denied for this request.")


def user_deactivated() -> ApiError:
    return ApiError("userDeactivated", "The user is deactivated.")


def user_locked_out() -> ApiError:
    return ApiError("userLockedOut", "The user is locked out.")


def other_website() -> ApiError:
    return ApiError("otherWebsite", "The user is not allowed on this website.")


def no_bill_to() -> ApiError:
    return ApiError("noBillTo", "The user has no customer to sign in with.")


def password_change_required() -> ApiError:
    return ApiError("passwordChangeRequired", "The password has expired and must be changed.")


# --- generic answers (raised by the generic layers; here for completeness of the catalog) --------


def not_found() -> ApiError:
    return ApiError("notFound", "No HTTP resource was found that matches the request URI.")


def method_not_allowed() -> ApiError:
    return ApiError("methodNotAllowed", "The requested resource does not support this http method.")


def payload_too_large(message: str) -> ApiError:
    return ApiError("payloadTooLarge", message)


def unsupported_media_type(message: str) -> ApiError:
    return ApiError("unsupportedMediaType", message)


def internal_error() -> ApiError:
    return ApiError("internalError", "An error has occurred.")


# --- token endpoint (OAuth bodies) --------------------------------------------------------------


def invalid_request(message: str, field: str | None = None) -> ApiError:
    return ApiError("invalidRequest", message, field)


def unsupported_grant_type() -> ApiError:
    return ApiError("unsupportedGrantType", "The grant type is not supported.", "grant_type")


def invalid_grant(message: str) -> ApiError:
    return ApiError("invalidGrant", message)


def invalid_scope() -> ApiError:
    return ApiError("invalidScope", "The scope is not allowed.", "scope")


def invalid_client() -> ApiError:
    return ApiError("invalidClient", "The client is unknown or its secret is wrong.")
