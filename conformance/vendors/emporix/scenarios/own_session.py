"""The own-session routes: the context of the storefront token's session."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.emporix.context import ANONYMOUS, EmporixContext


def _other(current: object, *candidates: object) -> object:
    """The first candidate that differs from `current`."""
    return next(candidate for candidate in candidates if candidate and candidate != current)


@scenario(
    requires=ANONYMOUS,
    covers={"updateOwnSessionContext": ("versionConflict",)},
    operations=(
        "getOwnSessionContext",
        "updateOwnSessionContext",
        "addOwnSessionContextAttribute",
        "removeOwnSessionContextAttribute",
    ),
)
def own_context(ctx: EmporixContext) -> None:
    """PATCH changes only the fields a storefront may change, at the current version; attributes come and go."""
    session = ctx.anonymous()
    where = {"tenant": ctx.tenant}
    before = ctx.ok("getOwnSessionContext", "reading the own context", credential=session.access_token, path=where)
    version = int(before["metadata"]["version"])
    sites = ctx.setting("sites") or []
    currencies = [currency for site in sites for currency in site.get("currencies", [site.get("defaultCurrency")])]
    currency = next((code for code in currencies if code and code != before.get("currency")), "CHF")
    languages = [language for site in sites for language in site.get("languages", [site.get("defaultLanguage")])]
    # Every field a PATCH may change gets a value other than the context's (values are not looked up).
    allowed = {
        "siteCode": _other(before.get("siteCode"), *(site.get("code") for site in sites), "sfk-site", "sfk-other-site"),
        "currency": currency,
        "targetLocation": _other(
            before.get("targetLocation"), *(site.get("homeBaseCountry") for site in sites), "US", "CH"
        ),
        "language": _other(before.get("language"), *languages, "en", "fr"),
        "context": {"sfkPatched": "yes"},
    }
    ctx.ok(
        "updateOwnSessionContext",
        "a PATCH with the current version",
        credential=session.access_token,
        path=where,
        body={**allowed, "cartId": "sfk-cart", "customerId": "sfk-customer", "metadata": {"version": version}},
    )
    after = ctx.ok("getOwnSessionContext", "reading the patched context", credential=session.access_token, path=where)
    unchanged = {name: after.get(name) for name, value in allowed.items() if after.get(name) != value}
    ctx.expect(
        not unchanged,
        "patch_changes_allowed_fields",
        f"PATCH {allowed} left the context's {unchanged}",
        operation_id="updateOwnSessionContext",
    )
    ctx.expect(
        after.get("cartId") == before.get("cartId") and after.get("customerId") == before.get("customerId"),
        "patch_ignores_other_fields",
        f"PATCH changed fields a storefront may not change: cartId {after.get('cartId')!r}, customerId "
        f"{after.get('customerId')!r}",
        operation_id="updateOwnSessionContext",
    )
    ctx.expect(
        int(after["metadata"]["version"]) == version + 1,
        "version_incremented",
        f"the PATCH moved metadata.version from {version} to {after['metadata']['version']}",
        operation_id="updateOwnSessionContext",
    )
    ctx.error(
        "updateOwnSessionContext",
        "versionConflict",
        "a PATCH with the version before the last change",
        rule="optimistic_locking",
        credential=session.access_token,
        path=where,
        body={"currency": currency, "metadata": {"version": version}},
    )
    name = ctx.ok(
        "addOwnSessionContextAttribute",
        "adding an attribute to the own context",
        credential=session.access_token,
        path=where,
        body={"key": "sfkWish", "value": {"sku": "A-1"}},
    )
    ctx.expect(
        name == "sfkWish",
        "attribute_name_answered",
        f"adding the attribute sfkWish answered {name!r}; the contract answers its name",
        operation_id="addOwnSessionContextAttribute",
    )
    listed = ctx.ok("getOwnSessionContext", "reading the own context", credential=session.access_token, path=where)
    ctx.expect(
        (listed.get("context") or {}).get("sfkWish") == {"sku": "A-1"},
        "attribute_kept",
        f"after adding sfkWish the context holds {listed.get('context')}",
        operation_id="addOwnSessionContextAttribute",
    )
    ctx.ok(
        "removeOwnSessionContextAttribute",
        "removing the attribute",
        credential=session.access_token,
        path={**where, "attributeName": "sfkWish"},
    )
    gone = ctx.ok("getOwnSessionContext", "reading the own context", credential=session.access_token, path=where)
    ctx.expect(
        "sfkWish" not in (gone.get("context") or {}),
        "attribute_removed",
        f"after removing sfkWish the context holds {gone.get('context')}",
        operation_id="removeOwnSessionContextAttribute",
    )
