"""ZEST's seed data: a fixture file's settings, application keys, countries, categories and products.

The same file, seed and locale give byte-identical data: every made-up value (titles, descriptions,
prices, stock) comes from one seeded Faker instance. Codes and skus come from the file alone
(generated products are numbered from `firstSku`), so a target file naming them holds whatever the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from mock_server.common.fixtures import (
    ExpandableFixtures,
    FixtureError,
    read_expandable_fixtures,
    seeded_faker,
    unique,
)
from mock_server.vendors.zest.domain.catalog import CENT, resource_of
from storefront_kit.contract import Contract, load_contract
from storefront_kit.data import contract_file, fixture_file

__all__ = ["DEFAULT_FIXTURES", "FixtureError", "ZestFixtureData", "file_schema", "load_fixtures"]

NAME = "zest"
DEFAULT_FIXTURES = fixture_file(NAME)

_CODE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"}
_TEXT = {"type": "string", "maxLength": 500}
_TITLE = {"type": "string", "minLength": 1, "maxLength": 200}
_URL = {"type": "string", "format": "uri", "maxLength": 500}
_PRODUCT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sku"],
    "properties": {
        "sku": _CODE,
        "title": _TITLE,
        "description": _TEXT,
        "price": {"type": "number", "minimum": 0, "maximum": 1000000},
        "stock": {"type": "integer", "minimum": 0, "maximum": 1000000},
        "thumb": _URL,
        "image": _URL,
    },
}
_CATEGORY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code"],
    "properties": {
        "code": _CODE,
        "title": _TITLE,
        "description": _TEXT,
        "products": {
            "type": "object",
            "additionalProperties": False,
            "default": {},
            "properties": {
                "fixed": {"type": "array", "items": _PRODUCT, "default": []},
                "generated": {
                    "type": "object",
                    "additionalProperties": False,
                    "default": {},
                    "properties": {
                        "count": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0},
                        "firstSku": {"type": "integer", "minimum": 0, "maximum": 10**15},
                    },
                },
            },
        },
    },
}


def file_schema(contract: Contract) -> dict[str, Any]:
    """The fixture file's schema: the contract's `ZestSettings`, keys (limited to the contract's
    resources), countries and categories."""
    settings = contract.settings_schema()
    assert settings is not None
    resources = sorted({resource_of(operation.path) for operation in contract.operations.values()})
    # Omitted settings take their defaults, so none is required in the file.
    optional_settings = {key: value for key, value in settings.items() if key != "required"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["applications", "countries", "categories"],
        "properties": {
            "seed": {"type": "integer", "default": 1},
            "locale": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$", "default": "en_US"},
            "settings": {**optional_settings, "default": {}},
            "imageBaseUrl": {**_URL, "default": "https://images.example.com/zest"},
            "applications": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key"],
                    "properties": {
                        "key": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
                        "resources": {"type": "array", "minItems": 1, "items": {"enum": resources}},
                    },
                },
            },
            "countries": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "name"],
                    "properties": {"code": {"type": "string", "pattern": "^[A-Z]{2}$"}, "name": _TITLE},
                },
            },
            "categories": {"type": "array", "minItems": 1, "items": _CATEGORY},
        },
    }


@dataclass(frozen=True, slots=True)
class ZestFixtureData:
    """The shop's initial state, as `Shop.seed` stores it.

    `applications`: `{key, resources}` (resources None: every one); `countries`: `{code, name}`;
    `categories`: `{code, title, description, products: [sku, ...]}`; `products`: `{sku, title,
    description, thumb, image, stock, price}`.
    """

    settings: dict[str, Any]
    applications: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    products: list[dict[str, Any]]
    seed: int


def load_fixtures(
    path: str | Path | None = None,
    *,
    seed: int | None = None,
    locale: str | None = None,
    contract: Contract | None = None,
) -> ZestFixtureData:
    """Read and expand a fixture file (the bundled one without `path`); `seed`/`locale` override it."""
    contract = contract or load_contract(contract_file(NAME), NAME)
    fixtures = read_expandable_fixtures(path, DEFAULT_FIXTURES, file_schema(contract), seed=seed, locale=locale)
    _check_consistency(fixtures)
    return _Generator(fixtures).run()


def _skus(category: Mapping[str, Any]) -> list[str]:
    products = category["products"]
    generated = products["generated"]
    first = generated.get("firstSku", 0)
    return [product["sku"] for product in products["fixed"]] + [
        str(first + number) for number in range(generated["count"])
    ]


def _check_consistency(fixtures: ExpandableFixtures) -> None:
    """The rules a schema cannot say: unique keys, codes and skus, the default country, prices in cents."""
    document, fail = fixtures.document, fixtures.fail
    unique(fail, "applications", "key", [entry["key"] for entry in document["applications"]])
    codes = [entry["code"] for entry in document["countries"]]
    unique(fail, "countries", "code", codes)
    default = document["settings"]["defaultCountry"]
    if default not in codes:
        fail("settings.defaultCountry", f"{default!r} is not one of the countries; use one of {codes}")
    unique(fail, "categories", "code", [category["code"] for category in document["categories"]])
    for index, category in enumerate(document["categories"]):
        generated = category["products"]["generated"]
        if generated["count"] and "firstSku" not in generated:
            fail(f"categories[{index}].products.generated", "give firstSku, the sku the generated products count from")
        for number, product in enumerate(category["products"]["fixed"]):
            if "price" in product and (price := Decimal(str(product["price"]))) != price.quantize(CENT):
                fail(f"categories[{index}].products.fixed[{number}].price", "write the price in cents (24.95)")
    unique(fail, "categories", "sku", [sku for category in document["categories"] for sku in _skus(category)])


# Generated products: their kinds (Faker has no product names), price range in cents, out-of-stock share.
_GOODS = (
    "Mug",
    "Teapot",
    "Bowl",
    "Platter",
    "Jug",
    "Vase",
    "Candle",
    "Cushion",
    "Throw",
    "Tray",
    "Basket",
    "Lamp",
    "Clock",
    "Coaster Set",
    "Tea Towel",
    "Apron",
    "Planter",
    "Carafe",
    "Frame",
    "Rug",
)
_PRICE_CENTS = (300, 15000)
_OUT_OF_STOCK_SHARE = 0.2
_MAX_STOCK = 250


class _Generator:
    """Expands the checked file; one seeded Faker instance makes every made-up value."""

    def __init__(self, fixtures: ExpandableFixtures) -> None:
        self.document = fixtures.document
        self.fake = seeded_faker(fixtures, "en_US or en_NZ")
        self.random = self.fake.random
        self.images = self.document["imageBaseUrl"].rstrip("/")

    def run(self) -> ZestFixtureData:
        document = self.document
        categories, products = [], []
        for entry in document["categories"]:
            found = [self._product(spec) for spec in entry["products"]["fixed"]]
            generated = entry["products"]["generated"]
            found += [self._product({"sku": str(generated["firstSku"] + n)}) for n in range(generated["count"])]
            categories.append(
                {
                    "code": entry["code"],
                    "title": entry.get("title") or self.fake.word().capitalize(),
                    "description": entry.get("description") or self.fake.sentence(nb_words=10),
                    "products": [product["sku"] for product in found],
                }
            )
            products += found
        return ZestFixtureData(
            settings=document["settings"],
            applications=[
                {"key": entry["key"], "resources": entry.get("resources")} for entry in document["applications"]
            ],
            countries=[{"code": entry["code"], "name": entry["name"]} for entry in document["countries"]],
            categories=categories,
            products=products,
            seed=document["seed"],
        )

    def _product(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        sku = spec["sku"]
        title = spec.get("title") or f"{self.fake.safe_color_name().capitalize()} {self.random.choice(_GOODS)}"
        description = spec.get("description") or self.fake.sentence(nb_words=12)
        price = spec["price"] if "price" in spec else self.random.randint(*_PRICE_CENTS) / 100
        if "stock" in spec:
            stock = spec["stock"]
        else:
            out = self.random.random() < _OUT_OF_STOCK_SHARE
            stock = 0 if out else self.random.randint(1, _MAX_STOCK)
        return {
            "sku": sku,
            "title": title,
            "description": description,
            "thumb": spec.get("thumb") or f"{self.images}/{sku}/thumb.jpg",
            "image": spec.get("image") or f"{self.images}/{sku}/large.jpg",
            "stock": stock,
            "price": float(price),
        }
