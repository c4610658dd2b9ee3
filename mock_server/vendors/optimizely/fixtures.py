"""Optimizely's seed data: a fixture file's settings, clients, catalog and users, expanded by Faker.

The same file, seed and locale give byte-identical data: every made-up value comes from one seeded
Faker instance. Every id is a UUID derived from a stable name (`user:demo`) alone, so a target file
naming the demo user's customers, languages and currencies holds whatever the seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faker import Faker

from mock_server.common.fixtures import (
    ExpandableFixtures,
    FixtureError,
    read_expandable_fixtures,
    seeded_faker,
    slug,
    unique,
)
from mock_server.vendors.optimizely.domain.users import FAR_FUTURE
from storefront_kit import registry
from storefront_kit.contract import Contract
from storefront_kit.data import fixture_file

__all__ = ["DEFAULT_FIXTURES", "FixtureError", "OptimizelyFixtureData", "file_schema", "load_fixtures"]

DEFAULT_FIXTURES = fixture_file("optimizely")

_ID = {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}
_TEXT = {"type": "string", "maxLength": 200}
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_FLAG = {"type": "boolean", "default": False}
_LANGUAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["languageCode", "cultureCode", "description"],
    "properties": {
        "id": _ID,
        "languageCode": {"type": "string", "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "maxLength": 35},
        "cultureCode": {"type": "string", "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "maxLength": 35},
        "description": _NAME,
        "isDefault": _FLAG,
        "isLive": {"type": "boolean", "default": True},
        "imageFilePath": {**_TEXT, "default": ""},
    },
}
_CURRENCY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["currencyCode", "currencySymbol", "description"],
    "properties": {
        "id": _ID,
        "currencyCode": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "currencySymbol": {"type": "string", "minLength": 1, "maxLength": 8},
        "description": _NAME,
        "isDefault": _FLAG,
    },
}
_PERSONA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"id": _ID, "name": _NAME, "description": {**_TEXT, "default": ""}, "isDefault": _FLAG},
}
_SHIP_TO = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"id": _ID, "companyName": _NAME, "isDefault": _FLAG},
}
_BILL_TO = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "companyName": _NAME,
        "isDefault": _FLAG,
        "shipTos": {"type": "array", "items": _SHIP_TO, "default": []},
    },
}
_PASSWORD = {"type": "string", "minLength": 1, "maxLength": 128}
_USER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["userName", "password"],
    "properties": {
        "id": _ID,
        "userName": {"type": "string", "pattern": "^[^\\s]{1,100}$"},
        "password": _PASSWORD,
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "firstName": _NAME,
        "lastName": _NAME,
        "roles": {"type": "array", "items": {"type": "string", "pattern": "^[^,]{1,100}$"}, "default": ["Buyer1"]},
        "websites": {"type": "array", "minItems": 1, "items": _NAME},
        "personas": {"type": "array", "items": _NAME},
        "deactivated": _FLAG,
        "mustChangePassword": _FLAG,
        "lockedOut": _FLAG,
        "punchout": _FLAG,
        "dashboardIsHomepage": _FLAG,
        "billTos": {"type": "array", "items": _BILL_TO},
    },
}


def file_schema(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The fixture file's schema: the contract's `WebsiteSettings`, clients, catalog and users."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["settings", "languages", "currencies", "personas"],
        "properties": {
            "seed": {"type": "integer", "default": 1},
            "locale": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$", "default": "en_US"},
            "settings": settings,
            "clients": {
                "type": "array",
                "default": [],
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
                        "secret": {"type": ["string", "null"], "minLength": 1, "maxLength": 200, "default": None},
                    },
                },
            },
            "languages": {"type": "array", "minItems": 1, "items": _LANGUAGE},
            "currencies": {"type": "array", "minItems": 1, "items": _CURRENCY},
            "personas": {"type": "array", "minItems": 1, "items": _PERSONA},
            "users": {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {
                    "fixed": {"type": "array", "items": _USER, "default": []},
                    "generated": {
                        "type": "object",
                        "additionalProperties": False,
                        "default": {},
                        "properties": {
                            "count": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0},
                            "password": {**_PASSWORD, "default": "Customer-Password-1"},
                        },
                    },
                },
            },
        },
    }


@dataclass(frozen=True, slots=True)
class OptimizelyFixtureData:
    """The website's initial state; languages, currencies, personas are the contract's wire objects,
    users the records `Website.seed` stores (with the plain `password` it hashes)."""

    settings: dict[str, Any]
    clients: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    currencies: list[dict[str, Any]]
    personas: list[dict[str, Any]]
    users: list[dict[str, Any]]
    seed: int


def load_fixtures(
    path: str | Path | None = None,
    *,
    seed: int | None = None,
    locale: str | None = None,
    contract: Contract | None = None,
) -> OptimizelyFixtureData:
    """Read and expand a fixture file (the bundled one without `path`); `seed`/`locale` override it."""
    settings = (contract or registry.contract("optimizely")).settings_schema()
    assert settings is not None
    fixtures = read_expandable_fixtures(path, DEFAULT_FIXTURES, file_schema(settings), seed=seed, locale=locale)
    _check_consistency(fixtures)
    return _Generator(fixtures).run()


def _check_consistency(fixtures: ExpandableFixtures) -> None:
    """The rules a schema cannot say: one default of each, unique names, references between sections."""
    document, fail = fixtures.document, fixtures.fail
    for section, name in (("languages", "languageCode"), ("currencies", "currencyCode"), ("personas", "name")):
        entries = document[section]
        defaults = [str(entry[name]) for entry in entries if entry["isDefault"]]
        if len(defaults) != 1:
            named = f" ({', '.join(defaults)})" if defaults else ""
            fail(section, f"{len(defaults)} entries have isDefault: true{named}; mark exactly one with isDefault: true")
        unique(fail, section, name, [str(entry[name]).casefold() for entry in entries])
        unique(fail, section, "id", [entry["id"].casefold() for entry in entries if "id" in entry])
    for index, language in enumerate(document["languages"]):
        if language["isDefault"] and not language["isLive"]:
            fail(
                f"languages[{index}].isLive",
                "the default language must be live; set isLive: true or mark another default",
            )
    unique(fail, "clients", "id", [client["id"] for client in document["clients"]])
    fixed = document["users"]["fixed"]
    unique(fail, "users.fixed", "userName", [user["userName"].casefold() for user in fixed])
    unique(fail, "users.fixed", "email", [user["email"].casefold() for user in fixed if "email" in user])
    persona_names = [persona["name"] for persona in document["personas"]]
    known = {name.casefold() for name in persona_names}
    customer_ids: list[str] = []
    for index, user in enumerate(fixed):
        for persona in user.get("personas", []):
            if persona.casefold() not in known:
                fail(f"users.fixed[{index}].personas", f"{persona!r} is not a persona; use one of {persona_names}")
        bill_tos = user.get("billTos", [])
        if sum(bill_to["isDefault"] for bill_to in bill_tos) > 1:
            fail(f"users.fixed[{index}].billTos", "more than one bill-to has isDefault: true; mark at most one")
        for number, bill_to in enumerate(bill_tos):
            if sum(ship_to["isDefault"] for ship_to in bill_to["shipTos"]) > 1:
                fail(
                    f"users.fixed[{index}].billTos[{number}].shipTos",
                    "more than one ship-to has isDefault: true; mark at most one",
                )
            customer_ids += [c["id"].casefold() for c in (bill_to, *bill_to["shipTos"]) if "id" in c]
    unique(fail, "users.fixed", "customer id", customer_ids)
    unique(fail, "users.fixed", "id", [user["id"].casefold() for user in fixed if "id" in user])


# Of the generated users: who has a second bill-to; how many ship-tos a bill-to has (0 to 3).
_SECOND_BILL_TO_SHARE = 0.3
_MAX_SHIP_TOS = 3


class _Generator:
    """Expands the checked file; one seeded Faker instance makes every made-up value."""

    def __init__(self, fixtures: ExpandableFixtures) -> None:
        self.document = document = fixtures.document
        self.fake = seeded_faker(fixtures, "en_US or de_DE")
        self.random = self.fake.random
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:storefront-kit:optimizely")
        try:
            code, name = self.fake.current_country_code(), self.fake.current_country()
        except (AttributeError, IndexError, ValueError):
            fixtures.fail(fixtures.locale_key, f"{document['locale']!r} names no country; use one like en_US")
        self.country = {"id": self._id(f"country:{code}"), "name": name, "abbreviation": code}
        self.states = _state_pairs(self.fake)
        self.user_names = {user["userName"].casefold() for user in document["users"]["fixed"]}
        self.emails = {user["email"].casefold() for user in document["users"]["fixed"] if "email" in user}
        self.customer_numbers = 0
        personas = document["personas"]
        self.persona_ids = {
            persona["name"].casefold(): persona.get("id") or self._id(f"persona:{persona['name'].casefold()}")
            for persona in personas
        }
        self.default_persona = next(persona["name"] for persona in personas if persona["isDefault"])

    def _id(self, name: str) -> str:
        """A UUID derived from a name that stays the same when the seed or other entries change."""
        return str(uuid.uuid5(self.namespace, name))

    def run(self) -> OptimizelyFixtureData:
        document = self.document
        users = [self._fixed(spec) for spec in document["users"]["fixed"]]
        generated = document["users"]["generated"]
        users += [self._generated(generated["password"]) for _ in range(generated["count"])]
        return OptimizelyFixtureData(
            settings=document["settings"],
            clients=[{"id": client["id"], "secret": client["secret"]} for client in document["clients"]],
            languages=[self._language(entry) for entry in document["languages"]],
            currencies=[self._currency(entry) for entry in document["currencies"]],
            personas=[self._persona(entry) for entry in document["personas"]],
            users=users,
            seed=document["seed"],
        )

    def _language(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        code = entry["languageCode"]
        return {
            "id": entry.get("id") or self._id(f"language:{code.casefold()}"),
            "cultureCode": entry["cultureCode"],
            "description": entry["description"],
            "languageCode": code,
            "isDefault": entry["isDefault"],
            "isLive": entry["isLive"],
            "imageFilePath": entry["imageFilePath"],
        }

    def _currency(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        code = entry["currencyCode"]
        return {
            "id": entry.get("id") or self._id(f"currency:{code}"),
            "currencyCode": code,
            "currencySymbol": entry["currencySymbol"],
            "description": entry["description"],
            "isDefault": entry["isDefault"],
        }

    def _persona(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": self.persona_ids[entry["name"].casefold()],
            "name": entry["name"],
            "description": entry["description"],
            "isDefault": entry["isDefault"],
        }

    def _fixed(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        first = spec.get("firstName") or self.fake.first_name()
        last = spec.get("lastName") or self.fake.last_name()
        name = spec["userName"]
        # Without billTos a user gets one bill-to with one ship-to; `billTos: []` means no customer.
        bill_tos = spec.get("billTos", [{"isDefault": True, "shipTos": [{"isDefault": True}]}])
        return self._user(
            user_id=spec.get("id") or self._id(f"user:{name.casefold()}"),
            user_name=name,
            password=spec["password"],
            email=spec.get("email") or self._email(first, last),
            first=first,
            last=last,
            roles=spec["roles"],
            websites=spec.get("websites") or [self.document["settings"]["website"]],
            personas=spec.get("personas") or [self.default_persona],
            bill_tos=[self._bill_to(b, first, last) for b in bill_tos],
            flags={
                flag: spec[flag] for flag in ("deactivated", "mustChangePassword", "punchout", "dashboardIsHomepage")
            },
            locked_out=spec["lockedOut"],
        )

    def _generated(self, password: str) -> dict[str, Any]:
        first, last = self.fake.first_name(), self.fake.last_name()
        name = self._user_name(first, last)
        count = 2 if self.random.random() < _SECOND_BILL_TO_SHARE else 1
        bill_tos = [
            {
                "isDefault": number == 0,
                "shipTos": [{"isDefault": i == 0} for i in range(self.random.randint(0, _MAX_SHIP_TOS))],
            }
            for number in range(count)
        ]
        return self._user(
            user_id=self._id(f"user:{name}"),
            user_name=name,
            password=password,
            email=self._email(first, last),
            first=first,
            last=last,
            roles=["Buyer1"],
            websites=[self.document["settings"]["website"]],
            personas=[self.default_persona],
            bill_tos=[self._bill_to(b, first, last) for b in bill_tos],
            flags={"deactivated": False, "mustChangePassword": False, "punchout": False, "dashboardIsHomepage": False},
            locked_out=False,
        )

    def _user(
        self,
        *,
        user_id: str,
        user_name: str,
        password: str,
        email: str,
        first: str,
        last: str,
        roles: list[str],
        websites: list[str],
        personas: list[str],
        bill_tos: list[dict[str, Any]],
        flags: Mapping[str, bool],
        locked_out: bool,
    ) -> dict[str, Any]:
        return {
            "id": user_id,
            "userName": user_name,
            "password": password,
            "email": email,
            "firstName": first,
            "lastName": last,
            "roles": list(roles),
            "websites": list(websites),
            "personas": [self.persona_ids[persona.casefold()] for persona in personas],
            "billTos": bill_tos,
            **flags,
            "lockedUntil": FAR_FUTURE if locked_out else None,
            "failedAttempts": 0,
            "lastLoginAt": None,
        }

    def _bill_to(self, spec: Mapping[str, Any], first: str, last: str) -> dict[str, Any]:
        self.customer_numbers += 1
        number = f"C{10000 + self.customer_numbers}"
        bill_to = self._customer(spec, number, "", first, last, parent=None)
        ship_tos = [
            self._customer(
                ship_to, number, f"{index:03d}", self.fake.first_name(), self.fake.last_name(), parent=bill_to["id"]
            )
            for index, ship_to in enumerate(spec["shipTos"], start=1)
        ]
        return {"customer": bill_to, "shipTos": ship_tos}

    def _customer(
        self, spec: Mapping[str, Any], number: str, sequence: str, first: str, last: str, parent: str | None
    ) -> dict[str, Any]:
        customer_id = spec.get("id") or self._id(f"customer:{number}:{sequence}")
        state = None
        if self.states:
            state_name, abbreviation = self.random.choice(self.states)
            state = {
                "id": self._id(f"state:{self.country['abbreviation']}:{abbreviation}"),
                "name": state_name,
                "abbreviation": abbreviation,
            }
        uri = f"/api/v1/billtos/{customer_id}" if parent is None else f"/api/v1/billtos/{parent}/shiptos/{customer_id}"
        return {
            "id": customer_id,
            "customerNumber": number,
            "customerSequence": sequence,
            "companyName": spec.get("companyName") or self.fake.company(),
            "firstName": first,
            "lastName": last,
            "address1": self.fake.street_address(),
            "address2": "",
            "city": self.fake.city(),
            "postalCode": self.fake.postcode(),
            "state": state,
            "country": dict(self.country),
            "phone": self.fake.phone_number(),
            "email": self._email(first, last, register=False),
            "isDefault": spec["isDefault"],
            "uri": uri,
        }

    def _user_name(self, first: str, last: str) -> str:
        base = ".".join(part for part in (slug(first), slug(last)) if part) or "user"
        name, counter = base, 1
        while name in self.user_names:
            counter += 1
            name = f"{base}{counter}"
        self.user_names.add(name)
        return name

    def _email(self, first: str, last: str, *, register: bool = True) -> str:
        """An address made of the names; users' addresses are unique (customers' need not be)."""
        local = ".".join(part for part in (slug(first), slug(last)) if part) or "user"
        domain = self.fake.safe_domain_name()
        email, counter = f"{local}@{domain}", 1
        while register and email in self.emails:
            counter += 1
            email = f"{local}{counter}@{domain}"
        if register:
            self.emails.add(email)
        return email


def _state_pairs(fake: Faker) -> list[tuple[str, str]]:
    """The locale's states (or provinces) with their abbreviations; empty where Faker has no pairs."""
    for provider in fake.providers:
        for names_attribute, abbreviations_attribute in (("states", "states_abbr"), ("provinces", "provinces_abbr")):
            names = list(getattr(provider, names_attribute, None) or ())
            abbreviations = list(getattr(provider, abbreviations_attribute, None) or ())
            if len(abbreviations) == len(names) + 1 and "DC" in abbreviations:
                abbreviations.remove("DC")  # en_US lists the District of Columbia among the abbreviations only
            if names and len(names) == len(abbreviations):
                return sorted(zip(names, abbreviations, strict=True))
    return []
