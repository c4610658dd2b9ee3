"""The compiled fast path judges every body exactly as the Python validators do."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from jsonschema import Draft4Validator

from mock_server.app import CONTROLS_SPEC
from mock_server.validation import _judges, _passes_fast
from storefront_kit import registry
from storefront_kit.contract import HTTP_METHODS, load_contract

# Values chosen where jsonschema-rs and Python's `re`, type and format checks could part ways.
ODD_STRINGS = [
    "",
    " ",
    "a",
    "A1",
    "abc1",
    "Kim",
    "DE",
    "EUR",
    "de",
    "x" * 256,
    "a\x1cb",
    "a\x85b",
    "a\ufeffb",
    "a\u00a0b",
    "abcd\n",
    "Ab1\n",
    "\u0663\u0663",
    "ÄÖÜ",
    "e\u0301",
    "\U0001f600",
    "demo@example.com",
    "demo@example.com\n",
    "a\x1cb@example.com",
    "a b@example.com",
    "@example.com",
    "demo@localhost",
    "Demo-Password-1",
    "short1",
    "2026-11-22",
    "2026-02-30",
    "2026-11-22T08:00:00Z",
    "2026-11-22T08:00:00",
    "https://shop.example/x",
    "not a uri",
    "/relative",
    "0" * 64,
    "f" * 64,
    "F" * 64,
    "0" * 63,
    "checkout.htm",
    "a/b",
    "a b",
]
ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.0, 1.5, 2**31, 2**70, [], [1], {}, {"x": 1}]


def _schemas() -> Iterator[Any]:
    for contract in [*map(registry.contract, registry.contract_names()), load_contract(CONTROLS_SPEC)]:
        for path, item in contract.resolved["paths"].items():
            for method in HTTP_METHODS:
                spec = item.get(method)
                if spec is None:
                    continue
                body = spec.get("requestBody", {}).get("content", {}).get("application/json")
                if body and "schema" in body:
                    yield pytest.param(
                        body["schema"], Draft4RequestValidator, _examples(body), id=f"{method} {path} request"
                    )
                for status, response in spec["responses"].items():
                    content = response.get("content", {}).get("application/json")
                    if content and "schema" in content:
                        yield pytest.param(
                            content["schema"],
                            Draft4ResponseValidator,
                            _examples(content),
                            id=f"{method} {path} {status}",
                        )


def _examples(media: dict[str, Any]) -> list[Any]:
    found = [media["example"]] if "example" in media else []
    found += [entry["value"] for entry in media.get("examples", {}).values() if "value" in entry]
    if "example" in media.get("schema", {}):
        found.append(media["schema"]["example"])
    return found


def _variants(value: Any) -> Iterator[Any]:
    """`value`, and every value with one member replaced, removed or added."""
    yield value
    if isinstance(value, dict):
        for key in list(value):
            without = {k: v for k, v in value.items() if k != key}
            yield without
            for replacement in [*ODD_STRINGS, *ODD_VALUES]:
                yield {**value, key: replacement}
            for inner in _variants(value[key]):
                yield {**value, key: inner}
        yield {**value, "unknownField": "x"}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for inner in _variants(item):
                yield [*value[:index], inner, *value[index + 1 :]]
        yield []
        yield [*value, *value]


@pytest.mark.parametrize(("schema", "python_cls", "examples"), list(_schemas()))
def test_compiled_validator_agrees_with_python(schema: Any, python_cls: Any, examples: list[Any]) -> None:
    judges = _judges({}, schema, python_cls)
    assert judges.compiled is not None, "the contract uses no keyword that forces the Python-only path"
    bodies = [*examples, *ODD_STRINGS, *ODD_VALUES]
    for example in examples:
        bodies += list(_variants(copy.deepcopy(example)))
    for body in bodies:
        assert _passes_fast(judges, body) == judges.python.is_valid(body), body


def test_patterns_are_judged_as_python_judges_them() -> None:
    # ECMA's \s leaves out U+001C, Python's does not; `$` also matches before a final newline.
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": r"^[^@\s]+$"}}}
    judges = _judges({}, schema, Draft4RequestValidator)
    assert not _passes_fast(judges, {"a": "x\x1cy"})
    assert not judges.python.is_valid({"a": "x\x1cy"})
    assert _passes_fast(judges, {"a": "xy\n"}) and judges.python.is_valid({"a": "xy\n"})


@pytest.mark.parametrize("keyword", ["writeOnly", "x-writeOnly"])
def test_schemas_connexion_reads_differently_take_the_python_path(keyword: str) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", keyword: True}}}
    assert _judges({}, schema, Draft4ResponseValidator).compiled is None


@pytest.mark.parametrize("keyword", ["nullable", "x-nullable"])
@pytest.mark.parametrize("python_cls", [Draft4RequestValidator, Draft4ResponseValidator, Draft4Validator])
def test_nullable_is_judged_as_connexion_judges_it(keyword: str, python_cls: Any) -> None:
    # Connexion lets null past `type` and `enum` of a nullable node, and past nothing else (an
    # `allOf` still applies); its parameter validator (plain Draft 4) does not read the keyword.
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "maxLength": 3, keyword: True},
            "b": {"type": "string", "enum": ["x", "y"], keyword: True},
            "c": {"allOf": [{"type": "object"}], keyword: True},
            "d": {"type": ["integer", "string"], keyword: True},
        },
    }
    judges = _judges({}, schema, python_cls)
    assert judges.compiled is not None
    bodies = [
        {"a": None},
        {"a": "abcd"},
        {"a": "ab"},
        {"b": None},
        {"b": "z"},
        {"b": "x"},
        {"c": None},
        {"c": {}},
        {"d": None},
        {"d": 1},
        {"d": 1.5},
    ]
    for body in bodies:
        assert _passes_fast(judges, body) == judges.python.is_valid(body), (body, python_cls)
    assert judges.python.is_valid({"a": None}) == (python_cls is not Draft4Validator)


@pytest.mark.parametrize("value", ["not a uri", "/relative", "https://shop example"])
def test_a_bad_uri_is_refused_alike_in_bodies_parameters_settings_and_fixtures(value: str, tmp_path: Path) -> None:
    from mock_server.common.fixtures import FixtureError, validate_fixture
    from mock_server.common.settings import validate_settings
    from mock_server.errors import ApiError
    from mock_server.validation import CachedParameterValidator, SchemaJudges

    schema = {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}
    judges = SchemaJudges()
    assert not judges.request(schema).python.is_valid({"url": value})
    assert not judges.request_body_passes(schema, {"url": value})
    parameter = {"name": "url", "in": "query", "schema": schema["properties"]["url"]}
    validator = type("Bound", (CachedParameterValidator,), {"judges": judges})
    assert validator.validate_parameter("query", value, parameter) is not None
    assert validator.validate_parameter("query", "https://shop.example/x", parameter) is None
    with pytest.raises(ApiError):
        validate_settings(schema, {"url": value})
    assert validate_settings(schema, {"url": "https://shop.example"}) == {"url": "https://shop.example"}
    with pytest.raises(FixtureError):
        validate_fixture({"url": value}, schema, tmp_path / "fixtures.yaml")


@pytest.mark.parametrize("value", ["not a uri", "/relative", "https://shop example"])
def test_the_kit_refuses_an_answer_with_a_bad_uri_whatever_optional_packages_are_installed(value: str) -> None:
    from openapi_schema_validator import OAS30Validator

    from conformance.checks import _errors
    from storefront_kit.formats import OPENAPI_FORMAT_CHECKER

    schema = {
        "type": "object",
        "properties": {"url": {"type": "string", "format": "uri"}, "count": {"type": "integer", "format": "int32"}},
    }
    validator = OAS30Validator(schema, format_checker=OPENAPI_FORMAT_CHECKER)
    assert _errors(validator, {"url": value})
    assert not _errors(validator, {"url": "https://shop.example/a", "count": 3})
    assert _errors(validator, {"count": 2**40}), "OpenAPI's own formats (int32) are still judged"
