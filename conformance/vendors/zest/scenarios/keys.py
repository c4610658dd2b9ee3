"""The application key: both ways of sending it, keys the shop never issued, keys limited to resources."""

from __future__ import annotations

from conformance.scenarios import scenario
from conformance.vendors.zest.context import ZestContext, key_credential, resource_of
from storefront_kit.contract import Contract


def _limited_key_cells(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {
        op.operation_id: ("keyNotAllowed",) for op in contract.operations.values() if "keyNotAllowed" in op.error_codes
    }


@scenario(covers={"getCart": ("invalidKey",)}, operations=("getCart",), needs=("testData.key",))
def both_ways_of_sending_the_key(ctx: ZestContext) -> None:
    """The key works as the Basic user name and as `_key`; a key the shop never issued is refused either way."""
    key = ctx.key()
    ctx.ok("getCart", "the key as the Basic user name with an empty password", credential=key_credential(key))
    exchange = ctx.call("getCart", credential=key_credential(key, in_query=True))
    ctx.expect(
        exchange.status == 200,
        "key_in_query_accepted",
        f"getCart with the key in _key (and no Authorization header) answered HTTP {exchange.status}",
        exchange,
    )
    ctx.check_ok("getCart", "the key in the _key query parameter", exchange)
    unknown = "sfk-" + ctx.hex_token(16)
    ctx.error(
        "getCart",
        "invalidKey",
        "a key the shop never issued, as the Basic user name",
        rule="key_checked",
        credential=key_credential(unknown),
    )
    ctx.error(
        "getCart",
        "invalidKey",
        "a key the shop never issued, in _key",
        rule="key_checked",
        credential=key_credential(unknown, in_query=True),
    )


@scenario(covers=_limited_key_cells, needs=("testData.limitedKeys",))
def keys_limited_to_resources(ctx: ZestContext) -> None:
    """A key limited to some resources works there and answers 403 keyNotAllowed everywhere else."""
    limited = ctx.limited_keys()
    for op in ctx.operations():
        resource = resource_of(ctx.contract, op.operation_id)
        refused = next((entry for entry in limited if resource not in entry.get("resources", ())), None)
        if refused is None or "keyNotAllowed" not in op.error_codes:
            continue
        request = ctx.valid_request(op.operation_id)
        request["credential"] = key_credential(str(refused["key"]))
        ctx.error(
            op.operation_id,
            "keyNotAllowed",
            f"a key limited to {', '.join(refused['resources'])}",
            rule="key_limited_to_resources",
            **request,
        )
        allowed = next((entry for entry in limited if resource in entry.get("resources", ())), None)
        if allowed is not None:
            request["credential"] = key_credential(str(allowed["key"]))
            ctx.ok(
                op.operation_id,
                f"a key limited to {', '.join(allowed['resources'])}, which include {resource}",
                **request,
            )
