"""Order history: paging, sorting, one order."""

from __future__ import annotations

import math
from typing import Any

import pytest
from mock_api import Api, assert_error


def _page(api: Api, session: str, **params: Any) -> dict[str, Any]:
    response = api.call("listOrders", session=session, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_demo_account_has_at_least_25_orders_over_several_pages(api: Api, demo: str) -> None:
    page = _page(api, demo, page=1, size=10)
    assert page["totalCount"] >= 25
    assert page["totalPages"] == math.ceil(page["totalCount"] / 10) >= 3
    assert len(page["orders"]) == 10


def test_pages_cover_every_order_once_newest_first(api: Api, demo: str) -> None:
    first = _page(api, demo, page=1, size=7)
    seen = []
    for number in range(1, first["totalPages"] + 1):
        seen += _page(api, demo, page=number, size=7)["orders"]
    assert len(seen) == len({o["id"] for o in seen}) == first["totalCount"]
    dates = [o["createdAt"] for o in seen]
    assert dates == sorted(dates, reverse=True)


def test_page_past_the_end_is_empty(api: Api, demo: str) -> None:
    page = _page(api, demo, page=1000, size=100)
    assert page["orders"] == [] and page["page"] == 1000 and page["totalCount"] >= 25


@pytest.mark.parametrize(
    ("order", "key", "descending"),
    [
        pytest.param("", "createdAt", True, id="default"),
        pytest.param("dateDesc", "createdAt", True, id="dateDesc"),
        pytest.param("dateAsc", "createdAt", False, id="dateAsc"),
        pytest.param("totalDesc", "total", True, id="totalDesc"),
        pytest.param("totalAsc", "total", False, id="totalAsc"),
    ],
)
def test_order_list_sorts(api: Api, demo: str, order: str, key: str, descending: bool) -> None:
    orders = _page(api, demo, page=1, size=100, order=order)["orders"]
    values = [o[key] for o in orders]
    assert values == sorted(values, reverse=descending)


def test_list_summarises_orders(api: Api, demo: str) -> None:
    summary = _page(api, demo, page=1, size=1)["orders"][0]
    assert set(summary) == {"id", "number", "createdAt", "status", "currency", "total", "itemCount"}


def test_get_order_answers_the_full_order_with_totals_that_add_up(api: Api, demo: str) -> None:
    summary = _page(api, demo, page=1, size=1)["orders"][0]
    order = api.call("getOrder", session=demo, params={"orderId": summary["id"]}).json()["order"]
    assert order["total"] == summary["total"]
    assert round(sum(p["total"] for p in order["positions"]), 2) == order["subtotal"]
    assert round(order["subtotal"] + order["shippingCost"], 2) == order["total"]


def test_account_without_orders_has_zero_pages(api: Api) -> None:
    page = _page(api, api.register(), page=1, size=10)
    assert (page["orders"], page["totalCount"], page["totalPages"]) == ([], 0, 0)


def test_unknown_order_id_is_invalid_order_id(api: Api, demo: str) -> None:
    assert_error(
        api.call("getOrder", session=demo, params={"orderId": "no-such-order"}), 404, "invalidOrderId", "orderId"
    )


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"page": 0, "size": 10}, id="page-zero"),
        pytest.param({"page": 1, "size": 0}, id="size-zero"),
        pytest.param({"page": "one", "size": 10}, id="page-not-a-number"),
        pytest.param({"size": 10}, id="page-missing"),
        pytest.param({"page": 1, "size": 10, "order": "priceDesc"}, id="unknown-sorting"),
    ],
)
def test_bad_paging_is_invalid_request(api: Api, demo: str, params: dict[str, Any]) -> None:
    assert_error(api.call("listOrders", session=demo, params=params), 400, "invalidRequest")
