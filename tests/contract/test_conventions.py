"""Every contract keeps the conventions the mock and the kit read (`ARCHITECTURE.md`, "Contract conventions"),
and passes the checks openapi-spec-validator does not make."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from spec_tree import walk

from mock_server.app import CONTROLS_SPEC
from storefront_kit import registry
from storefront_kit.codecs import matches_template, render_template
from storefront_kit.contract import GENERIC_FAILURES, OPTIONAL_FAILURES, Contract, load_contract

FORMATS = OAS30Validator.FORMAT_CHECKER
CONTRACTS = [registry.contract(name) for name in registry.contract_names()]
ALL = [*CONTRACTS, load_contract(CONTROLS_SPEC, "controls")]


def _ids(contracts: list[Contract]) -> list[str]:
    return [contract.name for contract in contracts]


def pointer(raw: dict[str, Any], ref: str) -> Any:
    target: Any = raw
    for part in ref.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def check_instance(instance: Any, schema: dict[str, Any]) -> None:
    OAS30Validator(schema, format_checker=FORMATS).validate(instance)


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_contract_validates_with_openapi_spec_validator(contract: Contract) -> None:
    assert contract.path is not None
    spec, base_uri = read_from_filename(str(contract.path))
    validate(spec, base_uri=base_uri)
    assert contract.raw["openapi"] == "3.0.3"  # Connexion 3.3 refuses 3.1


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_every_ref_resolves_locally(contract: Contract) -> None:
    refs = [(path, node["$ref"]) for path, node in walk(contract.raw) if isinstance(node, dict) and "$ref" in node]
    assert refs
    for path, ref in refs:
        assert ref.startswith("#/"), f"{path}: only local references are used"
        pointer(contract.raw, ref)  # raises KeyError when dangling


def _examples() -> Iterator[Any]:
    for contract in ALL:
        for path, node in walk(contract.resolved["paths"]):
            if not isinstance(node, dict) or "schema" not in node:
                continue
            schema = node["schema"]
            if "example" in node:
                yield pytest.param(node["example"], schema, id=f"{contract.name}:" + "/".join(map(str, path)))
            for name, example in node.get("examples", {}).items():
                yield pytest.param(
                    example["value"], schema, id=f"{contract.name}:" + "/".join(map(str, path + (name,)))
                )
        for path, node in walk(contract.resolved.get("components", {}).get("schemas", {})):
            if isinstance(node, dict) and "example" in node and isinstance(node.get("type"), str):
                yield pytest.param(node["example"], node, id=f"{contract.name}:schemas/" + "/".join(map(str, path)))


@pytest.mark.parametrize(("example", "schema"), list(_examples()))
def test_every_example_validates_against_its_schema(example: Any, schema: dict[str, Any]) -> None:
    check_instance(example, schema)


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_every_required_name_is_a_declared_property(contract: Contract) -> None:
    for path, node in walk(contract.resolved):
        if isinstance(node, dict) and isinstance(node.get("required"), list) and "properties" in node:
            missing = set(node["required"]) - set(node["properties"])
            assert not missing, f"{'/'.join(map(str, path))}: required but not declared: {missing}"


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_every_security_requirement_names_a_defined_scheme(contract: Contract) -> None:
    schemes = set(contract.security_schemes())
    for operation in contract.operations.values():
        for requirement in operation.security:
            assert set(requirement) <= schemes, operation.operation_id


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_every_link_names_an_existing_operation_and_its_inputs(contract: Contract) -> None:
    credential_headers = {
        scheme["name"].lower() for scheme in contract.security_schemes().values() if scheme.get("in") == "header"
    }
    if any(scheme["type"] in ("http", "oauth2") for scheme in contract.security_schemes().values()):
        credential_headers.add("authorization")
    links = [(path, link) for path, link in walk(contract.resolved["paths"]) if len(path) >= 2 and path[-2] == "links"]
    assert links, "the stateful flows are linked"
    for path, link in links:
        target = contract.operations.get(link["operationId"])
        assert target is not None, f"{path}: unknown operationId {link['operationId']}"
        declared = {(p["in"], p["name"]) for p in contract.operation_spec(target.operation_id).get("parameters", ())}
        for name in link.get("parameters", {}):
            location, _, parameter = name.partition(".")
            if location == "header" and parameter.lower() in credential_headers:
                assert target.takes_credential, f"{path}: {parameter} goes to an operation that takes no credential"
                continue
            assert (location, parameter) in declared, f"{path}: {name} is not a parameter of {target.operation_id}"
        if "requestBody" in link:
            properties = contract.request_body_schema(target.operation_id)["properties"]
            assert set(link["requestBody"]) <= set(properties), f"{path}: body keys unknown to {target.operation_id}"


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_every_documented_code_is_catalogued_with_its_status(contract: Contract) -> None:
    for operation in contract.operations.values():
        assert operation.codes_by_status, f"{operation.operation_id} documents no error answer"
        for status, codes in operation.codes_by_status.items():
            assert codes, f"{operation.operation_id} {status}: no code"
            for code in codes:
                assert contract.catalog[code].status == status, f"{operation.operation_id}: {code} under {status}"
            response = contract.operation_spec(operation.operation_id)["responses"][str(status)]
            added = set(response.get("x-kit-codes", ()))
            assert added <= codes, f"{operation.operation_id} {status}: x-kit-codes not documented: {added - codes}"


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_the_catalog_names_a_code_for_every_generic_failure(contract: Contract) -> None:
    catalog = contract.catalog
    assert {entry.origin for entry in catalog.values()} <= {"vendor", "kit"}
    scoped = any(scheme["type"] == "oauth2" for scheme in contract.security_schemes().values())
    for failure in GENERIC_FAILURES:
        if failure == "forbidden" and not scoped:
            continue  # only OAuth scopes can be missing
        tagged = [code for code, entry in catalog.items() if failure in entry.generic]
        assert tagged, f"{contract.name}: no code answers the generic failure {failure}"
        if len(tagged) > 1:
            # Several codes (an OAuth token endpoint's and the API's): each operation documents one.
            for operation in contract.operations.values():
                documented = set(tagged) & operation.error_codes
                assert len(documented) <= 1, f"{operation.operation_id} documents {sorted(documented)} for {failure}"
    unknown = (
        {tag for entry in catalog.values() for tag in entry.generic} - set(GENERIC_FAILURES) - set(OPTIONAL_FAILURES)
    )
    assert not unknown, unknown


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_every_error_body_template_renders_the_documented_body(contract: Contract) -> None:
    form = contract.error_format
    generic = contract.schema(form.schema)
    values = {"message": "A message.", "field": "a.field", "sessionId": "s-1"}
    for code, entry in contract.catalog.items():
        body = render_template(entry.body or form.body, {**values, "code": code, "status": entry.status})
        assert matches_template(entry.body or form.body, body)
        documented = [
            response["content"][form.media_type]["schema"]
            for operation in contract.operations.values()
            if code in operation.codes_by_status.get(entry.status, ())
            for response in [contract.operation_spec(operation.operation_id)["responses"][str(entry.status)]]
        ]
        for schema in documented or [generic]:
            check_instance(body, schema)
        if form.code_at is not None:
            node: Any = body
            for step in form.code_at:
                node = node[step]
            assert node == code, f"{code}: the body names {node}"


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_secured_operations_document_their_refusals(contract: Contract) -> None:
    for operation in contract.operations.values():
        if operation.takes_credential:
            code = contract.unauthenticated_code(operation)
            assert code in operation.codes_by_status.get(401, ()), operation.operation_id
        if operation.has_body:
            for failure in ("bodyTooLarge", "unsupportedMediaType"):
                assert contract.generic_code(failure, operation) in operation.error_codes, (
                    operation.operation_id,
                    failure,
                )
        for failure in ("storageRefused", "storageUnreachable"):
            assert contract.generic_code(failure, operation) in operation.error_codes, (operation.operation_id, failure)


@pytest.mark.parametrize("contract", ALL, ids=_ids(ALL))
def test_x_error_code_names_catalogued_codes(contract: Contract) -> None:
    for path, node in walk(contract.raw):
        if isinstance(node, dict) and "x-error-code" in node:
            rule = node["x-error-code"]
            codes = [rule] if isinstance(rule, str) else list(rule.values())
            assert set(codes) <= set(contract.catalog), "/".join(map(str, path))


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_throttled_answers_carry_retry_after(contract: Contract) -> None:
    for operation in contract.operations.values():
        response = contract.operation_spec(operation.operation_id)["responses"].get("429")
        if response:
            assert "Retry-After" in response.get("headers", {}), operation.operation_id


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_every_operation_has_a_known_tag_and_a_description(contract: Contract) -> None:
    tags = {tag["name"] for tag in contract.raw["tags"]}
    for operation in contract.operations.values():
        spec = contract.operation_spec(operation.operation_id)
        assert spec["tags"] and set(spec["tags"]) <= tags, operation.operation_id
        assert spec.get("summary") and spec.get("description"), operation.operation_id


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_servers_name_the_vendor_first_and_the_local_mock_last(contract: Contract) -> None:
    urls = [server["url"] for server in contract.raw["servers"]]
    assert len(urls) >= 2 and urls[0].startswith("https://"), urls
    assert urls[-1].startswith("http://127.0.0.1:8080"), urls


@pytest.mark.parametrize("contract", CONTRACTS, ids=_ids(CONTRACTS))
def test_the_settings_schema_exists_and_its_defaults_validate(contract: Contract) -> None:
    settings = contract.settings_schema()
    assert settings is not None and settings.get("type") == "object"
    for property_schema in settings.get("properties", {}).values():
        if "default" in property_schema:
            check_instance(property_schema["default"], property_schema)
