"""Lifetimes: an anonymous session ends `anonymousSessionSeconds` after its last token."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.emporix.context import ANONYMOUS, EmporixContext

_SHORT = 2
_OWN = (
    "getOwnSessionContext",
    "updateOwnSessionContext",
    "addOwnSessionContextAttribute",
    "removeOwnSessionContextAttribute",
)


@scenario(
    requires=ANONYMOUS,
    covers={operation_id: ("sessionNotFound",) for operation_id in _OWN},
    tune={"anonymousSessionSeconds": _SHORT},
)
def anonymous_expiry(ctx: EmporixContext) -> None:
    """An anonymous session's context is gone once its lifetime has passed; its refresh token too."""
    lifetime = int(ctx.setting("anonymousSessionSeconds"))
    if not ctx.can_wait(lifetime):
        raise NotCovered(
            f"anonymousSessionSeconds in the target's settings ({lifetime}s) is longer than "
            "expiry.maxWaitSeconds and the target file declares neither settingsControl to shorten it nor clockControl"
        )
    session = ctx.anonymous()
    ctx.wait(lifetime + 1.0)
    for operation_id in _OWN:
        if operation_id not in ctx.selected:
            continue
        request = {**ctx.valid_request(operation_id), "credential": session.access_token}
        if operation_id == "updateOwnSessionContext":
            request["body"] = {"currency": ctx.default_site().get("defaultCurrency"), "metadata": {"version": 1}}
        ctx.error(
            operation_id, "sessionNotFound", "an anonymous session past its lifetime", rule="session_expires", **request
        )
    ctx.error(
        "anonymousRefresh",
        "invalidRefreshToken",
        "the refresh token of an expired session",
        rule="session_expires",
        query={
            "tenant": ctx.tenant,
            "client_id": ctx.target.data("storefrontClient"),
            "refresh_token": session.refresh_token,
        },
    )
