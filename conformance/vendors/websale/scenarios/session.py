"""Sessions and redirect links to template pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from conformance.scenarios import scenario
from conformance.scenarios._context import NotCovered
from conformance.vendors.websale.context import WebsaleContext


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


@scenario(covers={"prepareRedirect": ("redirectNotFound",)}, operations=("createSession", "prepareRedirect"))
def redirects(ctx: WebsaleContext) -> None:
    """Each configured redirect links to its template with the session and the parameters handed over."""
    first, second = ctx.session(), ctx.session()
    ctx.expect(
        first != second,
        "session_ids_unique",
        "two createSession calls answered the same id",
        operation_id="createSession",
    )
    redirects = ctx.setting("redirects") or []
    base = str(ctx.setting("storefrontBaseUrl")).rstrip("/")
    configured = {entry["identifier"] for entry in redirects}
    unknown = "sfk-unknown-" + ctx.hex_token(8)
    while unknown in configured:
        unknown += "x"
    ctx.error(
        "prepareRedirect",
        "redirectNotFound",
        f"a viewIdentifier without a configured redirect ({unknown!r})",
        credential=first,
        body={"viewIdentifier": unknown},
    )
    if not redirects:
        raise NotCovered("the target's settings configure no redirects, so no link can be checked")
    for entry in redirects[:3]:
        identifier, template = entry["identifier"], entry["targetTemplateName"]
        body = ctx.ok(
            "prepareRedirect",
            f"a redirect for the configured identifier {identifier!r}",
            credential=first,
            body={"viewIdentifier": identifier, "parameters": {"step": "address", "sfk": "1"}},
        )
        link = str(body["storeFrontLink"])
        ctx.expect(
            link.startswith(base + "/") and urlsplit(link).path.endswith(template),
            "redirect_link_target",
            f"the link for {identifier!r} is {link!r}; expected {base}/…{template}",
            operation_id="prepareRedirect",
        )
        query = _query(link)
        ctx.expect(
            query.get("step") == "address" and query.get("sfk") == "1",
            "redirect_link_parameters",
            f"the link {link!r} does not carry the parameters step=address and sfk=1",
            operation_id="prepareRedirect",
        )
    identifier = redirects[0]["identifier"]
    own = _query(
        str(
            ctx.ok("prepareRedirect", "a redirect", credential=first, body={"viewIdentifier": identifier})[
                "storeFrontLink"
            ]
        )
    )
    other = _query(
        str(
            ctx.ok("prepareRedirect", "a redirect", credential=second, body={"viewIdentifier": identifier})[
                "storeFrontLink"
            ]
        )
    )
    ctx.expect(
        own.get("sessionKey") != other.get("sessionKey"),
        "redirect_link_carries_session",
        "links for two different sessions carry the same sessionKey",
        operation_id="prepareRedirect",
    )
    alias = _query(
        str(
            ctx.ok(
                "prepareRedirect",
                "a redirect with the deprecated alias params",
                credential=first,
                body={"viewIdentifier": identifier, "params": {"tab": "alias"}},
            )["storeFrontLink"]
        )
    )
    ctx.expect(
        alias.get("tab") == "alias",
        "redirect_link_parameters",
        "the deprecated alias `params` was not handed over as a query parameter",
        operation_id="prepareRedirect",
    )
