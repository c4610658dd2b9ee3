"""Emporix's seed data: a fixture file's tenant settings, clients and customers, expanded by Faker.

The same file, seed and locale give byte-identical data: every date derives from the file's
`referenceDate`, every random choice from one seeded Faker instance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.common.fixtures import (
    ExpandableFixtures,
    FixtureError,
    read_expandable_fixtures,
    seeded_faker,
    slug,
    timestamp,
    unique,
)
from storefront_kit import registry
from storefront_kit.contract import Contract
from storefront_kit.data import fixture_file

__all__ = ["DEFAULT_FIXTURES", "EmporixFixtureData", "FixtureError", "file_schema", "load_fixtures"]

DEFAULT_FIXTURES = fixture_file("emporix")

_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
_LANGUAGE = {"type": "string", "pattern": "^[a-z]{2}$"}
_COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$"}
_SITE_CODE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}

_TEXT = {"type": "string", "maxLength": 200}
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_CLIENT_ID = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"}
_PASSWORD = {"type": "string", "minLength": 6, "maxLength": 200}
_ADDRESS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["country", "tags"],
    "properties": {
        "tags": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": ["SHIPPING", "BILLING"]}},
        "country": _COUNTRY,
        "contactName": _TEXT,
        "street": _TEXT,
        "streetNumber": _TEXT,
        "zipCode": _TEXT,
        "city": _TEXT,
    },
}
_CUSTOMER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "password"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "password": _PASSWORD,
        "firstName": _NAME,
        "lastName": _NAME,
        "preferredCurrency": _CURRENCY,
        "preferredSite": _SITE_CODE,
        "preferredLanguage": _LANGUAGE,
        "addresses": {"type": "array", "items": _ADDRESS},
    },
}


def file_schema(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The fixture file's schema: the contract's `TenantSettings`, clients, and customers written out or generated."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["settings"],
        "properties": {
            "seed": {"type": "integer", "default": 1},
            "locale": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$", "default": "de_DE"},
            "referenceDate": {"type": "string", "format": "date", "default": "2026-11-01"},
            "settings": settings,
            "clients": {
                "type": "array",
                "default": [],
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "secret", "scopes"],
                    "properties": {
                        "id": _CLIENT_ID,
                        "secret": {"type": "string", "minLength": 8, "maxLength": 200},
                        "scopes": {
                            "type": "array",
                            "uniqueItems": True,
                            "items": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]+$"},
                        },
                    },
                },
            },
            "storefrontClients": {"type": "array", "uniqueItems": True, "items": _CLIENT_ID, "default": []},
            "customers": {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {
                    "fixed": {"type": "array", "items": _CUSTOMER, "default": []},
                    "generated": {
                        "type": "object",
                        "additionalProperties": False,
                        "default": {},
                        "properties": {
                            "count": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 20},
                            "password": {**_PASSWORD, "default": "Customer-Password-1"},
                        },
                    },
                },
            },
        },
    }


# Of the generated customers: who has set preferences, who has no address, who ships elsewhere.
_PREFERENCES_SHARE = 0.8
_NO_ADDRESS_SHARE = 0.1
_SEPARATE_SHIPPING_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class EmporixFixtureData:
    """The tenant's initial state: settings, service clients, storefront client ids and customers."""

    settings: dict[str, Any]
    clients: list[dict[str, Any]]
    storefront_clients: list[str]
    customers: list[dict[str, Any]]
    seed: int


def load_fixtures(
    path: str | Path | None = None,
    *,
    seed: int | None = None,
    locale: str | None = None,
    contract: Contract | None = None,
) -> EmporixFixtureData:
    """Read and expand a fixture file (the bundled one without `path`); `seed`/`locale` override it."""
    settings = (contract or registry.contract("emporix")).settings_schema()
    assert settings is not None
    fixtures = read_expandable_fixtures(path, DEFAULT_FIXTURES, file_schema(settings), seed=seed, locale=locale)
    _check_consistency(fixtures)
    return _Generator(fixtures).run()


def _check_consistency(fixtures: ExpandableFixtures) -> None:
    """The rules a schema cannot say: one default site, unique names, references between sections."""
    document, fail = fixtures.document, fixtures.fail
    sites = document["settings"]["sites"]
    defaults = [site["code"] for site in sites if site["default"]]
    if len(defaults) != 1:
        named = f" ({', '.join(defaults)})" if defaults else ""
        fail(
            "settings.sites",
            f"{len(defaults)} sites have default: true{named}; mark exactly one site with default: true",
        )
    unique(fail, "settings.sites", "code", [site["code"] for site in sites])
    for index, site in enumerate(sites):
        for listed, own in (("currencies", "defaultCurrency"), ("languages", "defaultLanguage")):
            if listed in site and site[own] not in site[listed]:
                fail(f"settings.sites[{index}].{listed}", f"does not list the site's {own} {site[own]!r}; add it")
    unique(fail, "clients", "id", [client["id"] for client in document["clients"]])
    fixed = document["customers"]["fixed"]
    unique(fail, "customers.fixed", "email", [customer["email"].lower() for customer in fixed])
    unique(fail, "customers.fixed", "id", [customer["id"] for customer in fixed if "id" in customer])
    codes = [site["code"] for site in sites]
    for index, customer in enumerate(fixed):
        if "preferredSite" in customer and customer["preferredSite"] not in codes:
            fail(
                f"customers.fixed[{index}].preferredSite",
                f"{customer['preferredSite']!r} is not a site code; use one of {codes}",
            )
    try:
        dt.date.fromisoformat(document["referenceDate"])
    except (TypeError, ValueError):
        fail("referenceDate", f"{document['referenceDate']!r} is not a date; write it as YYYY-MM-DD")


class _Generator:
    """Expands the checked file; one seeded Faker instance makes every random choice."""

    def __init__(self, fixtures: ExpandableFixtures) -> None:
        self.document = document = fixtures.document
        self.fake = seeded_faker(fixtures, "de_DE or en_US")
        self.random = self.fake.random
        try:
            self.country = self.fake.current_country_code()
        except (AttributeError, IndexError, ValueError):
            fixtures.fail(fixtures.locale_key, f"{document['locale']!r} names no country; use one like de_DE")
        self.reference = dt.datetime.combine(dt.date.fromisoformat(document["referenceDate"]), dt.time(), tzinfo=dt.UTC)
        sites = document["settings"]["sites"]
        default = next(site for site in sites if site["default"])
        # Generated customers live in the locale's country and prefer the site based there.
        self.home_site = next((site for site in sites if site["homeBaseCountry"] == self.country), default)
        fixed = document["customers"]["fixed"]
        self.ids = {customer["id"] for customer in fixed if "id" in customer}
        self.emails = {customer["email"].lower() for customer in fixed}

    def run(self) -> EmporixFixtureData:
        customers = self.document["customers"]
        written = [self._fixed(spec) for spec in customers["fixed"]]
        generated = [
            self._generated(customers["generated"]["password"]) for _ in range(customers["generated"]["count"])
        ]
        return EmporixFixtureData(
            settings=self.document["settings"],
            clients=self.document["clients"],
            storefront_clients=self.document["storefrontClients"],
            customers=written + generated,
            seed=self.document["seed"],
        )

    def _fixed(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        customer = {
            "id": spec.get("id") or self._new_id(),
            "email": spec["email"],
            "password": spec["password"],
            "firstName": spec.get("firstName") or self.fake.first_name(),
            "lastName": spec.get("lastName") or self.fake.last_name(),
            "createdAt": self._created(),
        }
        for preference in ("preferredSite", "preferredCurrency", "preferredLanguage"):
            if preference in spec:
                customer[preference] = spec[preference]
        customer["addresses"] = [dict(address) for address in spec.get("addresses", [])]
        return customer

    def _generated(self, password: str) -> dict[str, Any]:
        first, last = self.fake.first_name(), self.fake.last_name()
        customer: dict[str, Any] = {
            "id": self._new_id(),
            "email": self._email(first, last),
            "password": password,
            "firstName": first,
            "lastName": last,
            "createdAt": self._created(),
        }
        if self.random.random() < _PREFERENCES_SHARE:
            customer["preferredSite"] = self.home_site["code"]
            customer["preferredCurrency"] = self.home_site["defaultCurrency"]
            customer["preferredLanguage"] = self.home_site["defaultLanguage"]
        customer["addresses"] = self._addresses(f"{first} {last}")
        return customer

    def _new_id(self) -> str:
        while True:
            candidate = f"C{self.random.randrange(10**11):011d}"
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate

    def _email(self, first: str, last: str) -> str:
        local = ".".join(part for part in (slug(first), slug(last)) if part) or "customer"
        domain = self.fake.safe_domain_name()
        email, counter = f"{local}@{domain}", 1
        while email in self.emails:
            counter += 1
            email = f"{local}{counter}@{domain}"
        self.emails.add(email)
        return email

    def _created(self) -> str:
        age = dt.timedelta(days=self.random.randint(30, 1100), seconds=self.random.randint(0, 86399))
        return timestamp(self.reference - age)

    def _addresses(self, contact: str) -> list[dict[str, Any]]:
        draw = self.random.random()
        if draw < _NO_ADDRESS_SHARE:
            return []
        if draw < _NO_ADDRESS_SHARE + _SEPARATE_SHIPPING_SHARE:
            return [self._address(contact, ["BILLING"]), self._address(self.fake.name(), ["SHIPPING"])]
        return [self._address(contact, ["SHIPPING", "BILLING"])]

    def _address(self, contact: str, tags: list[str]) -> dict[str, Any]:
        return {
            "contactName": contact,
            "street": self.fake.street_name(),
            "streetNumber": self.fake.building_number(),
            "zipCode": self.fake.postcode(),
            "city": self.fake.city(),
            "country": self.country,
            "tags": tags,
        }
