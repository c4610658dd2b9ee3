"""Signing out: what it clears, what it keeps, and the tokens it ends."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.optimizely.context import SIGNED_IN, OptimizelyContext
from conformance.vendors.optimizely.users import SCOPE


@scenario(
    requires=SIGNED_IN,
    covers={"getCurrentSession": ("unauthorized",), "signOut": ("unauthorized",), "requestToken": ("invalidGrant",)},
    operations=("signOut", "getCurrentSession"),
    needs=("testData.users.demo",),
)
def sign_out_with_a_token(ctx: OptimizelyContext) -> None:
    """Signing out ends the token's session: the token answers 401 afterwards, its refresh token is refused."""
    caller = ctx.sign_in()
    ctx.ok("signOut", "signing the session out", caller=caller)
    ctx.error(
        "getCurrentSession",
        "unauthorized",
        "the token of a signed-out session",
        rule="sign_out_revokes_tokens",
        caller=caller,
    )
    ctx.error(
        "signOut",
        "unauthorized",
        "signing out again with the same token",
        rule="sign_out_revokes_tokens",
        caller=caller,
    )
    if caller.refresh_token:
        ctx.error(
            "requestToken",
            "invalidGrant",
            "the refresh token of a signed-out session",
            rule="sign_out_revokes_tokens",
            credential=ctx.client_credential(),
            form={"grant_type": "refresh_token", "refresh_token": caller.refresh_token, "scope": SCOPE},
        )


@scenario(
    covers={},
    operations=("signIn", "signOut", "getCurrentSession"),
    needs=("testData.users.demo", "testData.languages"),
)
def sign_out_in_a_browser(ctx: OptimizelyContext) -> None:
    """A browser signed in by its cookies is anonymous after signing out: no user, bill-to, ship-to or persona; its language stays."""
    browser = ctx.browser()
    language = ctx.choices("languages")[-1]
    ctx.ok(
        "updateCurrentSession",
        "choosing a language before signing in",
        caller=browser,
        body={"language": {"id": language["id"]}},
    )
    ctx.sign_in(caller=browser)
    signed_in = ctx.session(browser, "reading the browser's session after the sign-in")
    ctx.expect(
        signed_in.get("isAuthenticated") is True,
        "sign_in_answers_session",
        "a browser that signed in reads its session as not signed in",
        operation_id="signIn",
    )
    ctx.ok("signOut", "signing the browser out", caller=browser)
    after = ctx.session(browser, "reading the browser's session after signing out")
    cleared = {key: after.get(key) for key in ("isAuthenticated", "userName", "billTo", "shipTo", "rememberMe")}
    ctx.expect(
        cleared == {"isAuthenticated": False, "userName": None, "billTo": None, "shipTo": None, "rememberMe": False},
        "sign_out_clears_customer",
        f"after signing out the session still has {cleared}",
        operation_id="signOut",
    )
    # A visitor has the website's default persona, and so has a signed-out session.
    defaults = {
        entry.get("name") for entry in after.get("personas") or () if isinstance(entry, dict) and entry.get("isDefault")
    }
    ctx.expect(
        after.get("persona") is None or after.get("persona") in defaults,
        "sign_out_clears_customer",
        f"after signing out the session keeps the persona {after.get('persona')!r}",
        operation_id="signOut",
    )
    ctx.expect(
        (after.get("language") or {}).get("id") == language["id"],
        "sign_out_keeps_language",
        f"signing out changed the language from {language['id']} to {(after.get('language') or {}).get('id')!r}",
        operation_id="signOut",
    )
    ctx.signed_in_callers.remove(browser)
