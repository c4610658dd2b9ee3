"""Password change and recovery."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.websale.context import NEW_ACCOUNT, Account, WebsaleContext


def _relogin(ctx: WebsaleContext, account: Account, old: str, rule: str) -> None:
    ctx.error(
        "login",
        "invalidCredentials",
        "the password the account had before",
        rule=rule,
        credential=ctx.session(),
        body={"id": account.email, "password": old},
    )
    ctx.login(account)


@scenario(
    requires=NEW_ACCOUNT,
    covers={"changePassword": ("passwordCheckFailed", "missingPasswordAuth", "failedPasswordAuth")},
    operations=("changePassword",),
    settings={"passwordChange.requirePasswordAuth": True, "passwordChange.requireEmail": False},
)
def change_with_current_password(ctx: WebsaleContext) -> None:
    """The new password meets the policy and the current password must be sent and right."""
    account = ctx.new_account()
    new = ctx.password()
    ctx.invalid(
        "changePassword",
        {"newPassword": "short", "passwordAuth": account.password},
        "a new password that breaks the policy",
        credential=account.session,
    )
    ctx.error(
        "changePassword",
        "missingPasswordAuth",
        "no current password while the shop requires it",
        rule="setting_enforced",
        credential=account.session,
        body={"newPassword": new},
    )
    ctx.error(
        "changePassword",
        "failedPasswordAuth",
        "a wrong current password",
        rule="credentials_checked",
        credential=account.session,
        body={"newPassword": new, "passwordAuth": account.password + "-wrong"},
    )
    ctx.ok(
        "changePassword",
        "the right current password",
        credential=account.session,
        body={"newPassword": new, "passwordAuth": account.password},
    )
    old, account.password = account.password, new
    _relogin(ctx, account, old, "password_changed")


@scenario(
    requires=NEW_ACCOUNT,
    covers={"changePassword": ("missingEmail", "emailMismatch")},
    operations=("changePassword",),
    settings={"passwordChange.requireEmail": True, "passwordChange.requirePasswordAuth": False},
)
def change_with_email(ctx: WebsaleContext) -> None:
    """When the shop requires the e-mail address it must be sent and be the account's own."""
    account, other = ctx.new_account(), ctx.new_account()
    new = ctx.password()
    ctx.error(
        "changePassword",
        "missingEmail",
        "no e-mail address while the shop requires it",
        rule="setting_enforced",
        credential=account.session,
        body={"newPassword": new},
    )
    ctx.error(
        "changePassword",
        "emailMismatch",
        "another account's e-mail address",
        credential=account.session,
        body={"newPassword": new, "email": other.email},
    )
    ctx.ok(
        "changePassword",
        "the account's e-mail address in upper case",
        credential=account.session,
        body={"newPassword": new, "email": account.email.upper()},
    )
    old, account.password = account.password, new
    _relogin(ctx, account, old, "password_changed")


@scenario(
    requires=NEW_ACCOUNT,
    covers={
        "requestPasswordReset": ("passwordRecoveryFailed", "emailCheckFailed"),
        "resetPassword": ("passwordCheckFailed", "notLoggedIn"),
    },
    operations=("requestPasswordReset", "resetPassword"),
    needs=("mailbox",),
)
def reset_by_email(ctx: WebsaleContext) -> None:
    """Recovery mails a single-use token that sets a new password from an anonymous session."""
    ctx.require_mailbox()
    account = ctx.new_account()
    anonymous = ctx.session()
    # Where the shop requires the e-mail address with the token, every reset below carries it.
    extra = {"email": account.email} if ctx.setting("passwordReset.requireEmail") else {}
    ctx.error(
        "requestPasswordReset",
        "passwordRecoveryFailed",
        "an e-mail address without an account",
        credential=anonymous,
        body={"email": ctx.email()},
    )
    ctx.invalid("requestPasswordReset", {"email": "not-an-email"}, "an invalid e-mail address", credential=anonymous)
    ctx.ok("requestPasswordReset", "the account's e-mail address", credential=anonymous, body={"email": account.email})
    token = ctx.mail_token(account.email, "passwordReset", cause="requestPasswordReset succeeded")
    ctx.error(
        "resetPassword",
        "notLoggedIn",
        "a token the backend never issued",
        credential=anonymous,
        body={"newPassword": ctx.password(), "otok": ctx.hex_token(32), **extra},
    )
    ctx.invalid(
        "resetPassword",
        {"newPassword": "short", "otok": token, **extra},
        "a new password that breaks the policy",
        credential=anonymous,
    )
    new = ctx.password()
    ctx.ok(
        "resetPassword", "the e-mailed token", credential=anonymous, body={"newPassword": new, "otok": token, **extra}
    )
    old, account.password = account.password, new
    ctx.error(
        "resetPassword",
        "notLoggedIn",
        "a token that was used already",
        rule="token_single_use",
        credential=ctx.session(),
        body={"newPassword": ctx.password(), "otok": token, **extra},
    )
    _relogin(ctx, account, old, "password_changed")


@scenario(
    requires=NEW_ACCOUNT,
    covers={"resetPassword": ("missingEmail", "emailMismatch")},
    operations=("resetPassword",),
    settings={"passwordReset.requireEmail": True},
    needs=("mailbox",),
)
def reset_with_email(ctx: WebsaleContext) -> None:
    """When the shop requires it, the reset carries the token's account's e-mail address."""
    ctx.require_mailbox()
    account, other = ctx.new_account(), ctx.new_account()
    anonymous = ctx.session()
    ctx.ok("requestPasswordReset", "the account's e-mail address", credential=anonymous, body={"email": account.email})
    token = ctx.mail_token(account.email, "passwordReset", cause="requestPasswordReset succeeded")
    new = ctx.password()
    ctx.error(
        "resetPassword",
        "missingEmail",
        "no e-mail address while the shop requires it",
        rule="setting_enforced",
        credential=anonymous,
        body={"newPassword": new, "otok": token},
    )
    ctx.error(
        "resetPassword",
        "emailMismatch",
        "another account's e-mail address",
        credential=anonymous,
        body={"newPassword": new, "otok": token, "email": other.email},
    )
    ctx.ok(
        "resetPassword",
        "the token with the account's e-mail address",
        credential=anonymous,
        body={"newPassword": new, "otok": token, "email": account.email},
    )
    old, account.password = account.password, new
    _relogin(ctx, account, old, "password_changed")
