"""The error answers of the ZEST domain, one function per catalog code."""

from __future__ import annotations

from mock_server.errors import ApiError


def invalid_key() -> ApiError:
    return ApiError("invalidKey", "The application key is missing or not one of the shop's keys.")


def key_not_allowed(resource: str) -> ApiError:
    return ApiError("keyNotAllowed", f"The application key may not use {resource}.")


def unknown_category(code: str) -> ApiError:
    return ApiError("unknownCategory", f"No category has the code {code}.")


def unknown_sku(sku: str, field: str) -> ApiError:
    return ApiError("unknownSku", f"No product has the sku {sku}.", field)


def unknown_country(country: str) -> ApiError:
    return ApiError("unknownCountry", f"{country} is not one of the shop's shipping countries.", "country")


def unknown_cart_item(item_id: int) -> ApiError:
    return ApiError("unknownCartItem", f"The session's carts hold no item {item_id}.")


def bad_quantity(quantity: int, limit: int, field: str) -> ApiError:
    return ApiError.of("badRequest", f"A cart line holds 1 to {limit}; this would make it {quantity}.", field)
