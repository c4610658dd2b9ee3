"""Signing in: the session it makes, and the refusals in the order of the vendor's handler chain."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.optimizely.context import OptimizelyContext

# The users whose state refuses the sign-in, in the order the checks run, with the code each answers.
REFUSALS = (
    ("deactivated", "userDeactivated"),
    ("mustChangePassword", "passwordChangeRequired"),
    ("lockedOut", "userLockedOut"),
    ("otherWebsite", "otherWebsite"),
    ("noBillTo", "noBillTo"),
)


@scenario(covers={}, operations=("signIn", "getCurrentSession"), needs=("testData.users.demo",))
def sign_in_with_a_token(ctx: OptimizelyContext) -> None:
    """Signing in with the token's session answers it signed in, with a bill-to and one of its ship-tos."""
    caller = ctx.token()
    demo = ctx.user("demo")
    body = ctx.ok("signIn", "signing the demo user in", caller=caller, body={**demo, "rememberMe": False})
    ctx.signed_in_callers.append(caller)
    ctx.expect(
        body.get("isAuthenticated") is True and str(body.get("userName", "")).lower() == demo["userName"].lower(),
        "sign_in_answers_session",
        f"the sign-in answered isAuthenticated={body.get('isAuthenticated')!r}, userName={body.get('userName')!r}",
        operation_id="signIn",
    )
    bill_to, ship_to = (body.get("billTo") or {}).get("id"), (body.get("shipTo") or {}).get("id")
    ctx.expect(
        bool(bill_to) and bool(ship_to),
        "sign_in_sets_customer",
        f"after the sign-in the session's billTo is {bill_to!r} and its shipTo {ship_to!r}",
        operation_id="signIn",
    )
    listed = ctx.target.data("customers") or []
    known = {entry["billTo"]: [*entry.get("shipTos", ()), entry["billTo"]] for entry in listed}
    if bill_to in known:
        ctx.expect(
            ship_to in known[bill_to],
            "ship_to_within_bill_to",
            f"the sign-in chose the ship-to {ship_to!r}, which is not one of the bill-to {bill_to!r}'s",
            operation_id="signIn",
        )
    session = ctx.session(caller, "reading the session the sign-in made")
    ctx.expect(
        session.get("isAuthenticated") is True and (session.get("billTo") or {}).get("id") == bill_to,
        "sign_in_answers_session",
        "the session read after the sign-in is not the one the sign-in answered",
        operation_id="getCurrentSession",
    )


@scenario(
    covers={"signIn": ("invalidCredentials", *(code for _, code in REFUSALS))},
    operations=("signIn",),
    needs=("testData.users.demo",),
)
def sign_in_refusals(ctx: OptimizelyContext) -> None:
    """Each refusal answers its own code, a wrong password first of all; unknown users and wrong passwords answer alike."""
    demo = ctx.user("demo")
    wrong = ctx.error(
        "signIn",
        "invalidCredentials",
        "the demo user's wrong password",
        rule="sign_in_checks_credentials",
        caller=ctx.browser(),
        body={**demo, "password": demo["password"] + "-wrong"},
    )
    unknown = ctx.error(
        "signIn",
        "invalidCredentials",
        "a user name no user has",
        rule="sign_in_checks_credentials",
        caller=ctx.browser(),
        body={"userName": "sfk-" + ctx.hex_token(12), "password": demo["password"]},
    )
    ctx.expect(
        wrong.json() == unknown.json(),
        "no_user_enumeration",
        "a wrong password and an unknown user answer different bodies, which tells who has an account",
        wrong,
        unknown,
        operation_id="signIn",
    )
    for role, code in REFUSALS:
        if not ctx.target.data(f"users.{role}"):
            ctx.note(f"testData.users.{role} is not given: {code} is not checked")
            continue
        user = ctx.user(role)
        ctx.error(
            "signIn",
            "invalidCredentials",
            f"the {role} user's wrong password",
            rule="sign_in_refusal_order",
            caller=ctx.browser(),
            body={**user, "password": user["password"] + "-wrong"},
        )
        ctx.error(
            "signIn",
            code,
            f"the {role} user's right password",
            rule="sign_in_refuses_user",
            caller=ctx.browser(),
            body=user,
        )
    # A user with several faults answers the first of them.
    if ctx.target.data("users.deactivatedMustChange"):
        ctx.error(
            "signIn",
            "userDeactivated",
            "a deactivated user who must also change the password",
            rule="sign_in_refusal_order",
            caller=ctx.browser(),
            body=ctx.user("deactivatedMustChange"),
        )


@scenario(
    covers={"signIn": ("userLockedOut",), "updateCurrentSession": ("invalidResetToken",)},
    operations=("signIn", "updateCurrentSession"),
    needs=("testData.users.resettable", "mailbox"),
)
def lockout_and_reset(ctx: OptimizelyContext) -> None:
    """Wrong passwords in a row lock the user out; a password reset by the e-mailed token unlocks it."""
    user = ctx.user("resettable")
    attempts = int(ctx.setting("maxFailedAttempts") or 0)
    if attempts:
        for number in range(attempts):
            ctx.error(
                "signIn",
                "invalidCredentials",
                f"wrong password {number + 1} of {attempts}",
                rule="sign_in_checks_credentials",
                caller=ctx.browser(),
                body={**user, "password": user["password"] + "-wrong"},
            )
        ctx.error(
            "signIn",
            "userLockedOut",
            f"the right password after {attempts} wrong ones",
            rule="lockout_after_failed_attempts",
            caller=ctx.browser(),
            body=user,
        )
    email = ctx.target.data("users.resettable.email")
    ctx.ok(
        "updateCurrentSession",
        "asking for a password reset e-mail",
        caller=ctx.browser(),
        body={"userName": user["userName"], "resetPassword": True},
    )
    token = ctx.mail_token(email, "resetPassword", cause="a password reset was asked for")
    ctx.ok(
        "updateCurrentSession",
        "setting the password with the e-mailed reset token",
        caller=ctx.browser(),
        body={"userName": user["userName"], "resetToken": token, "newPassword": user["password"]},
    )
    ctx.error(
        "updateCurrentSession",
        "invalidResetToken",
        "a reset token that was already used",
        rule="reset_token_single_use",
        caller=ctx.browser(),
        body={"userName": user["userName"], "resetToken": token, "newPassword": user["password"]},
    )
    ctx.error(
        "updateCurrentSession",
        "invalidResetToken",
        "a reset token the backend never sent",
        caller=ctx.browser(),
        body={"userName": user["userName"], "resetToken": ctx.hex_token(40), "newPassword": user["password"]},
    )
    body = ctx.ok("signIn", "signing in after the reset", caller=ctx.browser(), body=user)
    ctx.expect(
        body.get("isAuthenticated") is True,
        "reset_token_unlocks",
        "after a reset by token the user is still not signed in",
        operation_id="signIn",
    )
