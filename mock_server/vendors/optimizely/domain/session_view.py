"""The contract's `Session`: what GET, POST and PATCH answer about the caller's session."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.optimizely.domain.catalog import WebsiteCatalog
from mock_server.vendors.optimizely.domain.session_records import SessionState
from mock_server.vendors.optimizely.domain.users import BillTo, Customer, User

SESSION_URI = "/api/v1/sessions/current"


def chosen_customers(state: SessionState, user: User) -> tuple[BillTo | None, Customer | None]:
    """The session's bill-to and ship-to; the user's defaults stand in for ones no longer theirs."""
    bill_to = user.bill_to(state.bill_to_id) or user.default_bill_to()
    if bill_to is None:
        return None, None
    return bill_to, bill_to.ship_to(state.ship_to_id) or bill_to.default_ship_to()


def session_view(
    state: SessionState | None,
    user: User | None,
    catalog: WebsiteCatalog,
    *,
    customer_was_updated: bool = False,
) -> dict[str, Any]:
    """The Session body; `user` is the session's signed-in user (None: anonymous).

    Request-only fields (password, newPassword, resetToken, resetPassword, activateAccount) always
    answer null or false; the mock has no carts, warehouses or RFQs, so those flags answer false.
    """
    language = catalog.language(None if state is None else state.language)
    currency = catalog.currency(None if state is None else state.currency)
    member = user if user is not None and state is not None and state.user_id == user.id else None
    bill_to = ship_to = None
    # A visitor, and a session signed out, have the website's default persona.
    personas = [dict(catalog.default_persona)]
    change_customer_link = redirect_to_change_customer = remember_me = False
    if member is not None and state is not None:
        chosen, shipping = chosen_customers(state, member)
        if chosen is not None and shipping is not None:
            bill_to, ship_to = dict(chosen.customer), dict(shipping)
        personas = [dict(found) for found in map(catalog.persona, member.personas) if found is not None] or personas
        several = len(member.bill_tos) > 1 or (chosen is not None and len(chosen.ship_tos) > 1)
        change_customer_link = several and not member.punchout
        redirect_to_change_customer = len(member.bill_tos) > 1 and not member.has_default_bill_to
        remember_me = state.remember_me
    return {
        "uri": SESSION_URI,
        "properties": {},
        "activateAccount": False,
        "billTo": bill_to,
        "currency": dict(currency),
        "customerWasUpdated": customer_was_updated,
        "customLandingPage": "",
        "dashboardIsHomepage": member is not None and member.dashboard_is_homepage,
        "deviceType": "Desktop",
        "displayChangeCustomerLink": change_customer_link,
        "displayMyAccountMenu": member is not None,
        "email": None if member is None else member.email,
        "firstName": None if member is None else member.first_name or None,
        "lastName": None if member is None else member.last_name or None,
        "fulfillmentMethod": "Ship",
        "hasDefaultCustomer": member is not None and member.has_default_bill_to,
        "hasRfqUpdates": False,
        "isAuthenticated": member is not None,
        "isGuest": False,
        "isRestrictedProductExistInCart": False,
        "isRestrictedProductRemovedFromCart": False,
        "isSalesPerson": False,
        "language": dict(language),
        "newPassword": None,
        "password": None,
        "persona": personas[0]["name"],
        "personas": personas,
        "pickUpWarehouse": None,
        "redirectToChangeCustomerPageOnSignIn": redirect_to_change_customer,
        "rememberMe": remember_me,
        "resetPassword": False,
        "resetToken": None,
        "shipTo": ship_to,
        "userLabel": None if member is None else member.label,
        "userName": None if member is None else member.user_name,
        "userProfileId": None if member is None else member.id,
        "userRoles": None if member is None else ",".join(member.roles) or None,
    }
