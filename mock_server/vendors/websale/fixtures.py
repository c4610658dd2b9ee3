"""WEBSALE's seed data: a fixture file's shop settings, expanded by Faker into accounts and products.

The same file, seed and locale give byte-identical data: every date derives from the file's
`referenceDate`, every random choice from one seeded Faker instance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from faker import Faker

from mock_server.common.fixtures import (
    FixtureError,
    read_fixture_file,
    slug,
    timestamp,
    validate_fixture,
)
from storefront_kit import registry
from storefront_kit.contract import Contract
from storefront_kit.data import fixture_file
from storefront_kit.schemas import with_defaults

__all__ = ["DEFAULT_FIXTURES", "FixtureData", "FixtureError", "load_fixtures"]

DEFAULT_FIXTURES = fixture_file("websale")

_FIRST_ACCOUNT_ID = 1001
_FIRST_ADDRESS_ID = 5001
_FIRST_ORDER_ID = 70001
_FIRST_PRODUCT_ID = 10001

# Young orders are still on their way, old ones have settled: (maximum age in days, weights).
_STATUS_BY_AGE: tuple[tuple[float, dict[str, int]], ...] = (
    (3, {"open": 3, "processing": 2}),
    (10, {"processing": 1, "shipped": 4}),
    (30, {"shipped": 2, "delivered": 6, "cancelled": 1, "returned": 1}),
    (float("inf"), {"delivered": 16, "cancelled": 2, "returned": 2}),
)
_PRICE_ENDINGS = (99, 95, 49, 0)


@dataclass(frozen=True, slots=True)
class FixtureData:
    """The mock's initial state: shop settings, accounts (with their data) and products."""

    settings: dict[str, Any]
    accounts: list[dict[str, Any]]
    products: list[dict[str, Any]]


def load_fixtures(
    path: str | Path | None = None,
    *,
    seed: int | None = None,
    locale: str | None = None,
    contract: Contract | None = None,
) -> FixtureData:
    """Read and expand a fixture file (the default one without `path`); `seed`/`locale` override it."""
    file = Path(path) if path is not None else DEFAULT_FIXTURES
    document = read_fixture_file(file)
    schemas = (contract or registry.contract("websale")).resolved["components"]["schemas"]
    file_schema = _file_schema(schemas)
    validate_fixture(document, file_schema, file)
    settings = with_defaults(schemas["ShopSettings"], document["settings"])
    generate = with_defaults(file_schema["properties"]["generate"], document.get("generate", {}))
    if seed is not None:
        generate["seed"] = seed
    if locale is not None:
        generate["locale"] = locale
    accounts = document.get("accounts", [])
    products = document.get("products", [])
    _check_consistency(file, settings, generate, accounts, products, schemas)
    locale_key = "generate.locale" if locale is None else "locale (given instead of generate.locale)"
    return _Generator(file, schemas, settings, generate, locale_key).run(accounts, products)


# --- reading and checking the file -------------------------------------------------------------


def _range(minimum: int, default: tuple[int, int]) -> dict[str, Any]:
    bound = {"type": "integer", "minimum": minimum}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["min", "max"],
        "properties": {"min": bound, "max": bound},
        "default": {"min": default[0], "max": default[1]},
    }


def _file_schema(schemas: Mapping[str, Any]) -> dict[str, Any]:
    """The fixture file's schema: the contract's `ShopSettings` plus what to generate."""
    money = {"type": "number", "minimum": 0}
    order = schemas["Order"]["properties"]
    custom_value = schemas["CustomAddressFields"]["additionalProperties"]
    name = {"type": "string", "minLength": 1, "maxLength": 100}
    generate = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "seed": {"type": "integer", "default": 1},
            "locale": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$", "default": "de_DE"},
            "referenceDate": {"type": "string", "format": "date", "default": "2026-11-01"},
            "currency": {**order["currency"], "default": "EUR"},
            "orderNumberPrefix": {"type": "string", "pattern": "^[A-Z]{1,8}$", "default": "WS"},
            "firstOrderNumber": {"type": "integer", "minimum": 1, "default": 1},
            "customers": {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {
                    "count": {"type": "integer", "minimum": 0, "default": 20},
                    "password": {**schemas["Password"], "default": "Customer-Password-1"},
                    "unverifiedShare": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.1},
                    "addresses": _range(0, (1, 3)),
                    "orders": _range(0, (0, 8)),
                    "backInStock": _range(0, (0, 2)),
                },
            },
            "products": {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {
                    "inStock": {"type": "integer", "minimum": 0, "default": 30},
                    "outOfStock": {"type": "integer", "minimum": 0, "default": 8},
                    "noInventory": {"type": "integer", "minimum": 0, "default": 4},
                    "price": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["min", "max"],
                        "properties": {"min": money, "max": money},
                        "default": {"min": 2.99, "max": 199.0},
                    },
                    "kinds": {
                        "type": "array",
                        "minItems": 1,
                        "items": name,
                        "default": ["Shirt", "Hoodie", "Sneaker", "Cap", "Jacke", "Rucksack"],
                    },
                },
            },
            "positions": _range(1, (1, 5)),
            "quantity": _range(1, (1, 3)),
            "shipping": {
                "type": "object",
                "additionalProperties": False,
                "required": list(order["shippingMethod"]["enum"]),
                "properties": {
                    method: {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["cost"],
                        "properties": {"cost": money, "freeFrom": money},
                    }
                    for method in order["shippingMethod"]["enum"]
                },
                "default": {method: {"cost": 0} for method in order["shippingMethod"]["enum"]},
            },
            "customFieldValues": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": custom_value},
                "default": {},
            },
        },
    }
    account = {
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "password"],
        "properties": {
            "email": schemas["Email"],
            "password": schemas["Password"],
            "firstName": name,
            "lastName": name,
            "displayName": name,
            "emailVerified": {"type": "boolean"},
            "addresses": {"type": "integer", "minimum": 0},
            "orders": {"type": "integer", "minimum": 0},
            "backInStock": {"type": "array", "items": schemas["ResourceId"], "uniqueItems": True},
        },
    }
    product = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "price", "inventory"],
        "properties": {
            "id": schemas["ResourceId"],
            "name": {"type": "string", "minLength": 1},
            "price": money,
            "inventory": {"enum": ["inStock", "outOfStock", None]},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["settings"],
        "properties": {
            "settings": schemas["ShopSettings"],
            "generate": generate,
            "accounts": {"type": "array", "items": account},
            "products": {"type": "array", "items": product},
        },
    }


def _check_consistency(
    file: Path,
    settings: Mapping[str, Any],
    generate: Mapping[str, Any],
    accounts: Sequence[Mapping[str, Any]],
    products: Sequence[Mapping[str, Any]],
    schemas: Mapping[str, Any],
) -> None:
    """The rules a schema cannot say: ranges, unique names, references between sections."""

    def fail(key: str, message: str) -> NoReturn:
        raise FixtureError(f"{file}: {key}: {message}")

    identifiers = [redirect["identifier"] for redirect in settings["redirects"]]
    for identifier in identifiers:
        if identifiers.count(identifier) > 1:
            fail("settings.redirects", f"the identifier {identifier!r} appears twice; keep one")
    custom_names = settings["customAddressFields"]
    most = schemas["CustomAddressFields"].get("maxProperties")
    if most is not None and len(custom_names) > most:
        fail("settings.customAddressFields", f"{len(custom_names)} names, but an address holds at most {most}")
    for name in generate["customFieldValues"]:
        if name not in custom_names:
            fail(
                f"generate.customFieldValues.{name}",
                f"not a name in settings.customAddressFields {custom_names}",
            )

    ranges = {
        "generate.customers.addresses": generate["customers"]["addresses"],
        "generate.customers.orders": generate["customers"]["orders"],
        "generate.customers.backInStock": generate["customers"]["backInStock"],
        "generate.positions": generate["positions"],
        "generate.quantity": generate["quantity"],
        "generate.products.price": generate["products"]["price"],
    }
    for key, bounds in ranges.items():
        if bounds["min"] > bounds["max"]:
            fail(key, f"min ({bounds['min']}) is greater than max ({bounds['max']}); swap them")
    for bound, amount in generate["products"]["price"].items():
        _cents(amount, f"generate.products.price.{bound}", file)
    for method, shipping in generate["shipping"].items():
        for field in ("cost", "freeFrom"):
            if field in shipping:
                _cents(shipping[field], f"generate.shipping.{method}.{field}", file)
    customers = generate["customers"]
    if customers["count"] and customers["orders"]["max"] and not customers["addresses"]["min"]:
        fail("generate.customers.addresses.min", "orders need an address to ship to; set min to at least 1")
    try:
        dt.date.fromisoformat(generate["referenceDate"])
    except (TypeError, ValueError):
        fail("generate.referenceDate", f"{generate['referenceDate']!r} is not a date; write it as YYYY-MM-DD")

    product_ids: dict[str, Any] = {}
    for index, product in enumerate(products):
        if product["id"] in product_ids:
            fail(f"products[{index}].id", f"{product['id']!r} appears twice; product ids must be unique")
        product_ids[product["id"]] = product["inventory"]
        _cents(product["price"], f"products[{index}].price", file)
    generated_products = sum(generate["products"][state] for state in ("inStock", "outOfStock", "noInventory"))
    has_products = bool(products) or generated_products > 0

    emails: set[str] = set()
    for index, account in enumerate(accounts):
        email = account["email"].lower()
        if email in emails:
            fail(f"accounts[{index}].email", f"{email!r} appears twice; e-mail addresses must be unique")
        emails.add(email)
        if account.get("orders", 0) and not account.get("addresses", 0):
            fail(f"accounts[{index}].addresses", "an account with orders needs at least one address")
        if account.get("orders", 0) and not has_products:
            fail(
                f"accounts[{index}].orders",
                "orders need products; list some under products or generate.products",
            )
        for position, product_id in enumerate(account.get("backInStock", [])):
            key = f"accounts[{index}].backInStock[{position}]"
            if product_id not in product_ids:
                fail(
                    key,
                    f"{product_id!r} is not an id under products; back-in-stock entries name listed products",
                )
            if product_ids[product_id] is None:
                fail(key, f"{product_id!r} has no inventory state, so it cannot be watched")
    if customers["count"] and customers["orders"]["max"] and not has_products:
        fail("generate.products", "customers get orders, but there are no products; generate some")


def _cents(amount: float, key: str, file: Path) -> int:
    cents = round(amount * 100)
    if abs(amount * 100 - cents) > 1e-6:
        raise FixtureError(f"{file}: {key}: {amount} has more than two decimals; amounts are in cents")
    return cents


# --- generating ----------------------------------------------------------------------------------


def _money(cents: int) -> float:
    return cents / 100


@dataclass(frozen=True, slots=True)
class _Product:
    id: str
    name: str
    cents: int
    inventory: str | None


class _Generator:
    """Expands the checked file; one seeded Faker instance makes every random choice."""

    def __init__(
        self,
        file: Path,
        schemas: Mapping[str, Any],
        settings: dict[str, Any],
        generate: dict[str, Any],
        locale_key: str,
    ) -> None:
        self.schemas = schemas
        self.settings = settings
        self.config = generate
        try:
            self.fake = Faker(generate["locale"])
        except AttributeError as exc:
            raise FixtureError(
                f"{file}: {locale_key}: Faker has no locale {generate['locale']!r}; use one like de_DE or en_US"
            ) from exc
        self.fake.seed_instance(generate["seed"])
        self.random: random.Random = self.fake.random
        try:
            self.country = self.fake.current_country_code()
        except (AttributeError, IndexError, ValueError) as exc:
            raise FixtureError(
                f"{file}: {locale_key}: {generate['locale']!r} names no country; use one like de_DE"
            ) from exc
        self.reference = dt.datetime.combine(dt.date.fromisoformat(generate["referenceDate"]), dt.time(), tzinfo=dt.UTC)
        self.address_fields = schemas["AddressInput"]["properties"]
        self.emails: set[str] = set()
        self.next_address_id = _FIRST_ADDRESS_ID

    def run(self, accounts: Sequence[Mapping[str, Any]], products: Sequence[Mapping[str, Any]]) -> FixtureData:
        self.products = self._products(products)
        self.emails = {account["email"].lower() for account in accounts}
        specs = [dict(account) for account in accounts]
        customers = self.config["customers"]
        for _ in range(customers["count"]):
            specs.append(
                {
                    "password": customers["password"],
                    "emailVerified": self.random.random() >= customers["unverifiedShare"],
                    "addresses": self.random.randint(customers["addresses"]["min"], customers["addresses"]["max"]),
                    "orders": self.random.randint(customers["orders"]["min"], customers["orders"]["max"]),
                    "backInStock": self._watched(customers["backInStock"]),
                }
            )
        result = [self._account(_FIRST_ACCOUNT_ID + index, spec) for index, spec in enumerate(specs)]
        self._number_orders(result)
        return FixtureData(
            settings=self.settings,
            accounts=result,
            products=[
                {"id": p.id, "name": p.name, "price": _money(p.cents), "inventory": p.inventory} for p in self.products
            ],
        )

    def _products(self, listed: Sequence[Mapping[str, Any]]) -> list[_Product]:
        products = [_Product(str(p["id"]), p["name"], round(p["price"] * 100), p["inventory"]) for p in listed]
        counts = self.config["products"]
        states: list[str | None] = (
            ["inStock"] * counts["inStock"] + ["outOfStock"] * counts["outOfStock"] + [None] * counts["noInventory"]
        )
        self.random.shuffle(states)
        taken = {product.id for product in products}
        low, high = (round(counts["price"][bound] * 100) for bound in ("min", "max"))
        next_id = _FIRST_PRODUCT_ID
        for state in states:
            while str(next_id) in taken:
                next_id += 1
            euros = self.random.randint(low // 100, high // 100)
            cents = min(max(euros * 100 + self.random.choice(_PRICE_ENDINGS), low), high)
            name = f"{self.fake.color_name()} {self.random.choice(counts['kinds'])}"
            products.append(_Product(str(next_id), name, cents, state))
            next_id += 1
        return products

    def _watched(self, bounds: Mapping[str, int]) -> list[str]:
        candidates = [p.id for p in self.products if p.inventory == "outOfStock"]
        wanted = min(self.random.randint(bounds["min"], bounds["max"]), len(candidates))
        return self.random.sample(candidates, wanted)

    def _account(self, account_id: int, spec: Mapping[str, Any]) -> dict[str, Any]:
        first = spec.get("firstName") or self.fake.first_name()
        last = spec.get("lastName") or self.fake.last_name()
        email = spec["email"].lower() if "email" in spec else self._email(first, last)
        created = self.reference - dt.timedelta(
            days=self.random.randint(60, 1100), seconds=self.random.randint(0, 86399)
        )
        addresses = [self._address(first, last, index == 0) for index in range(spec.get("addresses", 0))]
        orders = sorted(
            (self._order(addresses, created) for _ in range(spec.get("orders", 0))),
            key=lambda order: order["createdAt"],
        )
        return {
            "id": str(account_id),
            "email": email,
            "password": spec["password"],
            "displayName": spec.get("displayName") or f"{first} {last[:1]}.",
            "firstName": first,
            "lastName": last,
            "emailVerified": spec.get("emailVerified", True),
            "createdAt": timestamp(created),
            "addresses": addresses,
            "orders": orders,
            "backInStock": [
                {
                    "productId": product_id,
                    "email": email,
                    "createdAt": timestamp(self._moment_after(created)),
                }
                for product_id in spec.get("backInStock", [])
            ],
        }

    def _email(self, first: str, last: str) -> str:
        local = ".".join(part for part in (slug(first), slug(last)) if part) or "customer"
        domain = self.fake.safe_domain_name()
        email, counter = f"{local}@{domain}", 1
        while email in self.emails:
            counter += 1
            email = f"{local}{counter}@{domain}"
        self.emails.add(email)
        return email

    def _moment_after(self, start: dt.datetime) -> dt.datetime:
        # Squaring a uniform draw favours recent moments, so young orders (and their statuses) show.
        span = (self.reference - start).total_seconds()
        return self.reference - dt.timedelta(seconds=int(span * self.random.random() ** 2) + 1)

    def _optional(self, share: float, make: str) -> str:
        method = getattr(self.fake, make, None)
        return str(method()) if method is not None and self.random.random() < share else ""

    def _address(self, first: str, last: str, is_main: bool) -> dict[str, Any]:
        if not is_main and self.random.random() < 0.3:
            first, last = self.fake.first_name(), self.fake.last_name()
        is_business = self.random.random() < 0.2
        values = {
            "firstName": first,
            "lastName": last,
            "street": self.fake.street_name(),
            "streetNumber": self.fake.building_number(),
            "additionalInfo": self._optional(0.15, "secondary_address"),
            "zip": self.fake.postcode(),
            "city": self.fake.city(),
            "state": self._optional(1.0, "state"),
            "country": self.country,
            "phone": self._optional(0.6, "phone_number"),
            "mobilePhone": self._optional(0.3, "phone_number"),
            "fax": self._optional(0.05, "phone_number"),
            "company": self._optional(1.0 if is_business else 0.0, "company"),
            "taxId": self._optional(0.7 if is_business else 0.0, "vat_id"),
            "businessPhone": self._optional(0.6 if is_business else 0.0, "phone_number"),
            "businessFax": self._optional(0.2 if is_business else 0.0, "phone_number"),
            "dateOfBirth": self._date_of_birth() if self.random.random() < (0.5 if is_main else 0.1) else "",
        }
        for name, value in values.items():
            most = self.address_fields[name].get("maxLength")
            values[name] = value[:most].strip() if most else value
        custom = {name: "" for name in self.settings["customAddressFields"]}
        for name, samples in self.config["customFieldValues"].items():
            if samples and self.random.random() < 0.25:
                custom[name] = self.random.choice(samples)
        address: dict[str, Any] = {"id": str(self.next_address_id), "isMain": is_main}
        # Every contract field is present; the ones never set are empty strings.
        address.update({name: "" for name, field in self.address_fields.items() if field.get("type") == "string"})
        address.update(values)
        address["custom"] = custom
        self.next_address_id += 1
        return address

    def _date_of_birth(self) -> str:
        days = self.random.randint(18 * 365, 85 * 365)
        return (self.reference.date() - dt.timedelta(days=days)).isoformat()

    def _order(self, addresses: Sequence[Mapping[str, Any]], account_created: dt.datetime) -> dict[str, Any]:
        order_schema = self.schemas["Order"]["properties"]
        created = self._moment_after(account_created)
        chosen = self.random.sample(
            self.products, min(len(self.products), self.random.randint(*self._bounds("positions")))
        )
        positions, subtotal = [], 0
        for index, product in enumerate(chosen, start=1):
            quantity = self._quantity()
            subtotal += quantity * product.cents
            positions.append(
                {
                    "position": index,
                    "productId": product.id,
                    "name": product.name,
                    "quantity": quantity,
                    "unitPrice": _money(product.cents),
                    "total": _money(quantity * product.cents),
                }
            )
        method = self.random.choice(order_schema["shippingMethod"]["enum"])
        shipping = self.config["shipping"][method]
        shipping_cost = round(shipping["cost"] * 100)
        if "freeFrom" in shipping and subtotal >= round(shipping["freeFrom"] * 100):
            shipping_cost = 0
        billing = (
            next(a for a in addresses if a["isMain"]) if self.random.random() < 0.8 else self.random.choice(addresses)
        )
        delivery = billing if self.random.random() < 0.7 else self.random.choice(addresses)
        return {
            "id": "",
            "number": "",
            "createdAt": timestamp(created),
            "status": self._status((self.reference - created).total_seconds() / 86400),
            "currency": self.config["currency"],
            "positions": positions,
            "subtotal": _money(subtotal),
            "shippingCost": _money(shipping_cost),
            "total": _money(subtotal + shipping_cost),
            "itemCount": sum(position["quantity"] for position in positions),
            "paymentMethod": self.random.choice(order_schema["paymentMethod"]["enum"]),
            "shippingMethod": method,
            "billingAddress": self._order_address(billing),
            "shippingAddress": self._order_address(delivery),
        }

    def _bounds(self, key: str) -> tuple[int, int]:
        return self.config[key]["min"], self.config[key]["max"]

    def _quantity(self) -> int:
        # Most positions are a single piece.
        low, high = self._bounds("quantity")
        choices = range(low, high + 1)
        return self.random.choices(choices, weights=[1 / (q - low + 1) ** 2 for q in choices])[0]

    def _status(self, age_days: float) -> str:
        for most, weights in _STATUS_BY_AGE:
            if age_days <= most:
                return self.random.choices(list(weights), weights=list(weights.values()))[0]
        raise AssertionError("the last age bracket is unbounded")

    def _order_address(self, address: Mapping[str, Any]) -> dict[str, str]:
        return {name: address[name] for name in self.schemas["OrderAddress"]["properties"]}

    def _number_orders(self, accounts: Sequence[Mapping[str, Any]]) -> None:
        # Ids and numbers follow the order dates across all accounts, as a shop's counter would.
        everything = sorted(
            (
                (order["createdAt"], index, position, order)
                for index, account in enumerate(accounts)
                for position, order in enumerate(account["orders"])
            ),
            key=lambda item: item[:3],
        )
        prefix, first = self.config["orderNumberPrefix"], self.config["firstOrderNumber"]
        for offset, (created, _, _, order) in enumerate(everything):
            order["id"] = str(_FIRST_ORDER_ID + offset)
            order["number"] = f"{prefix}-{created[:4]}-{first + offset:06d}"
