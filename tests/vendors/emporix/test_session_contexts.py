"""Session contexts: PUT with upsert and optimistic locking, PATCH of own contexts, attributes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from domain_steps import ManualClock, refused
from emporix_steps import (
    DEMO_ID,
    GENERATED_PASSWORD,
    anonymous_session,
    customer_session,
    service_token,
)

from mock_server.vendors.emporix.domain import Tenant
from mock_server.vendors.emporix.domain.clock import iso_at
from mock_server.vendors.emporix.fixtures import EmporixFixtureData

pytestmark = pytest.mark.anyio


def versioned(version: int, **fields: Any) -> dict[str, Any]:
    return {**fields, "metadata": {"version": version}}


async def version_of(tenant: Tenant, session_id: str) -> int:
    version: int = (await tenant.contexts.get(session_id))["metadata"]["version"]
    return version


async def test_put_replaces_the_fields_and_increments_the_version(tenant: Tenant, clock: ManualClock) -> None:
    body, _ = await anonymous_session(tenant)
    session_id = body["sessionId"]
    before = await tenant.contexts.get(session_id)
    clock.advance(5)

    await tenant.contexts.replace(
        session_id, versioned(1, siteCode="us", currency="USD", cartId="cart-7", context={"channel": "app"})
    )

    after = await tenant.contexts.get(session_id)
    assert {key: value for key, value in after.items() if key != "metadata"} == {
        "sessionId": session_id,
        "siteCode": "us",
        "currency": "USD",
        "cartId": "cart-7",
        "context": {"channel": "app"},
    }
    assert after["metadata"] == {
        "version": 2,
        "createdAt": before["metadata"]["createdAt"],
        "modifiedAt": iso_at(clock.now),
    }


async def test_put_takes_the_session_id_from_the_path(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)
    other = str(uuid.uuid4())

    await tenant.contexts.replace(body["sessionId"], versioned(1, sessionId=other, currency="CHF"))

    assert (await tenant.contexts.get(body["sessionId"]))["sessionId"] == body["sessionId"]
    assert (await refused(tenant.contexts.get(other))).code == "sessionNotFound"


async def test_a_stale_version_is_refused_with_version_conflict(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)
    session_id = body["sessionId"]
    await tenant.contexts.add_attribute(session_id, "step", "checkout")  # version 2 now

    error = await refused(tenant.contexts.replace(session_id, versioned(1, currency="CHF")))

    assert error.code == "versionConflict"
    assert error.message == "Optimistic locking failed"
    context = await tenant.contexts.get(session_id)
    assert (context["currency"], context["metadata"]["version"]) == ("EUR", 2)


@pytest.mark.parametrize("metadata", [None, {}, {"version": "1"}, {"version": True}])
async def test_put_without_the_current_version_as_a_number_is_a_version_conflict(tenant: Tenant, metadata: Any) -> None:
    body, _ = await anonymous_session(tenant)
    put: dict[str, Any] = {"currency": "CHF"} if metadata is None else {"currency": "CHF", "metadata": metadata}

    error = await refused(tenant.contexts.replace(body["sessionId"], put))

    assert error.code == "versionConflict"


async def test_put_on_a_missing_context_is_session_not_found_naming_the_session(tenant: Tenant) -> None:
    session_id = str(uuid.uuid4())

    error = await refused(tenant.contexts.replace(session_id, versioned(1, currency="EUR")))

    assert (error.code, error.details) == ("sessionNotFound", {"sessionId": session_id})


async def test_upsert_creates_a_missing_context_with_version_1_whatever_the_body_says(
    tenant: Tenant, clock: ManualClock
) -> None:
    session_id = str(uuid.uuid4())

    await tenant.contexts.replace(session_id, versioned(41, siteCode="ch", currency="CHF"), upsert=True)

    context = await tenant.contexts.get(session_id)
    assert (context["sessionId"], context["siteCode"], context["currency"]) == (session_id, "ch", "CHF")
    assert context["metadata"] == {"version": 1, "createdAt": iso_at(clock.now), "modifiedAt": iso_at(clock.now)}


async def test_upsert_of_an_existing_context_still_checks_the_version(tenant: Tenant) -> None:
    body, _ = await anonymous_session(tenant)

    error = await refused(tenant.contexts.replace(body["sessionId"], versioned(7, currency="CHF"), upsert=True))

    assert error.code == "versionConflict"


async def test_put_of_a_customers_context_needs_the_saas_token_of_that_customer(
    tenant: Tenant, fixture_data: EmporixFixtureData
) -> None:
    anonymous, demo = await customer_session(tenant)
    _, other = await customer_session(tenant, fixture_data.customers[1]["email"], GENERATED_PASSWORD)
    session_id = anonymous["sessionId"]
    version = await version_of(tenant, session_id)
    put = versioned(version, customerId=DEMO_ID, currency="CHF")

    for saas_token in (None, "unknown", other["saas_token"], demo["access_token"]):
        error = await refused(tenant.contexts.replace(session_id, put, saas_token=saas_token))
        assert error.code == "customerTokenMismatch"
    await tenant.contexts.replace(session_id, put, saas_token=demo["saas_token"])

    assert (await tenant.contexts.get(session_id))["currency"] == "CHF"


async def test_put_that_hands_an_anonymous_context_to_a_customer_needs_that_customers_saas_token(
    tenant: Tenant,
) -> None:
    _, demo = await customer_session(tenant)
    anonymous, _ = await anonymous_session(tenant)
    put = versioned(1, customerId=DEMO_ID)

    assert (await refused(tenant.contexts.replace(anonymous["sessionId"], put))).code == "customerTokenMismatch"
    await tenant.contexts.replace(anonymous["sessionId"], put, saas_token=demo["saas_token"])

    assert (await tenant.contexts.get(anonymous["sessionId"]))["customerId"] == DEMO_ID


async def test_patch_changes_only_site_currency_location_language_and_context(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)

    await tenant.contexts.patch_own(
        token,
        versioned(
            1,
            siteCode="ch",
            currency="CHF",
            targetLocation="CH",
            language="fr",
            context={"k": "v"},
            customerId="C99999999999",
            cartId="cart-x",
            sessionId="someone-else",
        ),
    )

    context = await tenant.contexts.get(body["sessionId"])
    assert {key: value for key, value in context.items() if key != "metadata"} == {
        "sessionId": body["sessionId"],
        "siteCode": "ch",
        "currency": "CHF",
        "targetLocation": "CH",
        "language": "fr",
        "context": {"k": "v"},
    }
    assert context["metadata"]["version"] == 2


async def test_patch_leaves_the_fields_it_does_not_name(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)

    await tenant.contexts.patch_own(token, versioned(1, currency="USD"))

    context = await tenant.contexts.get(body["sessionId"])
    assert (context["siteCode"], context["currency"], context["targetLocation"]) == ("main", "USD", "DE")


async def test_a_stale_version_on_patch_is_refused_with_version_conflict(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)
    await tenant.contexts.patch_own(token, versioned(1, currency="USD"))

    error = await refused(tenant.contexts.patch_own(token, versioned(1, currency="CHF")))

    assert error.code == "versionConflict"
    assert (await tenant.contexts.get(body["sessionId"]))["currency"] == "USD"


async def test_attribute_routes_ignore_the_version_but_increment_it(tenant: Tenant, clock: ManualClock) -> None:
    body, token = await anonymous_session(tenant)
    session_id = body["sessionId"]

    await tenant.contexts.add_attribute(session_id, "a", "1")
    assert await tenant.contexts.add_own_attribute(token, "b", {"x": 1}) == "b"
    clock.advance(9)
    await tenant.contexts.remove_attribute(session_id, "a")

    context = await tenant.contexts.get(session_id)
    assert context["context"] == {"b": {"x": 1}}
    assert context["metadata"]["version"] == 4
    assert context["metadata"]["modifiedAt"] == iso_at(clock.now)


async def test_an_attribute_set_again_takes_the_new_value(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)

    await tenant.contexts.add_own_attribute(token, "step", "cart")
    await tenant.contexts.add_attribute(body["sessionId"], "step", "checkout")

    assert (await tenant.contexts.get_own(token))["context"] == {"step": "checkout"}


async def test_removing_an_absent_attribute_changes_nothing(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)

    await tenant.contexts.remove_own_attribute(token, "absent")
    await tenant.contexts.remove_attribute(body["sessionId"], "absent")

    assert await version_of(tenant, body["sessionId"]) == 1


async def test_attribute_routes_on_a_missing_context_are_session_not_found(tenant: Tenant) -> None:
    session_id = str(uuid.uuid4())

    for call in (
        tenant.contexts.add_attribute(session_id, "a", "1"),
        tenant.contexts.remove_attribute(session_id, "a"),
    ):
        error = await refused(call)
        assert (error.code, error.details) == ("sessionNotFound", {"sessionId": session_id})


async def test_own_routes_read_the_tokens_session(tenant: Tenant) -> None:
    body, token = await anonymous_session(tenant)
    await anonymous_session(tenant)

    assert (await tenant.contexts.get_own(token))["sessionId"] == body["sessionId"]


async def test_own_routes_refuse_a_token_without_a_session(tenant: Tenant) -> None:
    token = await service_token(tenant)

    for call in (tenant.contexts.get_own(token), tenant.contexts.patch_own(token, versioned(1, currency="USD"))):
        assert (await refused(call)).code == "invalidAccessToken"


async def test_own_routes_after_logout_find_no_session(tenant: Tenant) -> None:
    anonymous, body = await customer_session(tenant)
    token = await tenant.authenticate(body["access_token"])
    assert token is not None
    await tenant.customers.logout("demoshop", body["access_token"])

    error = await refused(tenant.contexts.get_own(token))

    assert (error.code, error.details) == ("sessionNotFound", {"sessionId": anonymous["sessionId"]})
