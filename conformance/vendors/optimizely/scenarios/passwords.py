"""Passwords: the change that needs the current one, the rules, and the reset and activation e-mails."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.optimizely.context import OptimizelyContext


@scenario(
    covers={"updateCurrentSession": ("invalidCredentials", "passwordRulesNotMet", "badRequest")},
    operations=("updateCurrentSession", "signIn"),
    needs=("testData.users.resettable",),
)
def password_change(ctx: OptimizelyContext) -> None:
    """A password change needs the current password and a new one that meets the rules; afterwards only the new one signs in."""
    user = ctx.user("resettable")
    name, current = user["userName"], user["password"]
    new = ctx.password()
    ctx.error(
        "updateCurrentSession",
        "invalidCredentials",
        "a password change with a wrong current password",
        rule="password_change_checks_current",
        caller=ctx.browser(),
        body={"userName": name, "password": current + "-wrong", "newPassword": new},
    )
    ctx.error(
        "updateCurrentSession",
        "passwordRulesNotMet",
        "a new password of three letters",
        rule="password_rules",
        caller=ctx.browser(),
        body={"userName": name, "password": current, "newPassword": "abc"},
    )
    ctx.error(
        "updateCurrentSession",
        "badRequest",
        "a new password without the current one or a reset token",
        rule="password_change_needs_proof",
        caller=ctx.browser(),
        body={"userName": name, "newPassword": new},
    )
    ctx.ok(
        "updateCurrentSession",
        "a password change with the right current password",
        caller=ctx.browser(),
        body={"userName": name, "password": current, "newPassword": new},
    )
    try:
        ctx.error(
            "signIn",
            "invalidCredentials",
            "the password from before the change",
            rule="password_change_applies",
            caller=ctx.browser(),
            body=user,
        )
        ctx.ok(
            "signIn", "signing in with the new password", caller=ctx.browser(), body={"userName": name, "password": new}
        )
    finally:
        ctx.ok(
            "updateCurrentSession",
            "setting the password back",
            caller=ctx.browser(),
            body={"userName": name, "password": new, "newPassword": current},
        )


@scenario(covers={}, operations=("updateCurrentSession",), needs=("testData.users.resettable", "mailbox"))
def reset_and_activation_emails(ctx: OptimizelyContext) -> None:
    """Asking for a reset or an activation e-mails the user a token; an unknown user is answered alike and sent nothing."""
    user = ctx.user("resettable")
    email = ctx.target.data("users.resettable.email")
    ctx.ok(
        "updateCurrentSession",
        "asking for an account activation e-mail",
        caller=ctx.browser(),
        body={"userName": user["userName"], "activateAccount": True},
    )
    ctx.mail_token(email, "activateAccount", cause="an account activation was asked for")
    ctx.ok(
        "updateCurrentSession",
        "asking for a password reset e-mail by e-mail address",
        caller=ctx.browser(),
        body={"email": email, "resetPassword": True},
    )
    ctx.mail_token(email, "resetPassword", cause="a password reset was asked for by e-mail address")
    ctx.ok(
        "updateCurrentSession",
        "asking for a password reset of a user no one has",
        caller=ctx.browser(),
        body={"userName": "sfk-" + ctx.hex_token(12), "resetPassword": True},
    )
