"""Lifetimes: the website's idle timeout, rememberMe, and the access token's own lifetime."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.optimizely.context import SIGNED_IN, OptimizelyContext
from conformance.vendors.optimizely.users import SCOPE

_SHORT = 2


@scenario(
    requires=SIGNED_IN,
    covers={"getCurrentSession": ("unauthorized",), "requestToken": ("invalidGrant",)},
    operations=("getCurrentSession",),
    needs=("testData.users.demo",),
    tune={"sessionIdleSeconds": _SHORT, "accessTokenSeconds": _SHORT * 3},
)
def idle_timeout(ctx: OptimizelyContext) -> None:
    """A session idle for longer than the website's timeout is over (its tokens answer 401); a remembered one is not."""
    idle = int(ctx.setting("sessionIdleSeconds"))
    if not ctx.can_wait(idle):
        raise NotCovered(
            f"sessionIdleSeconds in the target's settings ({idle}s) is longer than expiry.maxWaitSeconds "
            "and the target file declares neither settingsControl to shorten it nor clockControl"
        )
    idle_caller = ctx.sign_in()
    remembered = ctx.sign_in(remember_me=True)
    ctx.wait(idle + 1.0)
    ctx.error(
        "getCurrentSession",
        "unauthorized",
        "the token of a session idle for longer than the timeout",
        rule="session_idle_timeout",
        caller=idle_caller,
    )
    if idle_caller.refresh_token:
        ctx.error(
            "requestToken",
            "invalidGrant",
            "the refresh token of a session that timed out",
            rule="session_idle_timeout",
            credential=ctx.client_credential(),
            form={"grant_type": "refresh_token", "refresh_token": idle_caller.refresh_token, "scope": SCOPE},
        )
    lifetime = int(ctx.setting("accessTokenSeconds"))
    if lifetime > idle + 1:
        body = ctx.session(remembered, "reading a remembered session after the idle timeout")
        ctx.expect(
            body.get("isAuthenticated") is True,
            "remember_me_outlives_idle_timeout",
            "a session signed in with rememberMe ended at the idle timeout",
            operation_id="signIn",
        )


@scenario(
    requires=SIGNED_IN,
    covers={"getCurrentSession": ("unauthorized",)},
    operations=("requestToken",),
    needs=("testData.users.demo",),
    tune={"accessTokenSeconds": _SHORT},
)
def access_token_lifetime(ctx: OptimizelyContext) -> None:
    """An access token answers 401 once its lifetime has passed; the refresh token still gets a new one."""
    lifetime = int(ctx.setting("accessTokenSeconds"))
    if not ctx.can_wait(lifetime):
        raise NotCovered(
            f"accessTokenSeconds in the target's settings ({lifetime}s) is longer than "
            "expiry.maxWaitSeconds and the target file declares neither settingsControl to shorten it nor clockControl"
        )
    caller = ctx.sign_in(remember_me=True)
    ctx.wait(lifetime + 1.0)
    ctx.error(
        "getCurrentSession",
        "unauthorized",
        "an access token past its lifetime",
        rule="access_token_expires",
        caller=caller,
    )
    if caller.refresh_token:
        body = ctx.ok(
            "requestToken",
            "refreshing an expired access token",
            credential=ctx.client_credential(),
            form={"grant_type": "refresh_token", "refresh_token": caller.refresh_token, "scope": SCOPE},
        )
        session = ctx.ok(
            "getCurrentSession", "reading the session with the new token", credential=str(body["access_token"])
        )
        ctx.expect(
            session.get("isAuthenticated") is True,
            "refresh_keeps_session",
            "the token refreshed after expiry reads a session that is not signed in",
            operation_id="requestToken",
        )
