"""The token endpoint: password and refresh grants, the client's Basic credentials, RFC 6749 refusals."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.optimizely.context import SIGNED_IN, OptimizelyContext
from conformance.vendors.optimizely.users import SCOPE


@scenario(
    covers={
        "requestToken": ("invalidGrant", "invalidClient", "invalidScope", "unsupportedGrantType", "invalidRequest")
    },
    operations=("requestToken",),
    needs=("testData.client", "testData.users.demo"),
)
def password_grant(ctx: OptimizelyContext) -> None:
    """The password grant answers a bearer token (a refresh token with offline_access); wrong credentials, clients, scopes and grants are refused."""
    form = ctx.token_form()
    body = ctx.ok("requestToken", "the demo user's password grant", credential=ctx.client_credential(), form=form)
    ctx.expect(
        str(body.get("token_type", "")).lower() == "bearer",
        "bearer_token_issued",
        f"token_type is {body.get('token_type')!r}, not Bearer",
        operation_id="requestToken",
    )
    ctx.expect(
        isinstance(body.get("expires_in"), int) and body["expires_in"] > 0,
        "bearer_token_issued",
        f"expires_in is {body.get('expires_in')!r}",
        operation_id="requestToken",
    )
    ctx.expect(
        bool(body.get("refresh_token")),
        "refresh_token_with_offline_access",
        "a grant asking for offline_access answered no refresh_token",
        operation_id="requestToken",
    )
    online = ctx.ok(
        "requestToken",
        "a password grant without offline_access",
        credential=ctx.client_credential(),
        form={**form, "scope": "iscapi"},
    )
    ctx.expect(
        not online.get("refresh_token"),
        "refresh_token_with_offline_access",
        "a grant without offline_access answered a refresh_token",
        operation_id="requestToken",
    )
    demo = ctx.user("demo")
    ctx.error(
        "requestToken",
        "invalidGrant",
        "a wrong password",
        rule="password_grant_checks_credentials",
        credential=ctx.client_credential(),
        form={**form, "password": demo["password"] + "-wrong"},
    )
    ctx.error(
        "requestToken",
        "invalidGrant",
        "a user name no user has",
        rule="password_grant_checks_credentials",
        credential=ctx.client_credential(),
        form={**form, "username": "sfk-" + ctx.hex_token(12)},
    )
    if ctx.target.data("users.lockedOut"):
        ctx.error(
            "requestToken",
            "invalidGrant",
            "a locked-out user's right password",
            rule="password_grant_checks_lockout",
            credential=ctx.client_credential(),
            form=ctx.token_form("lockedOut"),
        )
    ctx.error(
        "requestToken",
        "invalidClient",
        "a client id the backend does not know",
        rule="client_checked",
        credential=ctx.client_credential(client_id="sfk-" + ctx.hex_token(8)),
        form=form,
    )
    ctx.error(
        "requestToken",
        "invalidClient",
        "a request without the client's Basic credentials",
        rule="client_checked",
        form=form,
    )
    secured = ctx.target.data("securedClient")
    if secured:
        ctx.error(
            "requestToken",
            "invalidClient",
            "a client's wrong secret",
            rule="client_checked",
            credential=ctx.client_credential(secured["id"], secured["secret"] + "-wrong"),
            form=form,
        )
        ctx.ok(
            "requestToken",
            "a client's right secret",
            credential=ctx.client_credential(secured["id"], secured["secret"]),
            form=form,
        )
    ctx.error(
        "requestToken",
        "invalidScope",
        "a scope the client may not ask for",
        rule="scope_checked",
        credential=ctx.client_credential(),
        form={**form, "scope": "iscapi sfk_unknown_scope"},
    )
    ctx.error(
        "requestToken",
        "unsupportedGrantType",
        "the grant type client_credentials",
        rule="grant_type_checked",
        credential=ctx.client_credential(),
        form={**form, "grant_type": "client_credentials"},
    )
    ctx.error(
        "requestToken",
        "invalidRequest",
        "a password grant without a password",
        credential=ctx.client_credential(),
        form={key: value for key, value in form.items() if key != "password"},
    )


@scenario(
    requires=SIGNED_IN,
    covers={"requestToken": ("invalidGrant",)},
    operations=("requestToken", "getCurrentSession"),
    needs=("testData.client", "testData.users.demo"),
)
def refresh_grant(ctx: OptimizelyContext) -> None:
    """A refresh token answers a new token for the same session, once; a spent or unknown one is refused."""
    caller = ctx.sign_in()
    assert caller.refresh_token is not None
    refresh = {"grant_type": "refresh_token", "refresh_token": caller.refresh_token, "scope": SCOPE}
    body = ctx.ok("requestToken", "the refresh grant", credential=ctx.client_credential(), form=refresh)
    ctx.expect(
        bool(body.get("access_token")) and body.get("access_token") != caller.access_token,
        "refresh_answers_new_token",
        "the refresh grant answered no new access_token",
        operation_id="requestToken",
    )
    session = ctx.ok(
        "getCurrentSession", "reading the session with the refreshed token", credential=str(body["access_token"])
    )
    demo = ctx.user("demo")
    ctx.expect(
        session.get("isAuthenticated") is True and str(session.get("userName", "")).lower() == demo["userName"].lower(),
        "refresh_keeps_session",
        f"with the refreshed token the session is isAuthenticated={session.get('isAuthenticated')!r}, "
        f"userName={session.get('userName')!r}; the signed-in session was the demo user's",
        operation_id="requestToken",
    )
    ctx.error(
        "requestToken",
        "invalidGrant",
        "a refresh token that was already used",
        rule="refresh_token_one_time",
        credential=ctx.client_credential(),
        form=refresh,
    )
    ctx.error(
        "requestToken",
        "invalidGrant",
        "a refresh token the backend never issued",
        credential=ctx.client_credential(),
        form={**refresh, "refresh_token": ctx.hex_token(43)},
    )
