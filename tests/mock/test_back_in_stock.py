""" "Back in stock" notifications."""

from __future__ import annotations

from mock_api import DEMO_EMAIL, Api, assert_error


def test_list_answers_the_accounts_notifications(api: Api, demo: str) -> None:
    expected = next(a for a in api.mock.app.runtime.state("websale").fixtures.accounts if a["email"] == DEMO_EMAIL)[
        "backInStock"
    ]
    assert api.call("listBackInStock", session=demo).json() == {"entries": expected}


def test_notify_stores_an_entry_listed_last(api: Api, demo: str) -> None:
    response = api.call(
        "createBackInStock", session=demo, json={"email": "me@example.com", "productId": "SKU-OUT-OF-STOCK-1"}
    )
    assert response.status_code == 200
    entry = response.json()["entry"]
    assert (entry["productId"], entry["email"]) == ("SKU-OUT-OF-STOCK-1", "me@example.com")
    assert api.call("listBackInStock", session=demo).json()["entries"][-1] == entry


def test_notify_for_in_stock_product_is_accepted(api: Api, demo: str) -> None:
    assert (
        api.call(
            "createBackInStock", session=demo, json={"email": DEMO_EMAIL, "productId": "SKU-IN-STOCK-2"}
        ).status_code
        == 200
    )


def test_duplicate_is_found_case_insensitively(api: Api, demo: str) -> None:
    api.call("createBackInStock", session=demo, json={"email": "me@example.com", "productId": "SKU-OUT-OF-STOCK-1"})
    response = api.call(
        "createBackInStock", session=demo, json={"email": "ME@example.com", "productId": "SKU-OUT-OF-STOCK-1"}
    )
    assert_error(response, 409, "entryExists")


def test_unknown_product_has_no_inventory_state(api: Api, demo: str) -> None:
    response = api.call("createBackInStock", session=demo, json={"email": DEMO_EMAIL, "productId": "NOT-IN-THE-SHOP"})
    assert_error(response, 409, "missingInventoryState", "productId")


def test_delete_removes_the_entry(api: Api, demo: str) -> None:
    api.call("createBackInStock", session=demo, json={"email": "me@example.com", "productId": "SKU-OUT-OF-STOCK-1"})
    response = api.call(
        "deleteBackInStock", session=demo, json={"email": "me@example.com", "productId": "SKU-OUT-OF-STOCK-1"}
    )
    assert response.json() == {"removed": True}
    entries = api.call("listBackInStock", session=demo).json()["entries"]
    assert ("SKU-OUT-OF-STOCK-1", "me@example.com") not in {(e["productId"], e["email"]) for e in entries}


def test_delete_of_absent_entry_is_removed_false(api: Api, demo: str) -> None:
    response = api.call(
        "deleteBackInStock", session=demo, json={"email": "never@example.com", "productId": "SKU-IN-STOCK-1"}
    )
    assert response.json() == {"removed": False}


def test_switched_off_feature_refuses_list_changes(api: Api, demo: str) -> None:
    api.change_settings(backInStockAllowed=False)
    body = {"email": DEMO_EMAIL, "productId": "SKU-IN-STOCK-1"}
    assert_error(api.call("createBackInStock", session=demo, json=body), 403, "notAllowed")
    assert_error(api.call("deleteBackInStock", session=demo, json=body), 403, "notAllowed")


def test_entries_belong_to_their_account(api: Api, demo: str) -> None:
    other = api.register(email="watcher@example.com")
    api.call("createBackInStock", session=other, json={"email": "watcher@example.com", "productId": "SKU-IN-STOCK-1"})
    assert "watcher@example.com" not in {
        e["email"] for e in api.call("listBackInStock", session=demo).json()["entries"]
    }
