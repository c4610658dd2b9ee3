"""Sensitivity for Emporix: each mutant of the mock is a realistic backend bug that
`storefront-kit check --contract emporix` must catch, exit 1, and name by the rule it breaks.

A mutant rewrites the requests or answers of one operation (`Rewrite`) or replaces a piece of the
mock's domain. Each case checks only the operations its bug touches, and the run must fail that
rule alone: a run failing for an unrelated reason fails the test too.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kit_helpers import (
    Answer,
    Mutant,
    answer_mutant,
    assert_conforms_fully,
    check_mutant,
    mock_app,
)

from mock_server.errors import ApiError
from mock_server.vendors.emporix import security
from mock_server.vendors.emporix.domain import contexts, sites
from mock_server.vendors.emporix.domain.anonymous import AnonymousSessions
from mock_server.vendors.emporix.domain.contexts import CONTEXT_PREFIX, ContextService
from mock_server.vendors.emporix.domain.customers import CustomerService
from mock_server.vendors.emporix.domain.errors import session_not_found
from mock_server.vendors.emporix.domain.tokens import (
    PREFIXES,
    SESSION_TOKENS_PREFIX,
    Token,
    Tokens,
)

MANAGE_SCOPE = "sessioncontext.context_manage"


def _answer(operation_id: str, change: Callable[[Answer], None]) -> Mutant:
    return answer_mutant("emporix", operation_id, change)


# -- answers rewritten ----------------------------------------------------------------------------


def not_found_without_session_id(answer: Answer) -> None:
    """The 404 for an unknown session leaves out the session id the vendor's body names."""
    if answer.status == 404 and isinstance(answer.body, dict):
        answer.body.pop("sessionId", None)


def not_found_in_other_words(answer: Answer) -> None:
    """The 404 for an unknown session says `Not found` instead of the vendor's `Session not found`."""
    if answer.status == 404 and isinstance(answer.body, dict):
        answer.body["message"] = "Not found"


def unauthenticated_in_service_body(answer: Answer) -> None:
    """A refused token is answered by the service in its own body, not by the gateway's fault."""
    if answer.status == 401:
        answer.body = {"code": 401, "message": "Invalid access token"}


def attribute_added_without_answer(answer: Answer) -> None:
    """Adding an attribute to the own context answers 204 and no body, like the management route."""
    if answer.status == 201:
        answer.status, answer.body = 204, None
        answer.headers.pop("content-type", None)


def attribute_answered_with_other_name(answer: Answer) -> None:
    """Adding an attribute answers a fixed word instead of the attribute's name."""
    if answer.status == 201:
        answer.body = "created"


def version_as_string(answer: Answer) -> None:
    """The context's metadata.version is written as a string."""
    if answer.status == 200 and isinstance(answer.body, dict):
        answer.body["metadata"]["version"] = str(answer.body["metadata"]["version"])


def unknown_refresh_token_as_invalid_client(answer: Answer) -> None:
    """An unknown refresh token is refused by the gateway as an unknown client."""
    if answer.status == 401 and isinstance(answer.body, dict) and answer.body.get("message") == "Invalid refresh token":
        answer.body = {
            "fault": {
                "faultstring": "Invalid client identifier",
                "detail": {"errorcode": "oauth.v2.InvalidClientIdentifier"},
            }
        }


def wrong_password_as_invalid_token(answer: Answer) -> None:
    """A wrong password is answered as if the bearer token were refused."""
    if answer.status == 401 and isinstance(answer.body, dict) and "fault" not in answer.body:
        answer.body = {
            "fault": {"faultstring": "Invalid access token", "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}
        }


# -- the domain replaced --------------------------------------------------------------------------


async def _current_version(service: ContextService, session_id: str) -> int | None:
    try:
        return (await service._live(session_id)).version
    except ApiError:
        return None


def stale_version_accepted_on_put(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PUT never compares metadata.version: a stale one replaces the context."""
    original = ContextService.replace

    async def replace(self: ContextService, session_id: str, body: dict[str, Any], **options: Any) -> None:
        version = await _current_version(self, session_id)
        if version is not None:
            body = {**body, "metadata": {"version": version}}
        await original(self, session_id, body, **options)

    monkeypatch.setattr(ContextService, "replace", replace)
    return app


def stale_version_accepted_on_patch(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PATCH never compares metadata.version: a stale one changes the context."""
    original = ContextService.patch_own

    async def patch_own(self: ContextService, token: Token, body: dict[str, Any]) -> None:
        version = await _current_version(self, str(token.session_id))
        if version is not None:
            body = {**body, "metadata": {"version": version}}
        await original(self, token, body)

    monkeypatch.setattr(ContextService, "patch_own", patch_own)
    return app


def patch_takes_every_field(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PATCH applies every field it is sent, cartId and customerId too."""
    monkeypatch.setattr(contexts, "PATCHABLE", tuple(contexts.FIELDS))
    return app


def login_opens_a_new_session(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Customer login starts a session of its own instead of taking over the anonymous one."""
    original = CustomerService.login

    async def login(self: CustomerService, token: Token, tenant: str, email: str, password: str) -> dict[str, Any]:
        return await original(self, dataclasses.replace(token, session_id=str(uuid.uuid4())), tenant, email, password)

    monkeypatch.setattr(CustomerService, "login", login)
    return app


def any_service_token_manages(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every valid service token may manage contexts, whatever scopes its client was granted."""
    original = security._token_info

    def token_info(grant: Token, request: Any) -> dict[str, Any]:
        info = original(grant, request)
        if grant.kind == "service" and MANAGE_SCOPE not in grant.scopes:
            info["scope"] = f"{info['scope']} {MANAGE_SCOPE}"
        return info

    monkeypatch.setattr(security, "_token_info", token_info)
    return app


def tenant_not_checked(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The routes never compare the token's tenant with the path's."""
    monkeypatch.setattr(security, "check_tenant", lambda grant, tenant: None)
    return app


def refresh_opens_a_new_session(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An anonymous refresh checks the refresh token, then answers a new anonymous login."""
    original = AnonymousSessions.refresh

    async def refresh(self: AnonymousSessions, tenant: str, refresh_token: str, client_id: str) -> dict[str, Any]:
        await original(self, tenant, refresh_token, client_id)
        return await self.login(tenant, client_id)

    monkeypatch.setattr(AnonymousSessions, "refresh", refresh)
    return app


def saas_token_not_checked(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PUT ignores the saas-token header: it acts as if the context's own customer had sent it."""
    original = ContextService.replace

    async def replace(self: ContextService, session_id: str, body: dict[str, Any], **options: Any) -> None:
        record = await self._store.get(CONTEXT_PREFIX + session_id) or {}
        customer = body.get("customerId") or record.get("customerId")
        if customer:
            settings = await self._settings.get()
            grant = Token("customer", settings["tenant"], (), "mutant", None, customer, self._clock() + 60)
            options["saas_token"] = await self._tokens.issue("saas", grant)
        await original(self, session_id, body, **options)

    monkeypatch.setattr(ContextService, "replace", replace)
    return app


def logout_keeps_tokens(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Logout removes the session's context but leaves its tokens valid."""

    async def revoke_session(self: Tokens, session_id: str) -> int:
        return 0

    monkeypatch.setattr(Tokens, "revoke_session", revoke_session)
    return app


def logout_keeps_context(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Logout revokes the tokens but leaves the session's context behind."""

    async def remove(self: ContextService, session_id: str) -> bool:
        return False

    monkeypatch.setattr(ContextService, "remove", remove)
    return app


def patch_applies_only_the_currency(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PATCH changes the currency alone; the siteCode, language, targetLocation and context it is sent are lost."""
    monkeypatch.setattr(contexts, "PATCHABLE", ("currency",))
    return app


def logout_keeps_refresh_tokens(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Logout revokes the session's access tokens only: its refresh token still gets new ones."""

    async def revoke_session(self: Tokens, session_id: str) -> int:
        keys: list[str] = await self._store.pop(SESSION_TOKENS_PREFIX + session_id) or []
        for key in keys:
            if key.startswith(PREFIXES["access"]):
                await self._store.delete(key)
        return len(keys)

    monkeypatch.setattr(Tokens, "revoke_session", revoke_session)
    return app


def customer_refresh_ignores_the_tenant(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A customer's refresh token works on any tenant's path."""
    original = CustomerService.refresh

    async def refresh(self: CustomerService, tenant: str, refresh_token: str) -> dict[str, Any]:
        grant = await self._tokens.find("refresh", refresh_token)
        return await original(self, tenant if grant is None else grant.tenant, refresh_token)

    monkeypatch.setattr(CustomerService, "refresh", refresh)
    return app


def logout_ignores_the_tenant(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Logout on any tenant's path logs the customer out."""
    original = CustomerService.logout

    async def logout(self: CustomerService, tenant: str, access_token: str) -> None:
        grant = await self._tokens.find("access", access_token)
        await original(self, tenant if grant is None else grant.tenant, access_token)

    monkeypatch.setattr(CustomerService, "logout", logout)
    return app


def upsert_ignores_the_body(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PUT with upsert=true creates an empty context instead of the one sent."""
    original = ContextService.replace

    async def replace(
        self: ContextService,
        session_id: str,
        body: dict[str, Any],
        *,
        upsert: bool = False,
        saas_token: str | None = None,
    ) -> None:
        if upsert and await _current_version(self, session_id) is None:
            body = {"metadata": body.get("metadata", {})}
        await original(self, session_id, body, upsert=upsert, saas_token=saas_token)

    monkeypatch.setattr(ContextService, "replace", replace)
    return app


def upsert_ignored(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """PUT with upsert=true to a missing context answers 204 and creates nothing."""
    original = ContextService.replace

    async def replace(
        self: ContextService,
        session_id: str,
        body: dict[str, Any],
        *,
        upsert: bool = False,
        saas_token: str | None = None,
    ) -> None:
        if upsert and await _current_version(self, session_id) is None:
            return
        await original(self, session_id, body, upsert=upsert, saas_token=saas_token)

    monkeypatch.setattr(ContextService, "replace", replace)
    return app


def no_default_currency(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A new anonymous context gets a currency only when the login names one (the site's default is forgotten)."""
    original = sites.default_site

    def default_site(settings: Any) -> sites.Site:
        return dataclasses.replace(original(settings), default_currency=None)  # type: ignore[arg-type]

    monkeypatch.setattr(contexts, "default_site", default_site)
    return app


def anonymous_session_never_expires(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An anonymous context outlives anonymousSessionSeconds: expiry is never looked at."""
    monkeypatch.setattr(contexts.SessionContext, "live", lambda self, now: True)
    return app


def service_token_on_own_routes(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The own-session routes take a service token and look for its (absent) session: 404, not 401."""
    monkeypatch.setattr(security, "invalid_access_token", lambda: session_not_found(""))
    return app


def _param(mutate: Mutant, rule: str, operations: tuple[str, ...], *, id: str) -> Any:
    return pytest.param(mutate, rule, operations, id=id)


MUTANTS = [
    # versions, PUT and PATCH
    _param(
        stale_version_accepted_on_put,
        "optimistic_locking",
        ("updateSessionContext",),
        id="stale-version-accepted-on-put",
    ),
    _param(
        stale_version_accepted_on_patch,
        "optimistic_locking",
        ("updateOwnSessionContext",),
        id="stale-version-accepted-on-patch",
    ),
    _param(
        patch_takes_every_field,
        "patch_ignores_other_fields",
        ("updateOwnSessionContext",),
        id="patch-changes-cart-and-customer",
    ),
    _param(
        patch_applies_only_the_currency,
        "patch_changes_allowed_fields",
        ("updateOwnSessionContext",),
        id="patch-applies-only-the-currency",
    ),
    _param(upsert_ignores_the_body, "upsert_creates", ("updateSessionContext",), id="upsert-creates-an-empty-context"),
    _param(upsert_ignored, "upsert_creates", ("updateSessionContext",), id="upsert-ignored"),
    _param(saas_token_not_checked, "saas_token_checked", ("updateSessionContext",), id="saas-token-not-checked"),
    # tokens: scopes, tenants, kinds
    _param(any_service_token_manages, "scope_enforced", ("getSessionContext",), id="limited-client-manages"),
    _param(tenant_not_checked, "tenant_checked", ("getSessionContext",), id="foreign-tenant-token-accepted"),
    _param(
        customer_refresh_ignores_the_tenant,
        "tenant_checked",
        ("customerRefresh",),
        id="customer-refresh-on-another-tenant",
    ),
    _param(logout_ignores_the_tenant, "tenant_checked", ("customerLogout",), id="logout-on-another-tenant"),
    _param(
        service_token_on_own_routes, "token_kind_checked", ("getOwnSessionContext",), id="service-token-on-own-routes"
    ),
    # sessions: login, refresh, logout, expiry, defaults
    _param(login_opens_a_new_session, "login_keeps_session", ("customerLogin",), id="login-answers-a-new-session"),
    _param(
        refresh_opens_a_new_session,
        "refresh_keeps_session",
        ("anonymousRefresh",),
        id="anonymous-refresh-answers-a-new-session",
    ),
    _param(logout_keeps_tokens, "logout_revokes", ("customerLogout",), id="logout-keeps-the-access-token"),
    _param(logout_keeps_refresh_tokens, "logout_revokes", ("customerLogout",), id="logout-keeps-the-refresh-token"),
    _param(logout_keeps_context, "logout_ends_session", ("customerLogout",), id="logout-keeps-the-context"),
    _param(
        anonymous_session_never_expires,
        "session_expires",
        ("getOwnSessionContext",),
        id="anonymous-session-never-expires",
    ),
    _param(
        no_default_currency,
        "anonymous_context_defaults",
        ("anonymousLogin",),
        id="anonymous-context-without-default-currency",
    ),
    # answers: statuses, bodies, codes
    _param(
        _answer("addOwnSessionContextAttribute", attribute_added_without_answer),
        "status_documented_for_operation",
        ("addOwnSessionContextAttribute",),
        id="own-attribute-answers-204",
    ),
    _param(
        _answer("addOwnSessionContextAttribute", attribute_answered_with_other_name),
        "attribute_name_answered",
        ("addOwnSessionContextAttribute",),
        id="own-attribute-answers-another-name",
    ),
    _param(
        _answer("getSessionContext", version_as_string),
        "response_matches_schema",
        ("getSessionContext",),
        id="version-as-string",
    ),
    _param(
        _answer("getSessionContext", not_found_without_session_id),
        "error_body_shape",
        ("getSessionContext",),
        id="not-found-without-session-id",
    ),
    _param(
        _answer("getSessionContext", not_found_in_other_words),
        "error_body_of_a_documented_code",
        ("getSessionContext",),
        id="not-found-in-other-words",
    ),
    _param(
        _answer("getSessionContext", unauthenticated_in_service_body),
        "error_body_shape",
        ("getSessionContext",),
        id="401-in-the-service-body",
    ),
    _param(
        _answer("anonymousRefresh", unknown_refresh_token_as_invalid_client),
        "documented_cause_answers_code",
        ("anonymousRefresh",),
        id="unknown-refresh-token-answers-invalid-client",
    ),
    _param(
        _answer("customerLogin", wrong_password_as_invalid_token),
        "credentials_checked",
        ("customerLogin",),
        id="wrong-password-answers-invalid-token",
    ),
]


@pytest.mark.parametrize(("mutate", "rule", "operations"), MUTANTS)
def test_check_names_the_rule_a_mutant_breaks(
    mutate: Mutant,
    rule: str,
    operations: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = mutate(mock_app("emporix"), monkeypatch)
    run = check_mutant(
        app, "emporix", operations, wait_for_expiry=rule == "session_expires", tmp_path=tmp_path, capsys=capsys
    )
    assert run.exit_code == 1, run.output
    assert rule in run.rules, f"expected a failure of {rule}, got {sorted(run.rules)}\n{run.output}"
    # The bug alone explains the run's failures: the same checks pass on the unmutated mock (below).
    assert run.rules == {rule}, f"the run also failed {sorted(run.rules - {rule})}\n{run.output}"


def test_the_unmutated_mock_conforms_with_full_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control of the cases above: the mock as it is breaks no rule and covers every documented code."""
    assert_conforms_fully("emporix", tmp_path, capsys)
