"""The seed data: deterministic, valid against the contract, and consistent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from mock_server.vendors.websale.fixtures import (
    DEFAULT_FIXTURES,
    FixtureData,
    FixtureError,
    load_fixtures,
)
from storefront_kit import registry

SCHEMAS = registry.contract("websale").resolved["components"]["schemas"]
FORMATS = OAS30Validator.FORMAT_CHECKER
ACCOUNT_FIELDS = tuple(SCHEMAS["Account"]["properties"])


def serialize(data: FixtureData) -> str:
    return json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False)


def validate(schema_name: str, instance: Any) -> None:
    OAS30Validator(SCHEMAS[schema_name], format_checker=FORMATS).validate(instance)


def all_orders(data: FixtureData) -> list[dict[str, Any]]:
    return [order for account in data.accounts for order in account["orders"]]


def account(data: FixtureData, email: str) -> dict[str, Any]:
    return next(a for a in data.accounts if a["email"] == email)


def cents(amount: float) -> int:
    value = round(amount * 100)
    assert abs(amount * 100 - value) < 1e-6, f"{amount} is not rounded to cents"
    return value


@pytest.fixture(scope="module")
def data() -> FixtureData:
    return load_fixtures()


@pytest.fixture
def fixture_file(tmp_path: Path) -> Callable[..., Path]:
    """Writes a copy of the default file, changed by a function, and returns its path."""

    def write(change: Callable[[dict[str, Any]], None] | None = None, text: str | None = None) -> Path:
        path = tmp_path / "fixture.yaml"
        if text is None:
            document = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
            document["generate"]["referenceDate"] = str(document["generate"]["referenceDate"])
            if change is not None:
                change(document)
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- determinism ---------------------------------------------------------------------------------


def test_same_file_and_seed_give_byte_identical_data(data: FixtureData) -> None:
    assert serialize(load_fixtures(DEFAULT_FIXTURES, seed=1)) == serialize(data)


def test_another_seed_gives_other_data(data: FixtureData) -> None:
    other = load_fixtures(seed=2)
    assert serialize(other) != serialize(data)
    assert [a["email"] for a in other.accounts] != [a["email"] for a in data.accounts]


def test_explicit_accounts_and_products_keep_their_ids_across_seeds(data: FixtureData) -> None:
    other = load_fixtures(seed=7)
    named = ("demo@example.com", "empty@example.com", "unverified@example.com")
    assert [account(other, email)["id"] for email in named] == [account(data, email)["id"] for email in named]
    assert [p["id"] for p in other.products] == [p["id"] for p in data.products]


def test_locale_switch_changes_the_data() -> None:
    american = load_fixtures(locale="en_US")
    addresses = [a for acc in american.accounts for a in acc["addresses"]]
    assert {a["country"] for a in addresses} == {"US"}
    for address in addresses:
        validate("Address", address)
    assert serialize(american) != serialize(load_fixtures())


# --- settings ------------------------------------------------------------------------------------


def test_settings_are_a_complete_valid_shop_settings_object(data: FixtureData) -> None:
    validate("ShopSettings", data.settings)
    assert set(data.settings) == set(SCHEMAS["ShopSettings"]["properties"])
    identifiers = {r["identifier"] for r in data.settings["redirects"]}
    assert {"checkout", "basket", "account"} <= identifiers


def test_omitted_settings_take_the_contract_defaults(fixture_file: Callable[..., Path]) -> None:
    def minimal(document: dict[str, Any]) -> None:
        document["settings"] = {"storefrontBaseUrl": "https://x.example", "redirects": []}
        del document["generate"]["customFieldValues"]

    settings = load_fixtures(fixture_file(minimal)).settings
    properties = SCHEMAS["ShopSettings"]["properties"]
    assert settings["sessionIdleSeconds"] == properties["sessionIdleSeconds"]["default"]
    assert (
        settings["loginThrottle"]["accountMaxFailures"]
        == (properties["loginThrottle"]["properties"]["accountMaxFailures"]["default"])
    )
    assert set(settings["passwordChange"]) == set(properties["passwordChange"]["properties"])
    validate("ShopSettings", settings)


# --- contract shapes -----------------------------------------------------------------------------


def test_addresses_orders_and_accounts_match_the_contract(data: FixtureData) -> None:
    for acc in data.accounts:
        validate("Account", {name: acc[name] for name in ACCOUNT_FIELDS if name in acc})
        validate("Email", acc["email"])
        validate("Password", acc["password"])
        for address in acc["addresses"]:
            validate("Address", address)
            # What a client may send back must be accepted as input as well.
            validate("AddressInput", {k: v for k, v in address.items() if k not in ("id", "isMain") and v != ""})
        for order in acc["orders"]:
            validate("Order", order)
        for entry in acc["backInStock"]:
            validate("BackInStockEntry", entry)


def test_ids_are_digit_strings_unique_per_kind(data: FixtureData) -> None:
    kinds = {
        "account": [a["id"] for a in data.accounts],
        "address": [ad["id"] for a in data.accounts for ad in a["addresses"]],
        "order": [o["id"] for o in all_orders(data)],
    }
    for kind, ids in kinds.items():
        assert all(re.fullmatch(r"[0-9]+", i) for i in ids), kind
        assert len(ids) == len(set(ids)), kind
    products = [p["id"] for p in data.products]
    assert len(products) == len(set(products))


# --- consistency ---------------------------------------------------------------------------------


def test_order_totals_add_up_exactly(data: FixtureData) -> None:
    for order in all_orders(data):
        for position in order["positions"]:
            assert cents(position["total"]) == position["quantity"] * cents(position["unitPrice"])
        assert cents(order["subtotal"]) == sum(cents(p["total"]) for p in order["positions"])
        assert cents(order["total"]) == cents(order["subtotal"]) + cents(order["shippingCost"])
        assert order["itemCount"] == sum(p["quantity"] for p in order["positions"])
        assert [p["position"] for p in order["positions"]] == list(range(1, len(order["positions"]) + 1))


def test_order_positions_name_products_at_their_price(data: FixtureData) -> None:
    products = {p["id"]: p for p in data.products}
    for order in all_orders(data):
        for position in order["positions"]:
            product = products[position["productId"]]
            assert (position["name"], position["unitPrice"]) == (product["name"], product["price"])


def test_order_addresses_come_from_the_account(data: FixtureData) -> None:
    fields = tuple(SCHEMAS["OrderAddress"]["properties"])
    for acc in data.accounts:
        own = [{name: a[name] for name in fields} for a in acc["addresses"]]
        for order in acc["orders"]:
            assert order["billingAddress"] in own
            assert order["shippingAddress"] in own


def test_order_numbers_increase_with_the_dates(data: FixtureData) -> None:
    orders = sorted(all_orders(data), key=lambda o: int(o["id"]))
    assert [o["createdAt"] for o in orders] == sorted(o["createdAt"] for o in orders)
    numbers = [o["number"] for o in orders]
    assert all(re.fullmatch(r"WS-\d{4}-\d{6}", n) for n in numbers)
    assert [int(n[-6:]) for n in numbers] == sorted({int(n[-6:]) for n in numbers})
    assert all(n[3:7] == o["createdAt"][:4] for n, o in zip(numbers, orders, strict=True))


def test_every_date_lies_before_the_reference_date(data: FixtureData) -> None:
    reference = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for acc in data.accounts:
        created = dt.datetime.fromisoformat(acc["createdAt"])
        for item in acc["orders"] + acc["backInStock"]:
            assert created < dt.datetime.fromisoformat(item["createdAt"]) < reference
        for address in acc["addresses"]:
            if address["dateOfBirth"]:
                assert dt.date.fromisoformat(address["dateOfBirth"]) < reference.date()


def test_exactly_one_main_address_per_account_with_addresses(data: FixtureData) -> None:
    for acc in data.accounts:
        if acc["addresses"]:
            assert sum(a["isMain"] for a in acc["addresses"]) == 1, acc["email"]


def test_emails_are_unique_lowercase_and_keep_clear_of_the_listed_accounts(data: FixtureData) -> None:
    emails = [a["email"] for a in data.accounts]
    assert len(emails) == len(set(emails))
    assert all(e == e.lower() and re.fullmatch(r"[a-z0-9.-]+@[a-z0-9.-]+\.[a-z]+", e) for e in emails)
    for entry in (e for a in data.accounts for e in a["backInStock"]):
        assert entry["email"] in emails


def test_back_in_stock_entries_watch_products_with_an_inventory_state(data: FixtureData) -> None:
    inventory = {p["id"]: p["inventory"] for p in data.products}
    entries = [e for a in data.accounts for e in a["backInStock"]]
    assert entries
    assert all(inventory[e["productId"]] is not None for e in entries)


# --- the accounts and products integrators name ---------------------------------------------------


def test_demo_account_has_pages_of_orders_and_several_addresses(data: FixtureData) -> None:
    demo = account(data, "demo@example.com")
    assert demo["password"] == "Demo-Password-1"
    assert len(demo["orders"]) >= 25
    assert len(demo["addresses"]) >= 3


def test_empty_account_has_no_orders_and_no_addresses(data: FixtureData) -> None:
    empty = account(data, "empty@example.com")
    assert (empty["orders"], empty["addresses"]) == ([], [])


def test_products_cover_every_inventory_state(data: FixtureData) -> None:
    states = {p["id"]: p["inventory"] for p in data.products}
    assert set(states.values()) == {"inStock", "outOfStock", None}
    assert states["SKU-IN-STOCK-1"] == "inStock"
    assert states["SKU-OUT-OF-STOCK-1"] == "outOfStock"
    assert states["SKU-NO-INVENTORY-1"] is None
    assert all(isinstance(p["price"], float) and cents(p["price"]) > 0 for p in data.products)


# --- mistakes in a fixture file -------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            _set("settings.loginThrottle.accountMaxFailures", 0),
            r"settings\.loginThrottle\.accountMaxFailures: 0 is less than the minimum of 1",
            id="setting-out-of-range",
        ),
        pytest.param(
            _set("settings.redirects.0.targetTemplateName", "bad name"),
            r"settings\.redirects\[0\]\.targetTemplateName: 'bad name' does not match",
            id="redirect-template",
        ),
        pytest.param(
            _set("settings.doubleOptIn", True),
            r"settings: .*'doubleOptIn' was unexpected.*allowed keys: .*doubleOptInDeletion",
            id="unknown-setting",
        ),
        pytest.param(
            _set("settings.storefrontBaseUrl", "demo.shop.example"),
            r"settings\.storefrontBaseUrl: .*absolute URL",
            id="base-url-not-absolute",
        ),
        pytest.param(
            _set("generate.customers.orders", {"min": 5, "max": 1}),
            r"generate\.customers\.orders: min \(5\) is greater than max \(1\)",
            id="range-reversed",
        ),
        pytest.param(
            _set("generate.referenceDate", "01.11.2026"),
            r"generate\.referenceDate: .*YYYY-MM-DD",
            id="reference-date",
        ),
        pytest.param(
            _set("generate.shipping", {"standard": {"cost": 4.95}}),
            r"generate\.shipping: 'express' is a required property",
            id="shipping-method-missing",
        ),
        pytest.param(
            _set("accounts.0.password", "short"),
            r"accounts\[0\]\.password: 'short' is too short",
            id="weak-password",
        ),
        pytest.param(
            _set("accounts.1.email", "DEMO@example.com"),
            r"accounts\[1\]\.email: 'demo@example.com' appears twice",
            id="duplicate-email",
        ),
        pytest.param(
            _set("accounts.0.backInStock", ["SKU-NO-INVENTORY-1"]),
            r"accounts\[0\]\.backInStock\[0\]: 'SKU-NO-INVENTORY-1' has no inventory state",
            id="watching-product-without-inventory",
        ),
        pytest.param(
            _set("accounts.0.backInStock", ["NOPE"]),
            r"accounts\[0\]\.backInStock\[0\]: 'NOPE' is not an id under products",
            id="watching-unknown-product",
        ),
        pytest.param(
            _set("products.0.price", 1.999),
            r"products\[0\]\.price: 1\.999 has more than two decimals",
            id="price-not-in-cents",
        ),
        pytest.param(
            _set("products.0.inventory", "none"),
            r"products\[0\]\.inventory: 'none' is not one of",
            id="inventory-state",
        ),
        pytest.param(
            _set("generate.locale", "xx_YY"),
            r"generate\.locale: Faker has no locale 'xx_YY'",
            id="unknown-locale",
        ),
    ],
)
def test_a_wrong_fixture_file_names_the_key_and_the_fix(
    fixture_file: Callable[..., Path], change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = fixture_file(change)
    with pytest.raises(FixtureError, match=expected) as caught:
        load_fixtures(path)
    assert str(path) in str(caught.value)


def test_broken_yaml_names_the_file_and_line(fixture_file: Callable[..., Path]) -> None:
    path = fixture_file(text="settings:\n  storefrontBaseUrl: https://x.example\n  redirects: [unclosed\n")
    with pytest.raises(FixtureError, match=rf"{re.escape(str(path))}:4:1: invalid YAML"):
        load_fixtures(path)


def test_a_duplicate_key_is_refused_with_its_line(fixture_file: Callable[..., Path]) -> None:
    text = "settings:\n  storefrontBaseUrl: https://x.example\n  storefrontBaseUrl: https://y.example\n"
    path = fixture_file(text=text)
    with pytest.raises(FixtureError, match=r":3:3: invalid YAML: duplicate key 'storefrontBaseUrl'"):
        load_fixtures(path)


def test_a_missing_file_is_a_fixture_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read the fixture file"):
        load_fixtures(tmp_path / "absent.yaml")
