"""The Optimizely seed data: deterministic per seed, complete, and refused with a useful message when wrong."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from optimizely_steps import CONTRACT, WEBSITE_SETTINGS

from mock_server.common.fixtures import FixtureError
from mock_server.vendors.optimizely.domain.users import FAR_FUTURE
from mock_server.vendors.optimizely.fixtures import (
    DEFAULT_FIXTURES,
    OptimizelyFixtureData,
    load_fixtures,
)
from storefront_kit.data import fixture_file as bundled_fixture_file

FileWriter = Callable[..., Path]

FIXED = 8  # users written out in the bundled file


def serialize(data: OptimizelyFixtureData) -> str:
    return json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False)


def load(path: Path | None = None, **options: Any) -> OptimizelyFixtureData:
    return load_fixtures(path, contract=CONTRACT, **options)


def user(data: OptimizelyFixtureData, name: str) -> dict[str, Any]:
    return next(entry for entry in data.users if entry["userName"] == name)


@pytest.fixture(scope="module")
def data() -> OptimizelyFixtureData:
    return load()


@pytest.fixture
def fixture_file(tmp_path: Path) -> FileWriter:
    """Writes a copy of the bundled file, changed by a function (or the given text), and returns its path."""

    def write(change: Callable[[dict[str, Any]], None] | None = None, text: str | None = None) -> Path:
        path = tmp_path / "optimizely.yaml"
        if text is None:
            document = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
            if change is not None:
                change(document)
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_bundled_file_is_package_data() -> None:
    assert bundled_fixture_file("optimizely") == DEFAULT_FIXTURES
    assert DEFAULT_FIXTURES.is_file()


def test_the_same_file_seed_and_locale_give_byte_identical_data(data: OptimizelyFixtureData) -> None:
    assert serialize(load(DEFAULT_FIXTURES, seed=20261129, locale="en_US")) == serialize(data)


def test_another_seed_gives_other_names_but_keeps_ids_and_what_is_written(data: OptimizelyFixtureData) -> None:
    other = load(seed=7)

    assert other.seed == 7
    assert user(other, "demo")["id"] == user(data, "demo")["id"]
    assert user(other, "demo")["billTos"][0]["customer"]["id"] == user(data, "demo")["billTos"][0]["customer"]["id"]
    assert other.languages[0]["id"] == data.languages[0]["id"]
    assert user(other, "demo")["firstName"] != user(data, "demo")["firstName"]
    assert [u["userName"] for u in other.users[FIXED:]] != [u["userName"] for u in data.users[FIXED:]]
    for name in ("demo", "punchout", "nobillto"):
        kept = ("userName", "password", "roles", "websites", "punchout", "deactivated")
        assert {k: user(other, name)[k] for k in kept} == {k: user(data, name)[k] for k in kept}
    assert user(other, "demo")["email"] == "demo@example.com"


def test_ids_are_uuids_that_other_entries_do_not_move(data: OptimizelyFixtureData, fixture_file: FileWriter) -> None:
    more = load(
        fixture_file(
            lambda d: d["languages"].insert(
                0, {"languageCode": "nl-nl", "cultureCode": "nl-NL", "description": "Nederlands"}
            )
        )
    )

    every_id = [
        entry["id"] for section in (data.languages, data.currencies, data.personas, data.users) for entry in section
    ]
    every_id += [c["id"] for u in data.users for b in u["billTos"] for c in (b["customer"], *b["shipTos"])]
    assert all(uuid.UUID(value) for value in every_id)
    assert len(set(every_id)) == len(every_id)
    assert more.languages[1]["id"] == data.languages[0]["id"]
    assert user(more, "demo")["id"] == user(data, "demo")["id"]


def test_the_bundled_file_holds_the_demo_website(data: OptimizelyFixtureData) -> None:
    assert data.settings["website"] == "Storefront"
    assert data.clients == [{"id": "isc", "secret": None}, {"id": "mobile", "secret": "mobile-secret"}]
    assert [(language["languageCode"], language["isDefault"], language["isLive"]) for language in data.languages] == [
        ("en-us", True, True),
        ("de-de", False, True),
        ("fr-fr", False, True),
        ("es-mx", False, False),
    ]
    assert [(c["currencyCode"], c["isDefault"]) for c in data.currencies] == [
        ("USD", True),
        ("CAD", False),
        ("EUR", False),
        ("GBP", False),
    ]
    assert [(p["name"], p["isDefault"]) for p in data.personas] == [
        ("Default", True),
        ("Buyer", False),
        ("Punchout", False),
    ]
    fixed = data.users[:FIXED]
    assert [u["userName"] for u in fixed] == [
        "demo",
        "mustchange",
        "lockedout",
        "deactivated",
        "otherwebsite",
        "punchout",
        "nobillto",
        "resettable",
    ]
    assert {u["password"] for u in fixed} == {"Demo-Password-1"}
    assert user(data, "demo")["email"] == "demo@example.com"
    assert user(data, "mustchange")["mustChangePassword"] is True
    assert user(data, "lockedout")["lockedUntil"] == FAR_FUTURE
    assert user(data, "deactivated")["deactivated"] is True
    assert user(data, "otherwebsite")["websites"] == ["Outlet"]
    assert user(data, "punchout")["punchout"] is True
    assert user(data, "nobillto")["billTos"] == []
    personas = {p["id"]: p["name"] for p in data.personas}
    assert [personas[p] for p in user(data, "punchout")["personas"]] == ["Punchout"]
    assert [personas[p] for p in user(data, "mustchange")["personas"]] == ["Default"]


def test_demo_has_two_bill_tos_the_default_one_with_three_ship_tos(data: OptimizelyFixtureData) -> None:
    first, second = user(data, "demo")["billTos"]

    assert (
        first["customer"]["isDefault"],
        len(first["shipTos"]),
        second["customer"]["isDefault"],
        len(second["shipTos"]),
    ) == (True, 3, False, 1)
    assert [s["isDefault"] for s in first["shipTos"]] == [True, False, False]
    assert [s["customerSequence"] for s in first["shipTos"]] == ["001", "002", "003"]
    assert first["customer"]["customerSequence"] == ""
    assert {s["customerNumber"] for s in first["shipTos"]} == {first["customer"]["customerNumber"]}
    assert (
        first["shipTos"][0]["uri"] == f"/api/v1/billtos/{first['customer']['id']}/shiptos/{first['shipTos'][0]['id']}"
    )
    customer = first["customer"]
    assert customer["country"]["abbreviation"] == "US"
    assert customer["state"]["abbreviation"] and customer["state"]["name"]
    assert all(
        customer[field]
        for field in ("companyName", "firstName", "lastName", "address1", "city", "postalCode", "phone", "email")
    )


def test_generated_users_have_unique_names_and_e_mails_the_shared_password_and_customers(
    data: OptimizelyFixtureData,
) -> None:
    generated = data.users[FIXED:]

    assert len(generated) == 10
    assert len({u["userName"] for u in data.users}) == len({u["email"].lower() for u in data.users}) == FIXED + 10
    assert {u["password"] for u in generated} == {"Customer-Password-1"}
    assert all(u["billTos"] and u["billTos"][0]["customer"]["isDefault"] for u in generated)
    assert all(re.fullmatch(r"[a-z0-9.-]+", u["userName"]) for u in generated)


def test_the_locale_decides_the_country_and_where_faker_has_no_states_there_is_none() -> None:
    german = load(locale="de_DE")

    customers = [b["customer"] for u in german.users for b in u["billTos"]]
    assert {c["country"]["abbreviation"] for c in customers} == {"DE"}
    assert {c["state"] is None for c in customers} == {True}


def test_omitted_settings_take_the_schema_defaults(fixture_file: FileWriter) -> None:
    def minimal(document: dict[str, Any]) -> None:
        document["settings"] = {}
        del document["users"]
        del document["clients"]

    data = load(fixture_file(minimal))

    defaults = {name: rule["default"] for name, rule in WEBSITE_SETTINGS["properties"].items() if "default" in rule}
    assert {name: data.settings[name] for name in defaults} == defaults
    assert data.settings["passwordRules"]["minLength"] == 8
    assert (data.users, data.clients) == ([], [])


def _users(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda document: change(document["users"]["fixed"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["languages"][1].update(isDefault=True),
            "languages: 2 entries have isDefault: true (en-us, de-de); mark exactly one",
        ),
        (lambda d: d["currencies"][0].pop("isDefault"), "currencies: 0 entries have isDefault: true; mark exactly one"),
        (lambda d: d["personas"][2].update(name="buyer"), "personas: the name 'buyer' appears twice"),
        (lambda d: d["languages"][0].update(isLive=False), "languages[0].isLive: the default language must be live"),
        (lambda d: d["currencies"][1].update(currencyCode="cad"), "currencies[1].currencyCode: 'cad' does not match"),
        (lambda d: d["clients"][1].update(id="isc"), "clients: the id 'isc' appears twice"),
        (
            lambda d: d["clients"][0].update(scopes=["iscapi"]),
            "clients[0]: Additional properties are not allowed ('scopes' was unexpected); allowed keys: id, secret",
        ),
        (
            lambda d: d["settings"].update(sessionIdleSeconds=0),
            "settings.sessionIdleSeconds: 0 is less than the minimum of 1",
        ),
        (_users(lambda users: users[1].update(userName="DEMO")), "users.fixed: the userName 'demo' appears twice"),
        (
            _users(lambda users: users[1].update(email="Demo@Example.com")),
            "users.fixed: the email 'demo@example.com' appears twice",
        ),
        (
            _users(lambda users: users[0].update(personas=["Shopper"])),
            "users.fixed[0].personas: 'Shopper' is not a persona; use one of ['Default', 'Buyer', 'Punchout']",
        ),
        (
            _users(lambda users: users[0]["billTos"][1].update(isDefault=True)),
            "users.fixed[0].billTos: more than one bill-to has isDefault: true",
        ),
        (
            _users(lambda users: users[0]["billTos"][0]["shipTos"][1].update(isDefault=True)),
            "users.fixed[0].billTos[0].shipTos: more than one ship-to has isDefault: true",
        ),
        (
            _users(lambda users: users[0].update(email="not-an-address")),
            "users.fixed[0].email: 'not-an-address' is not a 'email'",
        ),
        (_users(lambda users: users[0].pop("password")), "users.fixed[0]: 'password' is a required property"),
        (
            _users(lambda users: users[2].update(locked=True)),
            "users.fixed[2]: Additional properties are not allowed ('locked' was unexpected)",
        ),
    ],
)
def test_a_wrong_file_is_refused_naming_the_file_the_key_and_the_fix(
    fixture_file: FileWriter, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = fixture_file(change)

    with pytest.raises(FixtureError) as caught:
        load(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_invalid_yaml_is_refused_with_its_line(fixture_file: FileWriter) -> None:
    path = fixture_file(text="settings:\n  website: Storefront\n  website: Outlet\n")

    with pytest.raises(FixtureError, match=re.escape(f"{path}:3:3: invalid YAML: duplicate key 'website'")):
        load(path)


def test_an_unknown_locale_is_refused_naming_the_option(fixture_file: FileWriter) -> None:
    with pytest.raises(FixtureError, match="locale \\(given instead of the file's\\): Faker has no locale 'xx_XX'"):
        load(fixture_file(), locale="xx_XX")
