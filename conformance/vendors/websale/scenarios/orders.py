"""Order history: paging arithmetic, sorting, order totals, and accounts kept apart."""

from __future__ import annotations

import math
from typing import Any

from conformance.scenarios import scenario
from conformance.vendors.websale.context import Account, WebsaleContext


def _page(ctx: WebsaleContext, session: str, page: int, size: int, order: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {"page": page, "size": size}
    if order is not None:
        query["order"] = order
    return dict(ctx.ok("listOrders", f"page {page} of size {size}", credential=session, query=query))


@scenario(
    covers={"getOrder": ("invalidOrderId",), "listOrders": ("invalidRequest",)},
    operations=("listOrders", "getOrder"),
    needs=("testData.accountWithOrders",),
)
def order_history(ctx: WebsaleContext) -> None:
    """Pages add up, sortings sort, an order's totals add up, and another account sees none of it."""
    data = ctx.target.data("accountWithOrders")
    assert data is not None
    demo = Account(str(data["email"]), str(data["password"]), "", deleted=True)  # test data: never deleted
    with ctx.using_target_data("testData.accountWithOrders"):
        ctx.login(demo)
    session = demo.session
    first = _page(ctx, session, 1, 10)
    total = int(first["totalCount"])
    minimum = int(data.get("minOrders", 1))
    ctx.expect(
        total >= minimum,
        "test_data_present",
        f"the account with orders has {total} orders; the target file promises at least {minimum}",
        operation_id="listOrders",
    )
    arithmetic = "paging_arithmetic"
    ctx.expect(
        first["page"] == 1
        and first["size"] == 10
        and first["totalPages"] == math.ceil(total / 10)
        and len(first["orders"]) == min(10, total),
        arithmetic,
        f"page 1 of size 10 answered page={first['page']} size={first['size']} "
        f"totalPages={first['totalPages']} with {len(first['orders'])} orders for totalCount={total}",
        operation_id="listOrders",
    )
    seen: list[str] = []
    for number in range(1, first["totalPages"] + 1):
        page = first if number == 1 else _page(ctx, session, number, 10)
        expected = min(10, total - (number - 1) * 10)
        ctx.expect(
            len(page["orders"]) == expected and page["totalCount"] == total,
            arithmetic,
            f"page {number} of size 10 holds {len(page['orders'])} orders; expected {expected}",
            operation_id="listOrders",
        )
        seen += [str(order["id"]) for order in page["orders"]]
    ctx.expect(
        len(seen) == len(set(seen)) == total,
        arithmetic,
        f"walking every page gave {len(seen)} orders ({len(set(seen))} distinct) for totalCount={total}",
        operation_id="listOrders",
    )
    past = _page(ctx, session, first["totalPages"] + 1, 10)
    ctx.expect(
        past["orders"] == [] and past["totalCount"] == total,
        arithmetic,
        "a page past the end is not an empty list",
        operation_id="listOrders",
    )
    if total <= 100:
        everything = _page(ctx, session, 1, 100)["orders"]
        ids = [str(order["id"]) for order in everything]
        ctx.expect(
            ids == seen,
            arithmetic,
            "size 100 lists the orders in another order than pages of 10",
            operation_id="listOrders",
        )
        middle = _page(ctx, session, 2, 7)["orders"]
        ctx.expect(
            [str(order["id"]) for order in middle] == ids[7:14],
            arithmetic,
            "page 2 of size 7 is not orders 8 to 14 of the full list",
            operation_id="listOrders",
        )
        dates = [order["createdAt"] for order in everything]
        ctx.expect(
            dates == sorted(dates, reverse=True),
            "order_sorting",
            "the default sorting is not newest first",
            operation_id="listOrders",
        )
        for sorting, key, reverse in (
            ("dateAsc", "createdAt", False),
            ("totalDesc", "total", True),
            ("totalAsc", "total", False),
            ("", "createdAt", True),
        ):
            values = [order[key] for order in _page(ctx, session, 1, 100, sorting)["orders"]]
            ctx.expect(
                values == sorted(values, reverse=reverse),
                "order_sorting",
                f"order={sorting!r} does not sort by {key} {'descending' if reverse else 'ascending'}",
                operation_id="listOrders",
            )
    summary = first["orders"][0]
    order = ctx.ok("getOrder", "reading a listed order", credential=session, query={"orderId": summary["id"]})["order"]
    ctx.expect(
        all(order.get(key) == summary[key] for key in summary),
        "order_state_kept",
        "getOrder differs from the order's summary in listOrders",
        operation_id="getOrder",
    )
    positions = order["positions"]
    ctx.expect(
        abs(sum(p["total"] for p in positions) - order["subtotal"]) < 0.005
        and abs(order["subtotal"] + order["shippingCost"] - order["total"]) < 0.005
        and sum(p["quantity"] for p in positions) == order["itemCount"],
        "order_totals",
        "the order's subtotal, total or itemCount do not add up from its positions",
        operation_id="getOrder",
    )
    ctx.error(
        "getOrder",
        "invalidOrderId",
        "an order id that does not exist",
        credential=session,
        query={"orderId": "sfk-" + ctx.hex_token(12)},
    )
    for query in ({"page": 0, "size": 10}, {"page": 1, "size": 101}, {"page": 1, "size": 10, "order": "sfkUnknown"}):
        ctx.error(
            "listOrders",
            "invalidRequest",
            f"the parameters {query} outside their schema",
            credential=session,
            query=query,
        )
    other = ctx.new_account()
    ctx.error(
        "getOrder",
        "invalidOrderId",
        "another account's order",
        rule="account_isolation",
        credential=other.session,
        query={"orderId": summary["id"]},
    )
    empty = _page(ctx, other.session, 1, 10)
    ctx.expect(
        empty["orders"] == [] and empty["totalCount"] == 0 and empty["totalPages"] == 0,
        arithmetic,
        "a new account's order list is not empty with totalCount 0 and totalPages 0",
        operation_id="listOrders",
    )
