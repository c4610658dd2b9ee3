"""Service, anonymous and customer tokens: who gets one, what it names, and what ends it."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.emporix.context import ANONYMOUS, LOGGED_IN, MANAGE_SCOPE, EmporixContext


@scenario(covers={"requestServiceToken": ("invalidClient", "badRequest")}, operations=("requestServiceToken",))
def service_tokens(ctx: EmporixContext) -> None:
    """A service client gets a bearer token with its scopes and its tenant; wrong credentials are refused."""
    client = ctx.test_data("serviceClient")
    form = {"grant_type": "client_credentials", "client_id": client["id"], "client_secret": client["secret"]}
    body = ctx.ok("requestServiceToken", "the service client's credentials", form=form)
    scopes = str(body.get("scope", "")).split()
    ctx.expect(
        str(body.get("token_type", "")).lower() == "bearer",
        "service_token_issued",
        f"token_type is {body.get('token_type')!r}, not Bearer",
        operation_id="requestServiceToken",
    )
    ctx.expect(
        f"tenant={ctx.tenant}" in scopes and MANAGE_SCOPE in scopes,
        "service_token_scopes",
        f"the service client's token has the scope {body.get('scope')!r}; expected tenant={ctx.tenant} and "
        f"{MANAGE_SCOPE}",
        operation_id="requestServiceToken",
    )
    narrowed = ctx.ok(
        "requestServiceToken", "asking for one scope the client holds", form={**form, "scope": MANAGE_SCOPE}
    )
    ctx.expect(
        set(str(narrowed.get("scope", "")).split()) <= {MANAGE_SCOPE, f"tenant={ctx.tenant}"},
        "service_token_scopes",
        f"asking for {MANAGE_SCOPE} alone granted {narrowed.get('scope')!r}",
        operation_id="requestServiceToken",
    )
    if ctx.target.data("limitedClient"):
        limited = ctx.test_data("limitedClient")
        other = ctx.ok(
            "requestServiceToken",
            "the limited client's credentials",
            form={**form, "client_id": limited["id"], "client_secret": limited["secret"]},
        )
        ctx.expect(
            MANAGE_SCOPE not in str(other.get("scope", "")).split(),
            "service_token_scopes",
            f"the limited client was granted {MANAGE_SCOPE}",
            operation_id="requestServiceToken",
        )
    ctx.error(
        "requestServiceToken",
        "invalidClient",
        "a wrong client secret",
        rule="client_credentials_checked",
        form={**form, "client_secret": client["secret"] + "-wrong"},
    )
    ctx.error(
        "requestServiceToken",
        "invalidClient",
        "a client id the backend does not know",
        rule="client_credentials_checked",
        form={**form, "client_id": "sfk-" + ctx.hex_token(12)},
    )
    ctx.error(
        "requestServiceToken",
        "badRequest",
        "a form without grant_type",
        form={key: value for key, value in form.items() if key != "grant_type"},
    )
    ctx.error("requestServiceToken", "badRequest", "the grant type password", form={**form, "grant_type": "password"})


@scenario(
    requires=ANONYMOUS,
    covers={"anonymousLogin": ("invalidClient",), "anonymousRefresh": ("invalidClient", "invalidRefreshToken")},
    operations=("anonymousLogin", "anonymousRefresh", "getOwnSessionContext"),
)
def anonymous_sessions(ctx: EmporixContext) -> None:
    """Anonymous login opens a session whose context starts from the default site; refresh keeps it."""
    first, second = ctx.anonymous(), ctx.anonymous()
    ctx.expect(
        first.session_id != second.session_id,
        "session_ids_unique",
        "two anonymous logins answered the same sessionId",
        operation_id="anonymousLogin",
    )
    site = ctx.default_site()
    own = ctx.ok(
        "getOwnSessionContext",
        "reading the context of a new anonymous session",
        credential=first.access_token,
        path={"tenant": ctx.tenant},
    )
    expected = {
        "sessionId": first.session_id,
        "siteCode": site.get("code"),
        "currency": site.get("defaultCurrency"),
        "language": site.get("defaultLanguage"),
        "targetLocation": site.get("homeBaseCountry"),
    }
    found = {key: own.get(key) for key in expected}
    ctx.expect(
        found == expected,
        "anonymous_context_defaults",
        f"the new session's context is {found}; the default site gives {expected}",
        operation_id="getOwnSessionContext",
    )
    ctx.expect(
        "customerId" not in own,
        "anonymous_context_defaults",
        "an anonymous session's context has a customerId",
        operation_id="getOwnSessionContext",
    )
    sites = ctx.setting("sites") or []
    other = next((entry for entry in sites if entry.get("code") != site.get("code")), None)
    if other is not None:
        chosen = {
            "siteCode": other["code"],
            "currency": other["defaultCurrency"],
            "language": other["defaultLanguage"],
            "targetLocation": other["homeBaseCountry"],
        }
        session = ctx.anonymous(**chosen)
        own = ctx.ok(
            "getOwnSessionContext",
            "reading a context opened with the login's own values",
            credential=session.access_token,
            path={"tenant": ctx.tenant},
        )
        found = {key: own.get(key) for key in chosen}
        ctx.expect(
            found == chosen,
            "anonymous_context_defaults",
            f"an anonymous login with {chosen} opened a context with {found}",
            operation_id="anonymousLogin",
        )
    storefront = ctx.target.data("storefrontClient")
    unknown = "sfk-" + ctx.hex_token(12)
    ctx.error(
        "anonymousLogin",
        "invalidClient",
        "a client id the backend does not know",
        rule="client_checked",
        query={"tenant": ctx.tenant, "client_id": unknown},
    )
    refreshed = ctx.ok(
        "anonymousRefresh",
        "refreshing the anonymous token",
        query={"tenant": ctx.tenant, "client_id": storefront, "refresh_token": first.refresh_token},
    )
    ctx.expect(
        refreshed.get("sessionId") == first.session_id,
        "refresh_keeps_session",
        f"the refresh answered the session {refreshed.get('sessionId')!r}, not {first.session_id!r}",
        operation_id="anonymousRefresh",
    )
    ctx.ok(
        "getOwnSessionContext",
        "reading the context with the refreshed token",
        credential=str(refreshed["access_token"]),
        path={"tenant": ctx.tenant},
    )
    ctx.error(
        "anonymousRefresh",
        "invalidRefreshToken",
        "a refresh token the backend never issued",
        query={"tenant": ctx.tenant, "client_id": storefront, "refresh_token": ctx.hex_token(43)},
    )
    ctx.error(
        "anonymousRefresh",
        "invalidClient",
        "a client id the backend does not know",
        rule="client_checked",
        query={"tenant": ctx.tenant, "client_id": unknown, "refresh_token": first.refresh_token},
    )


@scenario(
    requires=ANONYMOUS,
    covers={"customerLogin": ("invalidCredentials", "tenantMismatch", "invalidAccessToken")},
    operations=("customerLogin", "addOwnSessionContextAttribute"),
    needs=("testData.customer",),
)
def customer_login(ctx: EmporixContext) -> None:
    """Customer login keeps the session and its context, names the customer, and refuses wrong credentials."""
    session = ctx.anonymous()
    ctx.ok(
        "addOwnSessionContextAttribute",
        "an attribute before the login",
        credential=session.access_token,
        path={"tenant": ctx.tenant},
        body={"key": "sfkBeforeLogin", "value": "kept"},
    )
    login = ctx.log_in(session)
    ctx.expect(
        login.session_id == session.session_id,
        "login_keeps_session",
        f"customer login answered session_id {login.session_id!r}; the anonymous session was {session.session_id!r}",
        operation_id="customerLogin",
    )
    ctx.expect(
        bool(login.saas_token),
        "login_answers_saas_token",
        "customer login answered no saas_token",
        operation_id="customerLogin",
    )
    own = ctx.ok(
        "getOwnSessionContext",
        "reading the context with the customer's token",
        credential=login.access_token,
        path={"tenant": ctx.tenant},
    )
    ctx.expect(
        bool(own.get("customerId")),
        "login_sets_customer",
        "after customer login the context has no customerId",
        operation_id="customerLogin",
    )
    ctx.expect(
        (own.get("context") or {}).get("sfkBeforeLogin") == "kept",
        "login_keeps_session",
        "an attribute set before the login is gone after it",
        operation_id="customerLogin",
    )
    country = ctx.target.data("customer.targetLocation")
    if country:
        ctx.expect(
            own.get("targetLocation") == country,
            "login_applies_profile",
            f"after login the context's targetLocation is {own.get('targetLocation')!r}; the customer's "
            f"addresses give {country!r}",
            operation_id="customerLogin",
        )
    customer = ctx.test_data("customer")
    anonymous = ctx.anonymous()
    ctx.error(
        "customerLogin",
        "invalidCredentials",
        "a wrong password",
        rule="credentials_checked",
        credential=anonymous.access_token,
        path={"tenant": ctx.tenant},
        body={"email": customer["email"], "password": customer["password"] + "-wrong"},
    )
    ctx.error(
        "customerLogin",
        "invalidCredentials",
        "an e-mail address without a customer",
        rule="credentials_checked",
        credential=anonymous.access_token,
        path={"tenant": ctx.tenant},
        body={"email": ctx.email(), "password": customer["password"]},
    )
    ctx.error(
        "customerLogin",
        "tenantMismatch",
        "the anonymous token of another tenant's path",
        rule="tenant_checked",
        credential=anonymous.access_token,
        path={"tenant": ctx.other_tenant()},
        body={"email": customer["email"], "password": customer["password"]},
    )
    ctx.error(
        "customerLogin",
        "invalidAccessToken",
        "a service token, which belongs to no session",
        rule="token_kind_checked",
        credential=ctx.service_token(),
        path={"tenant": ctx.tenant},
        body={"email": customer["email"], "password": customer["password"]},
    )


@scenario(
    requires=LOGGED_IN,
    covers={
        "customerRefresh": ("invalidRefreshToken",),
        "customerLogout": ("invalidAccessToken",),
        "getSessionContext": ("sessionNotFound",),
    },
    operations=("customerRefresh", "customerLogout"),
    needs=("testData.customer",),
)
def customer_refresh_and_logout(ctx: EmporixContext) -> None:
    """A customer refresh keeps the session; logout revokes every token of the login and ends the session."""
    login = ctx.log_in()
    refreshed = ctx.ok(
        "customerRefresh",
        "refreshing the customer's token",
        path={"tenant": ctx.tenant},
        query={"refreshToken": login.refresh_token},
    )
    ctx.expect(
        refreshed.get("session_id") == login.session_id,
        "refresh_keeps_session",
        f"the customer refresh answered session_id {refreshed.get('session_id')!r}, not {login.session_id!r}",
        operation_id="customerRefresh",
    )
    ctx.ok(
        "getOwnSessionContext",
        "reading the context with the refreshed token",
        credential=str(refreshed["access_token"]),
        path={"tenant": ctx.tenant},
    )
    ctx.error(
        "customerRefresh",
        "invalidRefreshToken",
        "a refresh token the backend never issued",
        path={"tenant": ctx.tenant},
        query={"refreshToken": ctx.hex_token(43)},
    )
    ctx.error(
        "customerRefresh",
        "invalidRefreshToken",
        "the customer's refresh token on another tenant's path",
        rule="tenant_checked",
        path={"tenant": ctx.other_tenant()},
        query={"refreshToken": login.refresh_token},
    )
    ctx.error(
        "customerLogout",
        "invalidAccessToken",
        "the customer's access token on another tenant's path",
        rule="tenant_checked",
        path={"tenant": ctx.other_tenant()},
        query={"accessToken": login.access_token},
    )
    ctx.ok(
        "customerLogout",
        "logging the customer out",
        path={"tenant": ctx.tenant},
        query={"accessToken": login.access_token},
    )
    ctx.error(
        "getOwnSessionContext",
        "invalidAccessToken",
        "the access token of a customer who logged out",
        rule="logout_revokes",
        credential=login.access_token,
        path={"tenant": ctx.tenant},
    )
    ctx.error(
        "customerLogout",
        "invalidAccessToken",
        "logging out a token that is already revoked",
        rule="logout_revokes",
        path={"tenant": ctx.tenant},
        query={"accessToken": login.access_token},
    )
    ctx.error(
        "customerRefresh",
        "invalidRefreshToken",
        "the refresh token of a customer who logged out",
        rule="logout_revokes",
        path={"tenant": ctx.tenant},
        query={"refreshToken": login.refresh_token},
    )
    ctx.error(
        "getSessionContext",
        "sessionNotFound",
        "the session of a customer who logged out",
        rule="logout_ends_session",
        credential=ctx.service_token(),
        path={"tenant": ctx.tenant, "sessionId": login.session_id},
    )
