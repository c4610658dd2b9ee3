"""PATCH /api/v1/sessions/current, first half: every step checked in the vendor's order, nothing done.

The steps only plan; `Sessions.update` carries the plan out once every step has passed, so a
failing step leaves the session, the users and the outbox as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.common.passwords import verify_password_async
from mock_server.vendors.optimizely.domain.catalog import WebsiteCatalog
from mock_server.vendors.optimizely.domain.errors import (
    bad_request,
    bill_to_not_found,
    currency_not_found,
    invalid_credentials,
    invalid_reset_token,
    language_not_found,
    not_allowed_in_punchout,
    password_rules_not_met,
    ship_to_not_found,
    unauthorized,
)
from mock_server.vendors.optimizely.domain.session_records import (
    SessionEnded,
    SessionState,
)
from mock_server.vendors.optimizely.domain.session_view import chosen_customers
from mock_server.vendors.optimizely.domain.users import (
    ResetTokens,
    User,
    Users,
    password_problem,
)

RESET_PASSWORD, ACTIVATE_ACCOUNT = "resetPassword", "activateAccount"


@dataclass(slots=True)
class PatchPlan:
    """What a PATCH that passed every step changes and sends."""

    e_mails: list[tuple[str, User]] = field(default_factory=list)  # (kind, recipient)
    new_password: str | None = None
    # Users whose password becomes `new_password`: id -> whether they are unlocked too.
    password_users: dict[str, bool] = field(default_factory=dict)
    reset_token: tuple[str, str] | None = None  # (token, its user's id), spent
    language: str | None = None
    currency: str | None = None
    dashboard_is_homepage: bool | None = None
    bill_to_id: str | None = None
    ship_to_id: str | None = None

    @property
    def customer_changed(self) -> bool:
        return self.bill_to_id is not None or self.ship_to_id is not None

    @property
    def session_changed(self) -> bool:
        return self.customer_changed or self.language is not None or self.currency is not None

    def applied_to(self, user_id: str | None) -> Callable[[SessionState], SessionState]:
        """The change of a session signed in by `user_id` (customers are that user's)."""

        def apply(state: SessionState) -> SessionState:
            if self.customer_changed and state.user_id != user_id:
                raise SessionEnded  # signed out, or in by another user, meanwhile
            return self._apply(state)

        return apply

    def _apply(self, state: SessionState) -> SessionState:
        return SessionState(
            seen=state.seen,
            user_id=state.user_id,
            bill_to_id=self.bill_to_id or state.bill_to_id,
            ship_to_id=self.ship_to_id or state.ship_to_id,
            language=self.language or state.language,
            currency=self.currency or state.currency,
            remember_me=state.remember_me,
            ends_at=state.ends_at,
        )


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"{name} must be a string.", name)
    return value


def _flag(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"{name} must be true or false.", name)
    return value


def _reference(body: Mapping[str, Any], name: str) -> str | None:
    """The `id` of an `IdRef` property (`billTo: {id}`); None when the property is absent or null."""
    value = body.get(name)
    if value is None:
        return None
    reference = value.get("id") if isinstance(value, Mapping) else None
    if not isinstance(reference, str):
        raise bad_request(f"{name}.id is required.", f"{name}.id")
    return reference


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and str(a).casefold() == str(b).casefold()


class SessionPatch:
    def __init__(self, users: Users, reset_tokens: ResetTokens) -> None:
        self._users = users
        self._reset_tokens = reset_tokens

    async def plan(
        self,
        body: Mapping[str, Any],
        state: SessionState | None,
        user: User | None,
        catalog: WebsiteCatalog,
        settings: Mapping[str, Any],
    ) -> PatchPlan:
        """Check the steps in order; `user` is the session's signed-in user (None: anonymous)."""
        plan = PatchPlan()
        user_name, email = _text(body, "userName"), _text(body, "email")
        password, new_password, reset_token = (
            _text(body, "password"),
            _text(body, "newPassword"),
            _text(body, "resetToken"),
        )
        reset_password, activate_account = _flag(body, RESET_PASSWORD), _flag(body, ACTIVATE_ACCOUNT)
        dashboard = _flag(body, "dashboardIsHomepage")
        language_id, currency_id = _reference(body, "language"), _reference(body, "currency")
        bill_to_id, ship_to_id = _reference(body, "billTo"), _reference(body, "shipTo")
        bill_to, ship_to = (None, None) if user is None or state is None else chosen_customers(state, user)

        # 100 ValidatePunchout
        if user is not None and user.punchout:
            changes_ship_to = ship_to_id is not None and not _same(
                ship_to_id, None if ship_to is None else ship_to["id"]
            )
            changes_password = new_password is not None and (password is not None or reset_token is not None)
            if reset_password or changes_password or changes_ship_to:
                raise not_allowed_in_punchout()

        # 500 ResetPassword, 600 ActivateAccount: an unknown user is sent nothing, and told nothing.
        for kind, asked in ((RESET_PASSWORD, reset_password), (ACTIVATE_ACCOUNT, activate_account)):
            if asked:
                recipient = await self._recipient(user_name, email, user)
                if recipient is not None and recipient.email:
                    plan.e_mails.append((kind, recipient))

        if new_password is None and (password is not None or reset_token is not None):
            raise bad_request("newPassword is required with password or resetToken.", "newPassword")
        if new_password is not None and password is None and reset_token is None:
            raise bad_request("newPassword needs the current password or a resetToken.", "newPassword")
        rules = settings["passwordRules"]

        # 700 ChangePassword
        if new_password is not None and password is not None:
            target = await self._users.find(user_name) if user_name is not None else user
            if target is None or not await verify_password_async(target.password_hash, password):
                raise invalid_credentials()
            self._check_rules(rules, new_password)
            plan.new_password = new_password
            plan.password_users.setdefault(target.id, False)

        # 800 ChangePasswordWithToken: also unlocks the user.
        if new_password is not None and reset_token is not None:
            grant = await self._reset_tokens.peek(reset_token)
            target = await self._users.find(user_name) if user_name is not None else user
            if (
                grant is None
                or (target is None and user_name is not None)
                or (target is not None and target.id != grant.user_id)
            ):
                raise invalid_reset_token()
            self._check_rules(rules, new_password)
            plan.new_password = new_password
            plan.password_users[grant.user_id] = True
            plan.reset_token = (reset_token, grant.user_id)

        # 900 SetLanguage, 1000 SetCurrency
        if language_id is not None:
            language = catalog.language_by_id(language_id)
            if language is None:
                raise language_not_found()
            plan.language = language["languageCode"]
        if currency_id is not None:
            currency = catalog.currency_by_id(currency_id)
            if currency is None:
                raise currency_not_found()
            plan.currency = currency["currencyCode"]

        # 1100 UpdateUserProfile: a profile exists only for a signed-in user.
        if dashboard is not None and user is not None:
            plan.dashboard_is_homepage = dashboard

        # 1200 SetBillTo: another bill-to brings its own default ship-to.
        if bill_to_id is not None:
            if user is None:
                raise unauthorized()
            chosen = user.bill_to(bill_to_id)
            if chosen is None:
                raise bill_to_not_found()
            if bill_to is None or chosen.id != bill_to.id:
                bill_to, ship_to = chosen, chosen.default_ship_to()
                plan.bill_to_id, plan.ship_to_id = chosen.id, str(ship_to["id"])

        # 1300 SetShipTo: one of the (new or current) bill-to's ship-tos.
        if ship_to_id is not None:
            if user is None:
                raise unauthorized()
            shipping = None if bill_to is None else bill_to.ship_to(ship_to_id)
            if shipping is None:
                raise ship_to_not_found()
            if ship_to is None or not _same(shipping["id"], ship_to["id"]):
                plan.ship_to_id = str(shipping["id"])
        return plan

    async def _recipient(self, user_name: str | None, email: str | None, user: User | None) -> User | None:
        """The user named by `userName`, else by `email`, else the signed-in one."""
        if user_name is not None:
            return await self._users.find(user_name)
        if email is not None:
            return await self._users.find_by_email(email)
        return user

    @staticmethod
    def _check_rules(rules: Mapping[str, Any], new_password: str) -> None:
        problem = password_problem(rules, new_password)
        if problem is not None:
            raise password_rules_not_met(problem)
