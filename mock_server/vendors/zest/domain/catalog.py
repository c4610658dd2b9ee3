"""The shop's categories, products, shipping countries and application keys: fixture data in the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from mock_server.store import Store, StoreUnavailable

CATALOG_KEY = "zest:catalog"
CENT = Decimal("0.01")
# What a key may be limited to: the first segment of the operations' paths.


def resource_of(path: str) -> str:
    """The resource a path below the base path names, as keys are limited (`BrowseCategory`, `Cart`, `CartItem`)."""
    return path.strip("/").split("/", 1)[0]


class CatalogData(Protocol):
    """The fixture data the catalog is written from (`mock_server.vendors.zest.fixtures.ZestFixtureData`)."""

    @property
    def applications(self) -> list[dict[str, Any]]: ...

    @property
    def countries(self) -> list[dict[str, Any]]: ...

    @property
    def categories(self) -> list[dict[str, Any]]: ...

    @property
    def products(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Application:
    key: str
    resources: tuple[str, ...] | None  # None: every resource

    def allows(self, resource: str) -> bool:
        return self.resources is None or resource in self.resources


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    description: str
    thumb: str
    image: str
    stock: int
    price: Decimal

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Product:
        # str() of a float is its shortest spelling, so 24.95 becomes exactly Decimal("24.95").
        price = Decimal(str(record["price"])).quantize(CENT)
        return cls(
            record["sku"],
            record["title"],
            record["description"],
            record["thumb"],
            record["image"],
            record["stock"],
            price,
        )


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    title: str
    description: str
    skus: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str


class ShopCatalog:
    """The stored catalog as values, with their lookups (codes, skus and keys are case-sensitive)."""

    __slots__ = ("applications", "categories", "countries", "products")

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.applications = {
            entry["key"]: Application(entry["key"], None if entry["resources"] is None else tuple(entry["resources"]))
            for entry in record["applications"]
        }
        self.countries = tuple(Country(entry["code"], entry["name"]) for entry in record["countries"])
        self.products = {entry["sku"]: Product.from_record(entry) for entry in record["products"]}
        self.categories = {
            entry["code"]: Category(entry["code"], entry["title"], entry["description"], tuple(entry["products"]))
            for entry in record["categories"]
        }

    @staticmethod
    def record_of(data: CatalogData) -> dict[str, Any]:
        return {
            "applications": data.applications,
            "countries": data.countries,
            "categories": data.categories,
            "products": data.products,
        }

    def country(self, code: str) -> Country | None:
        return next((country for country in self.countries if country.code == code), None)


class Catalog:
    """Reads the catalog once per settings version: it changes only when the fixtures are written
    again, and seeding writes the settings last, so a new settings value is the sign to re-read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._read_with: object = None
        self._catalog: ShopCatalog | None = None

    async def get(self, settings: Mapping[str, Any]) -> ShopCatalog:
        """The catalog; `settings` is the value `Settings.get` answered for this request."""
        if self._catalog is not None and settings is self._read_with:
            return self._catalog
        record = await self._store.get(CATALOG_KEY)
        if record is None:
            raise StoreUnavailable("unreachable", "the shop's catalog is missing from the store")
        self._catalog, self._read_with = ShopCatalog(record), settings
        return self._catalog

    async def seed(self, data: CatalogData) -> None:
        await self._store.put(CATALOG_KEY, ShopCatalog.record_of(data))
        self._catalog = None
