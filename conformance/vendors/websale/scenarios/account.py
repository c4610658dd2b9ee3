"""Registration, login, logout, autologin and account deletion."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.websale.context import NEW_ACCOUNT, WebsaleContext
from storefront_kit.contract import Contract, Operation


@scenario(
    requires=NEW_ACCOUNT,
    covers={"register": ("accountAlreadyExists",), "login": ("invalidCredentials",)},
    operations=("createSession", "register", "login", "getAccount", "logout"),
)
def register_login_logout(ctx: WebsaleContext) -> None:
    """Registration logs in, e-mails are unique, wrong credentials are refused, logout really logs out."""
    account = ctx.new_account()
    state = ctx.ok("getAccount", "reading a freshly registered account", credential=account.session)
    ctx.expect(
        state.get("loggedIn") is True
        and str(state.get("account", {}).get("email", "")).lower() == account.email.lower(),
        "account_state_kept",
        f"getAccount after registration does not show {account.email} logged in",
        operation_id="getAccount",
    )
    anonymous = ctx.session()
    ctx.expect(
        ctx.ok("getAccount", "reading an anonymous session", credential=anonymous).get("loggedIn") is False,
        "anonymous_session_state",
        "getAccount on a new session is not loggedIn: false",
        operation_id="getAccount",
    )
    ctx.error(
        "register",
        "accountAlreadyExists",
        "registering an e-mail address that has an account",
        rule="duplicate_refused",
        credential=ctx.session(),
        body={"email": account.email, "password": ctx.password()},
    )
    ctx.error(
        "register",
        "accountAlreadyExists",
        "registering an existing e-mail address in upper case",
        rule="duplicate_refused",
        credential=ctx.session(),
        body={"email": account.email.upper(), "password": ctx.password()},
    )
    ctx.error(
        "login",
        "invalidCredentials",
        "a wrong password",
        rule="credentials_checked",
        credential=anonymous,
        body={"id": account.email, "password": account.password + "-wrong"},
    )
    ctx.error(
        "login",
        "invalidCredentials",
        "an e-mail address without an account",
        rule="credentials_checked",
        credential=anonymous,
        body={"id": ctx.email(), "password": account.password},
    )
    ctx.expect(
        not ctx.logged_in(anonymous),
        "credentials_checked",
        "a failed login left the session logged in",
        operation_id="login",
    )
    ctx.ok(
        "login",
        "the account's e-mail address in upper case (compared case-insensitively)",
        credential=ctx.session(),
        body={"id": account.email.upper(), "password": account.password},
    )
    body = ctx.login(account, anonymous)
    ctx.expect(
        body.get("loggedIn") is True and "autologinToken" not in body,
        "login_result",
        "login without autologin answered no loggedIn: true, or an autologin token",
        operation_id="login",
    )
    ctx.expect(
        ctx.logged_in(anonymous), "login_logs_in", "getAccount after login is not logged in", operation_id="login"
    )
    out = ctx.ok("logout", "logging out", credential=anonymous)
    ctx.expect(
        out.get("loggedIn") is False,
        "logout_logs_out",
        "logout answered loggedIn other than false",
        operation_id="logout",
    )
    ctx.expect(
        not ctx.logged_in(anonymous),
        "logout_logs_out",
        "getAccount after logout is still logged in",
        operation_id="logout",
    )
    ctx.error("listAddresses", "notLoggedIn", "a session after logout", rule="logout_logs_out", credential=anonymous)
    ctx.ok("logout", "logging out a session that is not logged in", credential=anonymous)


def _requires_login(op: Operation) -> bool:
    return bool(op.extensions.get("x-requires-login"))


def _login_required(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {op.operation_id: ("notLoggedIn",) for op in contract.operations.values() if _requires_login(op)}


@scenario(covers=_login_required)
def anonymous_session(ctx: WebsaleContext) -> None:
    """A live session that is not logged in cannot use the operations marked x-requires-login."""
    session = ctx.session()
    for op in ctx.operations():
        if _requires_login(op):
            ctx.error(
                op.operation_id,
                "notLoggedIn",
                "an anonymous session",
                rule="session_enforced",
                **{**ctx.valid_request(op.operation_id), "credential": session},
            )


@scenario(covers={"autologin": ("invalidToken",)}, operations=("autologin",))
def autologin_tokens(ctx: WebsaleContext) -> None:
    """An autologin token logs a new session in once and is replaced by a fresh one."""
    ctx.error(
        "autologin",
        "invalidToken",
        "a token the backend never issued",
        credential=ctx.session(),
        body={"token": ctx.hex_token(64)},
    )
    modes = [mode for mode in (ctx.setting("autologin.modes") or []) if mode != "off"]
    if not modes:
        raise NotCovered("the target's settings grant no autologin mode")
    account = ctx.new_account()
    for mode in modes:
        body = ctx.login(account, autologin=mode)
        token = body.get("autologinToken")
        ctx.expect(
            isinstance(token, str) and bool(token) and "autologinExpiresAt" in body,
            "autologin_token_issued",
            f"login with autologin {mode!r} answered no autologinToken/autologinExpiresAt",
            operation_id="login",
        )
        session = ctx.session()
        used = ctx.ok("autologin", f"a fresh {mode} token", credential=session, body={"token": token})
        fresh = used.get("autologinToken")
        ctx.expect(
            used.get("loggedIn") is True and ctx.logged_in(session),
            "autologin_logs_in",
            "autologin did not log the session in",
            operation_id="autologin",
        )
        ctx.expect(
            isinstance(fresh, str) and bool(fresh) and fresh != token,
            "autologin_token_renewed",
            "autologin answered no new token (tokens are single use and renewed)",
            operation_id="autologin",
        )
        ctx.error(
            "autologin",
            "invalidToken",
            "a token that was used already",
            rule="token_single_use",
            credential=ctx.session(),
            body={"token": token},
        )
        ctx.ok("autologin", "the renewed token", credential=ctx.session(), body={"token": fresh})


@scenario(
    requires=NEW_ACCOUNT,
    covers={"confirmAccountDeletion": ("actionNotAllowed",)},
    operations=("deleteAccount",),
    settings={"doubleOptInDeletion": False},
)
def delete_at_once(ctx: WebsaleContext) -> None:
    """Without double opt-in, deletion is immediate, logs out, and there is nothing to confirm."""
    account = ctx.new_account()
    ctx.error(
        "confirmAccountDeletion",
        "actionNotAllowed",
        "a confirmation while double opt-in is off",
        credential=account.session,
        body={"otok": ctx.hex_token(32)},
    )
    # Without double opt-in an otok is not needed and is ignored.
    body = ctx.ok(
        "deleteAccount",
        "deleting the logged-in account (with an otok, which is ignored)",
        credential=account.session,
        body={"otok": ctx.hex_token(32)},
    )
    ctx.expect(
        body.get("deleted") is True and body.get("confirmationRequired") is False,
        "deletion_result",
        f"deleteAccount without double opt-in answered {body}",
        operation_id="deleteAccount",
    )
    account.deleted = True
    ctx.expect(
        not ctx.logged_in(account.session),
        "deletion_logs_out",
        "the session is still logged in after deleting its account",
        operation_id="deleteAccount",
    )
    ctx.error(
        "login",
        "invalidCredentials",
        "logging in to a deleted account",
        rule="account_deleted",
        credential=ctx.session(),
        body={"id": account.email, "password": account.password},
    )


@scenario(
    requires=NEW_ACCOUNT,
    covers={"deleteAccount": ("actionNotAllowed",), "confirmAccountDeletion": ("actionNotAllowed",)},
    operations=("deleteAccount", "confirmAccountDeletion"),
    settings={"doubleOptInDeletion": True},
    needs=("mailbox",),
)
def delete_with_double_opt_in(ctx: WebsaleContext) -> None:
    """With double opt-in, deletion waits for the e-mailed token, which only its own account can use."""
    ctx.require_mailbox()
    first, second = ctx.new_account(), ctx.new_account()
    body = ctx.ok("deleteAccount", "asking to delete the account", credential=first.session, body={})
    ctx.expect(
        body.get("deleted") is False and body.get("confirmationRequired") is True,
        "deletion_result",
        f"deleteAccount with double opt-in answered {body}",
        operation_id="deleteAccount",
    )
    ctx.expect(
        ctx.logged_in(first.session),
        "deletion_waits_for_confirmation",
        "the account is gone before its deletion was confirmed",
        operation_id="deleteAccount",
    )
    token = ctx.mail_token(first.email, "accountDeletion", cause="deleteAccount asked for confirmation")
    ctx.error(
        "confirmAccountDeletion",
        "actionNotAllowed",
        "another account's deletion token",
        rule="token_bound_to_account",
        credential=second.session,
        body={"otok": token},
    )
    ctx.error(
        "deleteAccount",
        "actionNotAllowed",
        "another account's deletion token as otok",
        rule="token_bound_to_account",
        credential=second.session,
        body={"otok": token},
    )
    ctx.error(
        "deleteAccount",
        "actionNotAllowed",
        "a token the backend never issued",
        credential=second.session,
        body={"otok": ctx.hex_token(32)},
    )
    done = ctx.ok(
        "confirmAccountDeletion", "the account's own deletion token", credential=first.session, body={"otok": token}
    )
    ctx.expect(
        done.get("deleted") is True,
        "deletion_result",
        f"confirmAccountDeletion answered {done}",
        operation_id="confirmAccountDeletion",
    )
    first.deleted = True
    ctx.expect(
        not ctx.logged_in(first.session),
        "deletion_logs_out",
        "the session is still logged in after its account was deleted",
        operation_id="confirmAccountDeletion",
    )
    ctx.error(
        "login",
        "invalidCredentials",
        "logging in to a deleted account",
        rule="account_deleted",
        credential=ctx.session(),
        body={"id": first.email, "password": first.password},
    )
    ctx.ok("deleteAccount", "asking to delete the second account", credential=second.session, body={})
    token = ctx.mail_token(second.email, "accountDeletion", cause="deleteAccount asked for confirmation")
    done = ctx.ok(
        "deleteAccount", "deleting with the e-mailed token as otok", credential=second.session, body={"otok": token}
    )
    ctx.expect(
        done.get("deleted") is True,
        "deletion_result",
        f"deleteAccount with otok answered {done}",
        operation_id="deleteAccount",
    )
    second.deleted = True
