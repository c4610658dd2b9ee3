"""Back-in-stock notifications."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.websale.context import NEW_ACCOUNT, WebsaleContext


@scenario(
    requires=NEW_ACCOUNT,
    covers={
        "createBackInStock": ("entryExists", "missingInventoryState", "emailCheckFailed"),
        "deleteBackInStock": ("missingInventoryState", "emailCheckFailed"),
    },
    operations=("listBackInStock", "createBackInStock", "deleteBackInStock"),
    settings={"backInStockAllowed": True},
    needs=("testData.products.noInventoryState",),
)
def notifications(ctx: WebsaleContext) -> None:
    """A notification is stored once per product and e-mail, listed, and removed idempotently."""
    products = ctx.target.data("products") or {}
    watched = (products.get("outOfStock") or products.get("inStock") or (None,))[0]
    if watched is None:
        raise NotCovered("the target file names no product in or out of stock (testData.products)")
    missing = products["noInventoryState"][0]
    account = ctx.new_account()
    session = account.session
    before = ctx.ok("listBackInStock", "listing a new account's notifications", credential=session)["entries"]
    pair = {"email": account.email, "productId": watched}
    entry = ctx.ok("createBackInStock", "a notification for a product with inventory", credential=session, body=pair)[
        "entry"
    ]
    ctx.expect(
        entry.get("productId") == watched and str(entry.get("email")).lower() == account.email.lower(),
        "notification_stored_as_sent",
        f"createBackInStock answered {entry}",
        operation_id="createBackInStock",
    )
    entries = ctx.ok("listBackInStock", "listing the notifications", credential=session)["entries"]
    ctx.expect(
        len(entries) == len(before) + 1 and entry in entries,
        "created_notification_listed",
        "the created notification is not listed",
        operation_id="listBackInStock",
    )
    ctx.error(
        "createBackInStock",
        "entryExists",
        "the same product and e-mail again",
        rule="duplicate_refused",
        credential=session,
        body=pair,
    )
    ctx.error(
        "createBackInStock",
        "missingInventoryState",
        "a product without inventory state",
        credential=session,
        body={"email": account.email, "productId": missing},
    )
    ctx.error(
        "createBackInStock",
        "missingInventoryState",
        "a product the shop does not know",
        credential=session,
        body={"email": account.email, "productId": "sfk-unknown-" + ctx.hex_token(8)},
    )
    ctx.error(
        "deleteBackInStock",
        "missingInventoryState",
        "a product without inventory state",
        credential=session,
        body={"email": account.email, "productId": missing},
    )
    ctx.invalid(
        "createBackInStock",
        {"email": "not-an-email", "productId": watched},
        "an invalid e-mail address",
        credential=session,
    )
    ctx.invalid(
        "deleteBackInStock",
        {"email": "not-an-email", "productId": watched},
        "an invalid e-mail address",
        credential=session,
    )
    removed = ctx.ok("deleteBackInStock", "removing the notification", credential=session, body=pair)
    ctx.expect(
        removed.get("removed") is True,
        "notification_removed",
        f"deleteBackInStock answered {removed}",
        operation_id="deleteBackInStock",
    )
    entries = ctx.ok("listBackInStock", "listing after removal", credential=session)["entries"]
    ctx.expect(
        entry not in entries and len(entries) == len(before),
        "notification_removed",
        "the removed notification is still listed",
        operation_id="deleteBackInStock",
    )
    again = ctx.ok("deleteBackInStock", "removing it again", credential=session, body=pair)
    ctx.expect(
        again.get("removed") is False,
        "removal_idempotent",
        f"removing a notification twice answered {again} the second time",
        operation_id="deleteBackInStock",
    )
    ctx.ok("createBackInStock", "the same notification after its removal", credential=session, body=pair)


@scenario(
    requires=NEW_ACCOUNT,
    covers={"createBackInStock": ("notAllowed",), "deleteBackInStock": ("notAllowed",)},
    settings={"backInStockAllowed": False},
)
def switched_off(ctx: WebsaleContext) -> None:
    """With back-in-stock switched off, both calls answer notAllowed."""
    products = ctx.target.data("products") or {}
    product = (products.get("outOfStock") or products.get("inStock") or ("sfk-product",))[0]
    account = ctx.new_account()
    pair = {"email": account.email, "productId": product}
    ctx.error(
        "createBackInStock",
        "notAllowed",
        "back-in-stock switched off in the shop's settings",
        rule="setting_enforced",
        credential=account.session,
        body=pair,
    )
    ctx.error(
        "deleteBackInStock",
        "notAllowed",
        "back-in-stock switched off in the shop's settings",
        rule="setting_enforced",
        credential=account.session,
        body=pair,
    )
