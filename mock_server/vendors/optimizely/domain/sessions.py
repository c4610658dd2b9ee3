"""The four session operations: GET, POST (sign in), PATCH and DELETE on the caller's session."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

from mock_server.common.outbox import Outbox
from mock_server.common.passwords import hash_password_async
from mock_server.common.settings import Settings
from mock_server.vendors.optimizely.domain.catalog import Catalog
from mock_server.vendors.optimizely.domain.clock import Clock
from mock_server.vendors.optimizely.domain.errors import (
    bad_request,
    currency_not_found,
    invalid_credentials,
    invalid_reset_token,
    language_not_found,
    no_bill_to,
    other_website,
    password_change_required,
    unauthorized,
    user_deactivated,
    user_locked_out,
)
from mock_server.vendors.optimizely.domain.identity import Grant
from mock_server.vendors.optimizely.domain.session_patch import (
    ACTIVATE_ACCOUNT,
    PatchPlan,
    SessionPatch,
)
from mock_server.vendors.optimizely.domain.session_records import (
    SessionEnded,
    SessionRecords,
    SessionState,
    cookie_session_id,
)
from mock_server.vendors.optimizely.domain.session_view import session_view
from mock_server.vendors.optimizely.domain.users import ResetTokens, User, Users

SESSION_COOKIE = "SessionId"
# The storefront pages the e-mailed links open, by e-mail kind.
E_MAIL_PAGES = {"resetPassword": "ResetPassword", ACTIVATE_ACCOUNT: "ActivateAccount"}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a session operation: the bearer check's grant, else the raw `SessionId` cookie.

    A cookie that names no live session is ignored: the caller is then a new anonymous visitor.
    """

    grant: Grant | None = None
    cookie: str | None = None


@dataclass(frozen=True, slots=True)
class SetCookie:
    """The `SessionId` cookie an answer sets; `max_age` only for a remembered sign-in."""

    value: str
    max_age: int | None = None
    name: ClassVar[str] = SESSION_COOKIE

    def header(self) -> str:
        """The `Set-Cookie` header's value."""
        header = f"{self.name}={self.value}; Path=/; HttpOnly; SameSite=Lax"
        return header if self.max_age is None else f"{header}; Max-Age={self.max_age}"


@dataclass(frozen=True, slots=True)
class SessionAnswer:
    """A `Session` body, and the cookie to set when the operation opened a cookie session."""

    session: dict[str, Any]
    set_cookie: SetCookie | None = None


@dataclass(frozen=True, slots=True)
class _Opened:
    """The caller's session as this request found it; no id: a visitor with nothing stored yet."""

    session_id: str | None = None
    state: SessionState | None = None
    by_token: bool = False
    cookie: str | None = None


def _required_text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} is required.", name)
    return value


class Sessions:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        records: SessionRecords,
        users: Users,
        reset_tokens: ResetTokens,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._catalog = catalog
        self._records = records
        self._users = users
        self._reset_tokens = reset_tokens
        self._outbox = outbox
        self._clock = clock
        self._patch = SessionPatch(users, reset_tokens)

    async def _open(self, caller: Caller, settings: Mapping[str, Any]) -> _Opened:
        if caller.grant is not None:
            return _Opened(caller.grant.session_id, caller.grant.state, by_token=True)
        session_id = cookie_session_id(caller.cookie)
        state = None if session_id is None else await self._records.touch(session_id, settings)
        if state is None:
            return _Opened()
        return _Opened(session_id, state, cookie=caller.cookie)

    async def _write(
        self, opened: _Opened, settings: Mapping[str, Any], change: Callable[[SessionState], SessionState]
    ) -> tuple[SessionState, str | None]:
        """Store the changed session; a visitor without one gets a cookie session (its cookie answered)."""
        if opened.session_id is None or opened.state is None:
            state = change(SessionState(seen=self._clock()))
            return state, await self._records.open_for_cookie(state, settings)
        try:
            return await self._records.change(opened.session_id, settings, opened.state, change), None
        except SessionEnded:
            raise unauthorized() from None

    async def _user(self, state: SessionState | None) -> User | None:
        return None if state is None else await self._users.get(state.user_id)

    # --- GET /api/v1/sessions/current ------------------------------------------------------------

    async def current(
        self, caller: Caller, language_code: str | None = None, currency_code: str | None = None
    ) -> SessionAnswer:
        """The caller's session; the codes first switch its language and currency (`languageNotFound`,
        then `currencyNotFound`). Without a session, the website's defaults, and nothing stored."""
        settings = await self._settings.get()
        catalog = await self._catalog.get(settings)
        language = None if language_code is None else catalog.language_by_code(language_code)
        if language_code is not None and language is None:
            raise language_not_found()
        currency = None if currency_code is None else catalog.currency_by_code(currency_code)
        if currency_code is not None and currency is None:
            raise currency_not_found()
        opened = await self._open(caller, settings)
        state, set_cookie = opened.state, None
        if language is not None or currency is not None:

            def switch(current: SessionState) -> SessionState:
                return dataclasses.replace(
                    current,
                    language=current.language if language is None else language["languageCode"],
                    currency=current.currency if currency is None else currency["currencyCode"],
                )

            state, cookie = await self._write(opened, settings, switch)
            set_cookie = None if cookie is None else SetCookie(cookie)
        return SessionAnswer(session_view(state, await self._user(state), catalog), set_cookie)

    # --- POST /api/v1/sessions -------------------------------------------------------------------

    async def sign_in(self, caller: Caller, body: Mapping[str, Any]) -> SessionAnswer:
        """Sign the user into the caller's session (a new cookie session if there is none).

        Refusals in the vendor's order: `invalidCredentials`, `userDeactivated`,
        `passwordChangeRequired`, `userLockedOut`, `otherWebsite`, `noBillTo`.
        """
        user_name, password = _required_text(body, "userName"), _required_text(body, "password")
        remember_me = body.get("rememberMe") is True
        settings = await self._settings.get()
        catalog = await self._catalog.get(settings)
        opened = await self._open(caller, settings)
        user = await self._users.verify(user_name, password)
        if user is None:
            raise invalid_credentials()
        if user.deactivated:
            raise user_deactivated()
        if user.must_change_password:
            raise password_change_required()
        if user.locked(self._clock()):
            raise user_locked_out()
        if not user.allowed_on(settings["website"]):
            raise other_website()
        bill_to = user.default_bill_to()
        if bill_to is None:
            raise no_bill_to()
        ship_to_id = str(bill_to.default_ship_to()["id"])
        remembered_for = settings["rememberMeSeconds"] if remember_me else None
        # A remembered cookie session ends with its cookie; a token session with its tokens.
        ends_at = None if remembered_for is None or opened.by_token else self._clock() + remembered_for

        def sign_in(current: SessionState) -> SessionState:
            return dataclasses.replace(
                current,
                user_id=user.id,
                bill_to_id=bill_to.id,
                ship_to_id=ship_to_id,
                remember_me=remember_me,
                ends_at=ends_at,
            )

        state, new_cookie = await self._write(opened, settings, sign_in)
        await self._users.record_sign_in(user.id)
        cookie = new_cookie or opened.cookie
        # A cookie session's cookie is set again: its Max-Age follows rememberMe.
        set_cookie = None if cookie is None else SetCookie(cookie, remembered_for)
        return SessionAnswer(session_view(state, user, catalog), set_cookie)

    # --- PATCH /api/v1/sessions/current ----------------------------------------------------------

    async def update(self, caller: Caller, body: Mapping[str, Any]) -> SessionAnswer:
        """Run the vendor's steps in order; the first that fails answers, and nothing is changed or sent."""
        settings = await self._settings.get()
        catalog = await self._catalog.get(settings)
        opened = await self._open(caller, settings)
        user = await self._user(opened.state)
        plan = await self._patch.plan(body, opened.state, user, catalog, settings)
        state, set_cookie = await self._carry_out(plan, opened, user, settings)
        if plan.dashboard_is_homepage is not None or plan.password_users:
            user = await self._user(state)
        view = session_view(state, user, catalog, customer_was_updated=plan.customer_changed)
        return SessionAnswer(view, set_cookie)

    async def _carry_out(
        self, plan: PatchPlan, opened: _Opened, user: User | None, settings: Mapping[str, Any]
    ) -> tuple[SessionState | None, SetCookie | None]:
        # The one step that can still fail (a token spent by a parallel request) goes first.
        hashed = None if plan.new_password is None else await hash_password_async(plan.new_password)
        if plan.reset_token is not None and not await self._reset_tokens.spend(*plan.reset_token):
            raise invalid_reset_token()
        state, set_cookie = opened.state, None
        if plan.session_changed:
            state, cookie = await self._write(opened, settings, plan.applied_to(None if user is None else user.id))
            set_cookie = None if cookie is None else SetCookie(cookie)
        for user_id, unlock in plan.password_users.items():
            await self._users.change(user_id, _password_changed(hashed, unlock))
        if plan.dashboard_is_homepage is not None and user is not None:
            dashboard = plan.dashboard_is_homepage
            await self._users.change(user.id, lambda record: {**record, "dashboardIsHomepage": dashboard})
        for kind, recipient in plan.e_mails:
            await self._send(kind, recipient, settings)
        return state, set_cookie

    async def _send(self, kind: str, recipient: User, settings: Mapping[str, Any]) -> None:
        assert recipient.email is not None
        token = await self._reset_tokens.issue(recipient.id, settings["resetTokenSeconds"])
        query = urlencode({"resetToken": token, "userName": recipient.user_name})
        link = f"{settings['storefrontUrl'].rstrip('/')}/{E_MAIL_PAGES[kind]}?{query}"
        await self._outbox.send(to=recipient.email, kind=kind, token=token, link=link)

    # --- DELETE /api/v1/sessions/current ---------------------------------------------------------

    async def sign_out(self, caller: Caller) -> None:
        """Sign out. A token's session ends, and with it every token issued for it; a cookie's session
        stays, anonymous, with its language and currency. Without either there is nothing to do."""
        if caller.grant is not None:
            await self._records.end(caller.grant.session_id)
            return
        settings = await self._settings.get()
        opened = await self._open(caller, settings)
        if opened.session_id is None or opened.state is None:
            return
        try:
            await self._records.change(opened.session_id, settings, opened.state, SessionState.signed_out)
        except SessionEnded:
            pass  # signed out or over meanwhile: what was asked for


def _password_changed(hashed: str | None, unlock: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(record: dict[str, Any]) -> dict[str, Any]:
        changed = {**record, "passwordHash": hashed, "mustChangePassword": False, "failedAttempts": 0}
        if unlock:
            changed["lockedUntil"] = None
        return changed

    return change
