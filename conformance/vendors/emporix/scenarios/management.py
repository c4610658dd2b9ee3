"""The management routes: a context by session id, for service clients with the manage scope."""

from __future__ import annotations

from typing import Any

from conformance.scenarios import scenario
from conformance.vendors.emporix.context import ANONYMOUS, SERVICE, EmporixContext

_MANAGEMENT = (
    "getSessionContext",
    "updateSessionContext",
    "addSessionContextAttribute",
    "removeSessionContextAttribute",
)
_OWN = (
    "getOwnSessionContext",
    "updateOwnSessionContext",
    "addOwnSessionContextAttribute",
    "removeOwnSessionContextAttribute",
)


def _version(context: dict[str, Any]) -> int:
    return int((context.get("metadata") or {}).get("version", 0))


@scenario(
    requires=SERVICE,
    covers={"getSessionContext": ("sessionNotFound",), "updateSessionContext": ("sessionNotFound", "versionConflict")},
    operations=("getSessionContext", "updateSessionContext"),
)
def read_and_replace(ctx: EmporixContext) -> None:
    """PUT replaces a context at its current version only, creates one only with upsert=true."""
    token, session = ctx.service_token(), ctx.anonymous()
    where = {"tenant": ctx.tenant, "sessionId": session.session_id}
    before = ctx.context(session.session_id)
    site = ctx.default_site()
    replacement = {
        "siteCode": site.get("code"),
        "currency": site.get("defaultCurrency"),
        "cartId": "sfk-cart-1",
        "targetLocation": site.get("homeBaseCountry"),
        "language": site.get("defaultLanguage"),
        "context": {"sfkReplaced": "yes"},
        "metadata": {"version": _version(before)},
    }
    ctx.ok("updateSessionContext", "a PUT with the current version", credential=token, path=where, body=replacement)
    after = ctx.context(session.session_id)
    ctx.expect(
        after.get("cartId") == "sfk-cart-1" and (after.get("context") or {}) == {"sfkReplaced": "yes"},
        "put_replaces",
        f"after the PUT the context reads {after}",
        operation_id="updateSessionContext",
    )
    ctx.expect(
        _version(after) == _version(before) + 1,
        "version_incremented",
        f"the PUT left metadata.version at {_version(after)}; it was {_version(before)}",
        operation_id="updateSessionContext",
    )
    ctx.error(
        "updateSessionContext",
        "versionConflict",
        "a PUT with the version before the last change",
        rule="optimistic_locking",
        credential=token,
        path=where,
        body=replacement,
    )
    without_cart = {key: value for key, value in replacement.items() if key != "cartId"}
    ctx.ok(
        "updateSessionContext",
        "a PUT without cartId",
        credential=token,
        path=where,
        body={**without_cart, "metadata": {"version": _version(after)}},
    )
    ctx.expect(
        "cartId" not in ctx.context(session.session_id),
        "put_replaces",
        "a PUT without cartId kept the earlier cartId",
        operation_id="updateSessionContext",
    )
    missing = {"tenant": ctx.tenant, "sessionId": "sfk-" + ctx.hex_token(24)}
    ctx.error(
        "getSessionContext", "sessionNotFound", "a session id the backend never issued", credential=token, path=missing
    )
    ctx.error(
        "updateSessionContext",
        "sessionNotFound",
        "a PUT to an unknown session without upsert",
        credential=token,
        path=missing,
        body=replacement,
    )
    ctx.error(
        "updateSessionContext",
        "sessionNotFound",
        "a PUT to an unknown session with upsert=false",
        credential=token,
        path=missing,
        body=replacement,
        query={"upsert": "false"},
    )
    ctx.ok(
        "updateSessionContext",
        "a PUT with upsert=true to an unknown session",
        credential=token,
        path=missing,
        body=replacement,
        query={"upsert": "true"},
    )
    read = ctx.call("getSessionContext", credential=token, path=missing)
    ctx.expect(
        read.status != 404,
        "upsert_creates",
        "a PUT with upsert=true to an unknown session succeeded, but no "
        "context was created: reading it answers HTTP 404",
        read,
        operation_id="updateSessionContext",
    )
    created = ctx.check_ok("getSessionContext", "reading the context created by upsert", read)
    ctx.expect(
        _version(created) == 1 and created.get("cartId") == "sfk-cart-1",
        "upsert_creates",
        f"the context created by upsert reads {created}",
        operation_id="updateSessionContext",
    )


@scenario(
    requires=SERVICE,
    covers={"addSessionContextAttribute": ("sessionNotFound",), "removeSessionContextAttribute": ("sessionNotFound",)},
    operations=("addSessionContextAttribute", "removeSessionContextAttribute"),
)
def attributes(ctx: EmporixContext) -> None:
    """Attributes are added and removed without a version, and still count as changes."""
    token, session = ctx.service_token(), ctx.anonymous()
    where = {"tenant": ctx.tenant, "sessionId": session.session_id}
    before = ctx.context(session.session_id)
    ctx.ok(
        "addSessionContextAttribute",
        "adding an attribute",
        credential=token,
        path=where,
        body={"key": "sfkColour", "value": {"name": "teal"}},
    )
    ctx.ok(
        "addSessionContextAttribute",
        "adding a second attribute",
        credential=token,
        path=where,
        body={"key": "sfkNote", "value": "plain text"},
    )
    added = ctx.context(session.session_id)
    ctx.expect(
        (added.get("context") or {}).get("sfkColour") == {"name": "teal"}
        and (added.get("context") or {}).get("sfkNote") == "plain text",
        "attribute_kept",
        f"after adding two attributes the context holds {added.get('context')}",
        operation_id="addSessionContextAttribute",
    )
    ctx.expect(
        _version(added) == _version(before) + 2,
        "version_incremented",
        f"two attributes moved metadata.version from {_version(before)} to {_version(added)}; each is a change",
        operation_id="addSessionContextAttribute",
    )
    ctx.ok(
        "removeSessionContextAttribute",
        "removing an attribute",
        credential=token,
        path={**where, "attributeName": "sfkColour"},
    )
    ctx.ok(
        "removeSessionContextAttribute",
        "removing an attribute that is not there",
        credential=token,
        path={**where, "attributeName": "sfkNeverSet"},
    )
    removed = ctx.context(session.session_id)
    ctx.expect(
        "sfkColour" not in (removed.get("context") or {}) and "sfkNote" in (removed.get("context") or {}),
        "attribute_removed",
        f"after removing sfkColour the context holds {removed.get('context')}",
        operation_id="removeSessionContextAttribute",
    )
    missing = {"tenant": ctx.tenant, "sessionId": "sfk-" + ctx.hex_token(24)}
    ctx.error(
        "addSessionContextAttribute",
        "sessionNotFound",
        "an unknown session",
        credential=token,
        path=missing,
        body={"key": "sfkColour", "value": "teal"},
    )
    ctx.error(
        "removeSessionContextAttribute",
        "sessionNotFound",
        "an unknown session",
        credential=token,
        path={**missing, "attributeName": "sfkColour"},
    )


@scenario(
    requires=ANONYMOUS,
    covers={
        **{op: ("insufficientScope", "tenantMismatch") for op in _MANAGEMENT},
        **{op: ("tenantMismatch",) for op in _OWN},
    },
)
def scopes_and_tenants(ctx: EmporixContext) -> None:
    """Management routes need the manage scope and every route the token's own tenant; own routes a session token."""
    session = ctx.shared()
    for operation_id in _MANAGEMENT:
        if operation_id not in ctx.selected:
            continue
        request = ctx.valid_request(operation_id)
        if ctx.target.data("limitedClient"):
            ctx.error(
                operation_id,
                "insufficientScope",
                "the token of a client without the manage scope",
                rule="scope_enforced",
                **{**request, "credential": ctx.service_token("limitedClient")},
            )
        ctx.error(
            operation_id,
            "insufficientScope",
            "an anonymous storefront token",
            rule="scope_enforced",
            **{**request, "credential": session.access_token},
        )
        ctx.error(
            operation_id,
            "tenantMismatch",
            "the service token on another tenant's path",
            rule="tenant_checked",
            **{**request, "path": {**request["path"], "tenant": ctx.other_tenant()}},
        )
    for operation_id in _OWN:
        if operation_id not in ctx.selected:
            continue
        request = ctx.valid_request(operation_id)
        ctx.error(
            operation_id,
            "tenantMismatch",
            "the anonymous token on another tenant's path",
            rule="tenant_checked",
            **{**request, "path": {**request["path"], "tenant": ctx.other_tenant()}},
        )
        ctx.error(
            operation_id,
            "invalidAccessToken",
            "a service token, which belongs to no session",
            rule="token_kind_checked",
            **{**request, "credential": ctx.service_token()},
        )


@scenario(
    requires=SERVICE,
    covers={"updateSessionContext": ("customerTokenMismatch",)},
    operations=("updateSessionContext",),
    needs=("testData.customer",),
)
def saas_token(ctx: EmporixContext) -> None:
    """A PUT to a customer's context needs that customer's saas-token."""
    token, login = ctx.service_token(), ctx.customer()
    where = {"tenant": ctx.tenant, "sessionId": login.session_id}
    context = ctx.context(login.session_id)
    body = {key: value for key, value in context.items() if key not in ("sessionId",)}
    ctx.error(
        "updateSessionContext",
        "customerTokenMismatch",
        "a PUT to a customer's context without saas-token",
        rule="saas_token_checked",
        credential=token,
        path=where,
        body=body,
    )
    ctx.error(
        "updateSessionContext",
        "customerTokenMismatch",
        "a saas-token the backend never issued",
        rule="saas_token_checked",
        credential=token,
        path=where,
        body=body,
        headers={"saas-token": ctx.hex_token(43)},
    )
    ctx.ok(
        "updateSessionContext",
        "a PUT with the customer's saas-token",
        credential=token,
        path=where,
        body=body,
        headers={"saas-token": login.saas_token},
    )
