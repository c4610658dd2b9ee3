"""The Emporix seed data: deterministic, complete, and refused with a useful message when wrong."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.common.fixtures import FixtureError
from mock_server.vendors.emporix.fixtures import (
    DEFAULT_FIXTURES,
    EmporixFixtureData,
    load_fixtures,
)
from storefront_kit import registry

TENANT_SETTINGS = registry.contract("emporix").settings_schema()

FileWriter = Callable[..., Path]


def serialize(data: EmporixFixtureData) -> str:
    return json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def data() -> EmporixFixtureData:
    return load_fixtures()


@pytest.fixture
def fixture_file(tmp_path: Path) -> FileWriter:
    """Writes a copy of the bundled file, changed by a function (or the given text), and returns its path."""

    def write(change: Callable[[dict[str, Any]], None] | None = None, text: str | None = None) -> Path:
        path = tmp_path / "emporix.yaml"
        if text is None:
            document = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
            document["referenceDate"] = str(document["referenceDate"])
            if change is not None:
                change(document)
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_same_file_seed_and_locale_give_byte_identical_data(data: EmporixFixtureData) -> None:
    assert serialize(load_fixtures(DEFAULT_FIXTURES, seed=20261129, locale="de_DE")) == serialize(data)


def test_another_seed_gives_other_customers_but_keeps_the_written_ones(data: EmporixFixtureData) -> None:
    other = load_fixtures(seed=7)

    assert other.seed == 7
    assert [c["email"] for c in other.customers[1:]] != [c["email"] for c in data.customers[1:]]
    assert {k: v for k, v in other.customers[0].items() if k != "createdAt"} == {
        k: v for k, v in data.customers[0].items() if k != "createdAt"
    }


def test_the_bundled_file_holds_the_demo_tenant(data: EmporixFixtureData) -> None:
    assert data.settings["tenant"] == "demoshop"
    assert [(s["code"], s["homeBaseCountry"], s["defaultCurrency"], s["default"]) for s in data.settings["sites"]] == [
        ("main", "DE", "EUR", True),
        ("ch", "CH", "CHF", False),
        ("us", "US", "USD", False),
    ]
    assert {c["id"]: "sessioncontext.context_manage" in c["scopes"] for c in data.clients} == {
        "demo-client": True,
        "demo-limited": False,
    }
    assert data.storefront_clients == ["demo-storefront"]
    demo = data.customers[0]
    assert (demo["id"], demo["email"], demo["password"]) == ("C00000000001", "demo@example.com", "Demo-Password-1")
    assert {a["country"]: a["tags"] for a in demo["addresses"]} == {"AT": ["SHIPPING"], "DE": ["BILLING"]}


def test_generated_customers_have_unique_emporix_ids_and_addresses_and_the_shared_password(
    data: EmporixFixtureData,
) -> None:
    generated = data.customers[1:]

    assert len(generated) == 20
    assert all(re.fullmatch(r"C\d{11}", c["id"]) for c in generated)
    assert len({c["id"] for c in data.customers}) == len({c["email"].lower() for c in data.customers}) == 21
    assert {c["password"] for c in generated} == {"Customer-Password-1"}
    assert {a["country"] for c in generated for a in c["addresses"]} == {"DE"}
    assert all(c["createdAt"] < "2026-11-29" for c in data.customers)


def test_the_locale_decides_the_country_and_the_preferred_site() -> None:
    american = load_fixtures(locale="en_US")

    assert {a["country"] for c in american.customers[1:] for a in c["addresses"]} == {"US"}
    assert {c.get("preferredSite") for c in american.customers[1:]} <= {"us", None}


def test_omitted_settings_take_the_schema_defaults(fixture_file: FileWriter) -> None:
    def minimal(document: dict[str, Any]) -> None:
        document["settings"] = {
            "tenant": "shop",
            "sites": [
                {
                    "code": "x",
                    "default": True,
                    "defaultCurrency": "EUR",
                    "defaultLanguage": "de",
                    "homeBaseCountry": "DE",
                },
                {"code": "y", "defaultCurrency": "EUR", "defaultLanguage": "de", "homeBaseCountry": "AT"},
            ],
        }
        del document["customers"]

    data = load_fixtures(fixture_file(minimal))

    defaults = {name: rule["default"] for name, rule in TENANT_SETTINGS["properties"].items() if "default" in rule}
    assert (
        {name: data.settings[name] for name in defaults}
        == defaults
        == {
            "anonymousSessionSeconds": 3600,
            "serviceTokenSeconds": 14399,
            "anonymousTokenSeconds": 3599,
            "customerTokenSeconds": 14399,
            "refreshTokenSeconds": 86399,
        }
    )
    assert data.settings["sites"][1]["default"] is False
    assert len(data.customers) == 20


def _sites(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda document: change(document["settings"]["sites"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _sites(lambda sites: sites[1].update(default=True)),
            "settings.sites: 2 sites have default: true (main, ch); mark exactly one",
        ),
        (_sites(lambda sites: sites[0].pop("default")), "settings.sites: 0 sites have default: true; mark exactly one"),
        (_sites(lambda sites: sites[2].update(code="main")), "settings.sites: the code 'main' appears twice"),
        (
            _sites(lambda sites: sites[0].update(currencies=["CHF"])),
            "settings.sites[0].currencies: does not list the site's defaultCurrency 'EUR'",
        ),
        (lambda d: d["settings"].update(tenant="Demo Shop"), "settings.tenant: 'Demo Shop' does not match"),
        (
            lambda d: d["clients"][0].update(scope="x"),
            "clients[0]: Additional properties are not allowed ('scope' was unexpected); allowed keys: id, secret, scopes",
        ),
        (lambda d: d["clients"][1].update(id="demo-client"), "clients: the id 'demo-client' appears twice"),
        (
            lambda d: d["customers"]["fixed"][0].update(preferredSite="eu"),
            "customers.fixed[0].preferredSite: 'eu' is not a site code; use one of ['main', 'ch', 'us']",
        ),
        (
            lambda d: d["customers"]["fixed"].append({"email": "DEMO@example.com", "password": "Another-1"}),
            "customers.fixed: the email 'demo@example.com' appears twice",
        ),
        (
            lambda d: d["customers"]["fixed"][0]["addresses"][0].update(country="Austria"),
            "customers.fixed[0].addresses[0].country: 'Austria' does not match",
        ),
        (
            lambda d: d.update(referenceDate="29.11.2026"),
            "referenceDate: '29.11.2026' is not a 'date'; write it as YYYY-MM-DD",
        ),
    ],
)
def test_a_wrong_file_is_refused_naming_the_file_the_key_and_the_fix(
    fixture_file: FileWriter, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = fixture_file(change)

    with pytest.raises(FixtureError) as caught:
        load_fixtures(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_invalid_yaml_is_refused_with_its_line(fixture_file: FileWriter) -> None:
    path = fixture_file(text="settings:\n  tenant: demoshop\n  tenant: other\n")

    with pytest.raises(FixtureError, match=re.escape(f"{path}:3:3: invalid YAML: duplicate key 'tenant'")):
        load_fixtures(path)


def test_an_unknown_locale_is_refused_naming_the_option(fixture_file: FileWriter) -> None:
    with pytest.raises(FixtureError, match="locale \\(given instead of the file's\\): Faker has no locale 'xx_XX'"):
        load_fixtures(fixture_file(), locale="xx_XX")
