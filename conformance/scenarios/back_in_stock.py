"""Back-in-stock notifications."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered, ScenarioContext


@scenario(covers={"createBackInStock": ("entryExists", "missingInventoryState", "emailCheckFailed"),
                  "deleteBackInStock": ("missingInventoryState", "emailCheckFailed")},
          operations=("listBackInStock", "createBackInStock", "deleteBackInStock"),
          settings={"backInStockAllowed": True}, needs=("products.noInventoryState",))
def notifications(ctx: ScenarioContext) -> None:
    """A notification is stored once per product and e-mail, listed, and removed idempotently."""
    products = ctx.target.products
    watched = (products.get("outOfStock") or products.get("inStock") or (None,))[0]
    if watched is None:
        raise NotCovered("the target file names no product in or out of stock (testData.products)")
    missing = products["noInventoryState"][0]
    account = ctx.new_account()
    session = account.session
    before = ctx.ok("listBackInStock", "listing a new account's notifications", session=session)["entries"]
    pair = {"email": account.email, "productId": watched}
    entry = ctx.ok("createBackInStock", "a notification for a product with inventory", session=session,
                   body=pair)["entry"]
    ctx.expect(entry.get("productId") == watched and str(entry.get("email")).lower() == account.email.lower(),
               "notification_stored_as_sent", f"createBackInStock answered {entry}", operation_id="createBackInStock")
    entries = ctx.ok("listBackInStock", "listing the notifications", session=session)["entries"]
    ctx.expect(len(entries) == len(before) + 1 and entry in entries, "created_notification_listed",
               "the created notification is not listed", operation_id="listBackInStock")
    ctx.error("createBackInStock", "entryExists", "the same product and e-mail again", rule="duplicate_refused",
              session=session, body=pair)
    ctx.error("createBackInStock", "missingInventoryState", "a product without inventory state",
              session=session, body={"email": account.email, "productId": missing})
    ctx.error("createBackInStock", "missingInventoryState", "a product the shop does not know",
              session=session, body={"email": account.email, "productId": "sfk-unknown-" + ctx.hex_token(8)})
    ctx.error("deleteBackInStock", "missingInventoryState", "a product without inventory state",
              session=session, body={"email": account.email, "productId": missing})
    ctx.invalid("createBackInStock", {"email": "not-an-email", "productId": watched}, "an invalid e-mail address",
                session=session)
    ctx.invalid("deleteBackInStock", {"email": "not-an-email", "productId": watched}, "an invalid e-mail address",
                session=session)
    removed = ctx.ok("deleteBackInStock", "removing the notification", session=session, body=pair)
    ctx.expect(removed.get("removed") is True, "notification_removed", f"deleteBackInStock answered {removed}",
               operation_id="deleteBackInStock")
    entries = ctx.ok("listBackInStock", "listing after removal", session=session)["entries"]
    ctx.expect(entry not in entries and len(entries) == len(before), "notification_removed",
               "the removed notification is still listed", operation_id="deleteBackInStock")
    again = ctx.ok("deleteBackInStock", "removing it again", session=session, body=pair)
    ctx.expect(again.get("removed") is False, "removal_idempotent",
               f"removing a notification twice answered {again} the second time", operation_id="deleteBackInStock")
    ctx.ok("createBackInStock", "the same notification after its removal", session=session, body=pair)


@scenario(covers={"createBackInStock": ("notAllowed",), "deleteBackInStock": ("notAllowed",)},
          settings={"backInStockAllowed": False})
def switched_off(ctx: ScenarioContext) -> None:
    """With back-in-stock switched off, both calls answer notAllowed."""
    products = ctx.target.products
    product = (products.get("outOfStock") or products.get("inStock") or ("sfk-product",))[0]
    account = ctx.new_account()
    pair = {"email": account.email, "productId": product}
    ctx.error("createBackInStock", "notAllowed", "back-in-stock switched off in the shop's settings",
              rule="setting_enforced", session=account.session, body=pair)
    ctx.error("deleteBackInStock", "notAllowed", "back-in-stock switched off in the shop's settings",
              rule="setting_enforced", session=account.session, body=pair)
