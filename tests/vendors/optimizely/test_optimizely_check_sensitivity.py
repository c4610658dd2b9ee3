"""Sensitivity for Optimizely: each mutant of the mock is a realistic backend bug that
`storefront-kit check --contract optimizely` must catch, exit 1, and name by the rule it breaks.

A mutant rewrites the answers of one operation (`Rewrite`) or replaces a piece of the mock's
domain. Each case checks only the operations its bug touches, and the run must fail that rule
alone: a run failing for an unrelated reason fails the test too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from connexion.security import NO_VALUE
from kit_helpers import (
    Answer,
    Mutant,
    answer_mutant,
    assert_conforms_fully,
    check_mutant,
    mock_app,
)
from optimizely_steps import users_not_as_found

from mock_server.common.passwords import verify_password_async
from mock_server.common.values import token_key
from mock_server.errors import ApiError
from mock_server.vendors.optimizely import VENDOR, security
from mock_server.vendors.optimizely.domain import session_records
from mock_server.vendors.optimizely.domain.errors import unauthorized
from mock_server.vendors.optimizely.domain.session_patch import SessionPatch, _reference
from mock_server.vendors.optimizely.domain.sessions import (
    Caller,
    SessionAnswer,
    Sessions,
)
from mock_server.vendors.optimizely.domain.tokens import REFRESH_PREFIX, Tokens
from mock_server.vendors.optimizely.domain.users import ResetTokens, User, Users
from mock_server.vendors.optimizely.handlers import sessions as session_handlers


def _answer(operation_id: str, change: Callable[[Answer], None]) -> Mutant:
    return answer_mutant("optimizely", operation_id, change)


# -- answers rewritten ----------------------------------------------------------------------------


def grant_refusal_in_api_shape(answer: Answer) -> None:
    """The token endpoint answers a refused grant in the API's `{"message"}` shape, not RFC 6749's."""
    if answer.status == 400 and isinstance(answer.body, dict) and answer.body.get("error") == "invalid_grant":
        answer.body = {"message": "The user name or password is incorrect."}


def session_without_currency(answer: Answer) -> None:
    """The session answer leaves out its currency."""
    if answer.status == 200 and isinstance(answer.body, dict):
        answer.body.pop("currency", None)


# -- the domain replaced --------------------------------------------------------------------------


def deactivated_checked_before_password(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A deactivated user is refused as deactivated whatever the password: the password is checked later."""
    original = Users.verify

    async def verify(self: Users, user_name: str | None, password: str) -> User | None:
        user = await self.find(user_name)
        return user if user is not None and user.deactivated else await original(self, user_name, password)

    monkeypatch.setattr(Users, "verify", verify)
    return app


def unknown_user_answers_401(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An unknown user name answers 401 where a wrong password answers 400: who has an account shows."""
    original = Sessions.sign_in

    async def sign_in(self: Sessions, caller: Caller, body: Mapping[str, Any]) -> SessionAnswer:
        if await self._users.find(body.get("userName")) is None:
            raise unauthorized()
        return await original(self, caller, body)

    monkeypatch.setattr(Sessions, "sign_in", sign_in)
    return app


def failed_attempts_not_counted(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Wrong passwords are never counted: no lock-out however many there are."""

    async def verify(self: Users, user_name: str | None, password: str) -> User | None:
        user = await self.find(user_name)
        if user is None or not await verify_password_async(user.password_hash, password):
            return None
        return user

    monkeypatch.setattr(Users, "verify", verify)
    return app


def ship_to_of_any_bill_to(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A ship-to of another of the user's bill-tos is taken, switching the bill-to to its owner."""
    original = SessionPatch.plan

    async def plan(self: SessionPatch, body: Mapping[str, Any], state: Any, user: User | None, *rest: Any) -> Any:
        ship_to = _reference(body, "shipTo")
        if ship_to is not None and user is not None:
            owner = next((bill_to for bill_to in user.bill_tos if bill_to.ship_to(ship_to) is not None), None)
            if owner is not None:
                body = {**body, "billTo": {"id": owner.id}}
        return await original(self, body, state, user, *rest)

    monkeypatch.setattr(SessionPatch, "plan", plan)
    return app


def punchout_allows_password_reset(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A punchout session lets a password reset through."""
    original = SessionPatch.plan

    async def plan(self: SessionPatch, body: Mapping[str, Any], state: Any, user: User | None, *rest: Any) -> Any:
        if user is not None and user.punchout and body.get("resetPassword") and not body.get("newPassword"):
            user = dataclasses.replace(user, punchout=False)
        return await original(self, body, state, user, *rest)

    monkeypatch.setattr(SessionPatch, "plan", plan)
    return app


def sign_out_keeps_the_token_session(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Signing out with a token signs the session out but leaves it, and so its tokens, alive."""
    original = Sessions.sign_out

    async def sign_out(self: Sessions, caller: Caller) -> None:
        if caller.grant is None:
            await original(self, caller)
            return
        settings = await self._settings.get()
        await self._records.change(
            caller.grant.session_id, settings, caller.grant.state, session_records.SessionState.signed_out
        )

    monkeypatch.setattr(Sessions, "sign_out", sign_out)
    return app


def refresh_token_reusable(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A refresh token is never spent: it gets new tokens again and again."""
    original = Tokens.spend_refresh

    async def spend_refresh(self: Tokens, value: str, client_id: str, check: Any) -> Any:
        key = REFRESH_PREFIX + token_key(value)
        record = await self._store.get(key)
        token = await original(self, value, client_id, check)
        if token is not None and record is not None:
            await self._store.put(key, record, 3600)
        return token

    monkeypatch.setattr(Tokens, "spend_refresh", spend_refresh)
    return app


def idle_timeout_ignored(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sessions never time out for idleness."""

    def live(self: session_records.SessionState, now: float, idle_seconds: float) -> bool:
        return self.ends_at is None or now < self.ends_at

    monkeypatch.setattr(session_records.SessionState, "live", live)
    return app


def patch_applies_the_language_of_a_refused_change(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A PATCH refused for its currency has already applied its language."""
    original = Sessions.update

    async def update(self: Sessions, caller: Caller, body: Mapping[str, Any]) -> SessionAnswer:
        try:
            return await original(self, caller, body)
        except ApiError as error:
            if error.code == "currencyNotFound" and body.get("language"):
                await original(self, caller, {"language": body["language"]})
            raise

    monkeypatch.setattr(Sessions, "update", update)
    return app


def reset_token_reusable(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A reset token is never spent: it sets a password again and again."""

    async def spend(self: ResetTokens, value: str, user_id: str) -> bool:
        grant = await self.peek(value)
        return grant is not None and grant.user_id == user_id

    monkeypatch.setattr(ResetTokens, "spend", spend)
    return app


def no_cookie_for_visitors(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The session a visitor's change opens is never named by a cookie: the change is lost."""

    def answer(answer: SessionAnswer, status: int) -> tuple[dict[str, Any], int]:
        return answer.session, status

    monkeypatch.setattr(session_handlers, "_answer", answer)
    return app


def refused_token_as_anonymous(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A bearer token the backend does not know is taken for no token: the caller is served anonymously."""
    original = security.bearer_token

    async def bearer_token(token: str) -> Any:
        found = await original(token)
        return NO_VALUE if found is None else found

    # Both paths find the check when the app is built: Connexion by its dotted name, the fast path
    # in the vendor's table.
    bearer_token.__module__, bearer_token.__qualname__ = original.__module__, original.__qualname__
    monkeypatch.setattr(security, "bearer_token", bearer_token)
    monkeypatch.setitem(VENDOR.security, "BearerToken", bearer_token)
    return mock_app("optimizely")


def _param(mutate: Mutant, rule: str, operations: tuple[str, ...], *, id: str, also: tuple[str, ...] = ()) -> Any:
    """`also`: rules the same bug breaks in other scenarios of these operations."""
    return pytest.param(mutate, rule, operations, also, id=id)


MUTANTS = [
    # sign-in
    _param(
        deactivated_checked_before_password, "sign_in_refusal_order", ("signIn",), id="deactivated-before-the-password"
    ),
    _param(failed_attempts_not_counted, "lockout_after_failed_attempts", ("signIn",), id="no-lock-out"),
    _param(unknown_user_answers_401, "sign_in_checks_credentials", ("signIn",), id="unknown-user-answers-401"),
    # the session's context
    _param(
        ship_to_of_any_bill_to, "ship_to_within_bill_to", ("updateCurrentSession",), id="ship-to-of-another-bill-to"
    ),
    _param(
        patch_applies_the_language_of_a_refused_change,
        "patch_all_or_nothing",
        ("updateCurrentSession",),
        id="patch-half-applied",
    ),
    _param(
        punchout_allows_password_reset, "punchout_refusals", ("updateCurrentSession",), id="punchout-password-reset"
    ),
    _param(no_cookie_for_visitors, "anonymous_context_kept", ("updateCurrentSession",), id="visitor-choice-forgotten"),
    _param(reset_token_reusable, "reset_token_single_use", ("updateCurrentSession",), id="reset-token-reusable"),
    _param(
        _answer("getCurrentSession", session_without_currency),
        "response_matches_schema",
        ("getCurrentSession",),
        id="session-without-currency",
    ),
    # tokens and sign-out
    _param(refresh_token_reusable, "refresh_token_one_time", ("requestToken",), id="refresh-token-reusable"),
    _param(
        _answer("requestToken", grant_refusal_in_api_shape),
        "error_body_shape",
        ("requestToken",),
        id="grant-refusal-in-api-shape",
    ),
    _param(sign_out_keeps_the_token_session, "sign_out_revokes_tokens", ("signOut",), id="sign-out-keeps-tokens"),
    _param(
        refused_token_as_anonymous,
        "credential_enforced",
        ("getCurrentSession",),
        id="unknown-token-served-anonymously",
        also=("sign_out_revokes_tokens",),
    ),
    _param(idle_timeout_ignored, "session_idle_timeout", ("getCurrentSession",), id="no-idle-timeout"),
]


@pytest.mark.parametrize(("mutate", "rule", "operations", "also"), MUTANTS)
def test_check_names_the_rule_a_mutant_breaks(
    mutate: Mutant,
    rule: str,
    operations: tuple[str, ...],
    also: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = mutate(mock_app("optimizely"), monkeypatch)
    run = check_mutant(
        app, "optimizely", operations, wait_for_expiry=rule == "session_idle_timeout", tmp_path=tmp_path, capsys=capsys
    )
    assert run.exit_code == 1, run.output
    assert rule in run.rules, f"expected a failure of {rule}, got {sorted(run.rules)}\n{run.output}"
    # The bug alone explains the run's failures: the same checks pass on the unmutated mock (below).
    assert run.rules == {rule, *also}, f"the run failed {sorted(run.rules)}, not {sorted({rule, *also})}\n{run.output}"


def test_the_unmutated_mock_conforms_with_full_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control of the cases above: the mock as it is breaks no rule and covers every documented code;
    and both phases leave the target's users as they found them."""

    def users_as_found(url: str) -> None:
        assert users_not_as_found(url) == []

    assert_conforms_fully("optimizely", tmp_path, capsys, then=users_as_found)
