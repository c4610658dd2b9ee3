"""Display name and e-mail address changes."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.websale.context import NEW_ACCOUNT, Account, WebsaleContext


@scenario(
    requires=NEW_ACCOUNT,
    covers={"updateEmail": ("accountAlreadyExists", "emailCheckFailed"), "verifyEmail": ("actionNotAllowed",)},
    operations=("updateDisplayName",),
)
def display_name_and_taken_email(ctx: WebsaleContext) -> None:
    """The display name is kept; an e-mail address of another account cannot be taken."""
    account, other = ctx.new_account(), ctx.new_account()
    name = "Kim " + ctx.hex_token(6)
    body = ctx.ok("updateDisplayName", "a new display name", credential=account.session, body={"displayName": name})
    ctx.expect(
        body["account"]["displayName"] == name,
        "update_changes_sent_fields",
        "updateDisplayName answered another name",
        operation_id="updateDisplayName",
    )
    state = ctx.ok("getAccount", "reading the account", credential=account.session)["account"]
    ctx.expect(
        state["displayName"] == name and state["email"].lower() == account.email.lower(),
        "account_state_kept",
        "the new display name was not kept, or the e-mail changed with it",
        operation_id="updateDisplayName",
    )
    ctx.invalid("updateDisplayName", {"displayName": ""}, "an empty display name", credential=account.session)
    ctx.error(
        "updateEmail",
        "accountAlreadyExists",
        "another account's e-mail address in upper case",
        rule="duplicate_refused",
        credential=account.session,
        body={"email": other.email.upper()},
    )
    ctx.invalid("updateEmail", {"email": "not-an-email"}, "an invalid e-mail address", credential=account.session)
    ctx.error(
        "verifyEmail",
        "actionNotAllowed",
        "a token the backend never issued",
        credential=ctx.session(),
        body={"otok": ctx.hex_token(32)},
    )


@scenario(
    requires=NEW_ACCOUNT,
    covers={"verifyEmail": ("actionNotAllowed", "accountAlreadyExists")},
    operations=("updateEmail", "verifyEmail"),
    settings={"emailChangeVerification": True},
    needs=("mailbox",),
)
def email_change_verified(ctx: WebsaleContext) -> None:
    """A new e-mail address waits as pendingEmail until its token confirms it, once."""
    ctx.require_mailbox()
    account = ctx.new_account()
    new = ctx.email()
    body = ctx.ok("updateEmail", "a new e-mail address", credential=account.session, body={"email": new})
    ctx.expect(
        body["verificationRequired"] is True
        and body["account"]["email"].lower() == account.email.lower()
        and str(body["account"].get("pendingEmail", "")).lower() == new.lower(),
        "email_change_pending",
        f"with verification on, updateEmail answered {body}",
        operation_id="updateEmail",
    )
    state = ctx.ok("getAccount", "reading the account", credential=account.session)["account"]
    ctx.expect(
        state["email"].lower() == account.email.lower(),
        "email_change_pending",
        "the e-mail address changed before it was verified",
        operation_id="updateEmail",
    )
    token = ctx.mail_token(new, "emailVerification", cause="updateEmail asked for verification")
    ctx.error(
        "verifyEmail",
        "actionNotAllowed",
        "a token the backend never issued",
        credential=ctx.session(),
        body={"otok": ctx.hex_token(32)},
    )
    ctx.error("verifyEmail", "actionNotAllowed", "no token", credential=ctx.session(), body={})
    verified = ctx.ok(
        "verifyEmail", "the e-mailed token, from another session", credential=ctx.session(), body={"otok": token}
    )
    ctx.expect(
        verified["account"]["email"].lower() == new.lower(),
        "email_change_applied",
        f"verifyEmail answered {verified}",
        operation_id="verifyEmail",
    )
    old = account.email
    account.email = new
    ctx.error(
        "verifyEmail",
        "actionNotAllowed",
        "a token that was used already",
        rule="token_single_use",
        credential=ctx.session(),
        body={"otok": token},
    )
    ctx.login(account)
    ctx.error(
        "login",
        "invalidCredentials",
        "the e-mail address the account had before",
        rule="email_change_applied",
        credential=ctx.session(),
        body={"id": old, "password": account.password},
    )
    wanted = ctx.email()
    ctx.ok("updateEmail", "another new e-mail address", credential=account.session, body={"email": wanted})
    token = ctx.mail_token(wanted, "emailVerification", cause="updateEmail asked for verification")
    rival = ctx.session()
    password = ctx.password()
    ctx.ok(
        "register",
        "registering the pending address for another account",
        credential=rival,
        body={"email": wanted, "password": password},
    )
    ctx.accounts.append(Account(wanted, password, rival))
    ctx.error(
        "verifyEmail",
        "accountAlreadyExists",
        "a pending address another account took meanwhile",
        rule="duplicate_refused",
        credential=ctx.session(),
        body={"otok": token},
    )


@scenario(requires=NEW_ACCOUNT, covers={}, operations=("updateEmail",), settings={"emailChangeVerification": False})
def email_change_at_once(ctx: WebsaleContext) -> None:
    """Without verification the new e-mail address applies at once."""
    account = ctx.new_account()
    new = ctx.email()
    body = ctx.ok("updateEmail", "a new e-mail address", credential=account.session, body={"email": new})
    ctx.expect(
        body["verificationRequired"] is False and body["account"]["email"].lower() == new.lower(),
        "email_change_applied",
        f"with verification off, updateEmail answered {body}",
        operation_id="updateEmail",
    )
    account.email = new
    ctx.login(account)
