"""Lifetimes: idle sessions, autologin tokens and opt-in tokens end when the shop's settings say."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.websale.context import WebsaleContext

_SHORT = 2
_LIFETIMES = {
    "sessionIdleSeconds": _SHORT,
    "optInTokenTtlSeconds": _SHORT,
    "autologin.restrictedTokenTtlSeconds": _SHORT,
}


@scenario(
    covers={
        "getAccount": ("notLoggedIn",),
        "prepareRedirect": ("invalidSession",),
        "autologin": ("invalidToken",),
        "verifyEmail": ("actionNotAllowed",),
    },
    tune=_LIFETIMES,
)
def lifetimes(ctx: WebsaleContext) -> None:
    """An idle session, a restricted autologin token and an opt-in token stop working once expired."""
    longest = max(int(ctx.setting(key)) for key in _LIFETIMES)
    if not ctx.can_wait(longest):
        raise NotCovered(
            f"the lifetimes in the target's settings (up to {longest}s) are longer than "
            "expiry.maxWaitSeconds and the target file declares neither settingsControl to shorten them nor clockControl"
        )
    account = ctx.new_account()
    idle = ctx.session()
    restricted = "restricted" in (ctx.setting("autologin.modes") or [])
    token = ""
    if restricted:
        token = str(ctx.login(account, autologin="restricted").get("autologinToken", ""))
    pending = ""
    if ctx.mailbox.available and ctx.setting("emailChangeVerification"):
        new = ctx.email()
        ctx.ok("updateEmail", "a new e-mail address", credential=account.session, body={"email": new})
        pending = ctx.mail_token(new, "emailVerification", cause="updateEmail asked for verification")
    ctx.wait(longest + 1.0)
    ctx.error(
        "getAccount",
        "notLoggedIn",
        "a session idle longer than sessionIdleSeconds",
        rule="session_expires",
        credential=idle,
    )
    ctx.error(
        "prepareRedirect",
        "invalidSession",
        "a session idle longer than sessionIdleSeconds",
        rule="session_expires",
        credential=idle,
        body={"viewIdentifier": "checkout"},
    )
    if token:
        ctx.error(
            "autologin",
            "invalidToken",
            "a restricted autologin token past its lifetime",
            rule="token_expires",
            credential=ctx.session(),
            body={"token": token},
        )
    if pending:
        ctx.error(
            "verifyEmail",
            "actionNotAllowed",
            "an opt-in token past optInTokenTtlSeconds",
            rule="token_expires",
            credential=ctx.session(),
            body={"otok": pending},
        )
