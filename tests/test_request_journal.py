"""The shared request journal (`storefront_kit.journal`): bounds, masking, filters, and its ASGI app."""

from __future__ import annotations

import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from storefront_kit import registry
from storefront_kit.journal import Exchange, Journal, Masker, Refusal, journal_app

pytestmark = pytest.mark.anyio
WEBSALE = registry.contract("websale")


def exchange(path: str = "/api/v1/account/get", session: str = "a" * 64, status: int = 200) -> Exchange:
    recorded = Exchange("websale", "GET", path, b"", [(b"x-session", session.encode())])
    recorded.status = status
    recorded.mask = Masker.for_contract(WEBSALE)
    return recorded


async def test_the_journal_is_bounded_and_keeps_the_newest() -> None:
    journal = Journal(size=3)
    recorded = [exchange() for _ in range(5)]
    ids = [await journal.record(each) for each in recorded]
    assert ids == [each.id for each in recorded]
    assert [entry["id"] for entry in await journal.list()] == ids[2:]
    assert await journal.get(ids[0]) is None
    assert await journal.clear() == 3 and await journal.list() == []


async def test_session_filter_compares_fingerprints_also_after_rendering() -> None:
    journal = Journal()
    first, second = "1" * 64, "2" * 64
    await journal.record(exchange(session=first))
    await journal.record(exchange(session=second))
    assert len(await journal.list()) == 2  # renders both: the clear values are gone
    assert [entry["session"] for entry in await journal.list(session=first)] == ["1111***"]
    assert len(await journal.list(session=second)) == 1
    assert first not in json.dumps(await journal.list())


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        pytest.param('{"email":"a@b.example","password":"Hunter-2-Secret"}', "Hunter-2-Secret", id="json-password"),
        pytest.param('{"access_token":"tok-123456789"}', "tok-123456789", id="json-token"),
        pytest.param("<Login><password>Hunter-2-Secret</password></Login>", "Hunter-2-Secret", id="xml-element"),
        pytest.param('<ResultSet session="abcDEF123456789"/>', "abcDEF123456789", id="xml-attribute"),
        pytest.param("grant_type=password&username=u&password=Hunter-2-Secret", "Hunter-2-Secret", id="form"),
        pytest.param('{"otok":"opt-in-token-1","newPassword":"Hunter-2-Secret"}', "opt-in-token-1", id="opt-in-token"),
        pytest.param('{"email":"a@b.example","password":"Hunter-2-Sec', "Hunter-2-Sec", id="json-cut-off"),
        pytest.param('{"email":"a@b.example","password":"Hunter-2-Sec\\', "Hunter-2-Sec", id="json-cut-off-escape"),
        pytest.param("<Login><password>Hunter-2-Sec", "Hunter-2-Sec", id="xml-cut-off"),
        pytest.param('<ResultSet session="abcDEF123', "abcDEF123", id="xml-attribute-cut-off"),
    ],
)
async def test_secrets_in_bodies_are_masked(body: str, secret: str) -> None:
    journal = Journal()
    recorded = exchange()
    recorded.request_body = body.encode()
    entry_id = await journal.record(recorded)
    entry = await journal.get(entry_id)
    assert entry is not None and secret not in entry["request"]["body"] and "***" in entry["request"]["body"]


async def test_credentials_in_headers_are_masked_by_kind() -> None:
    journal = Journal()
    sent = [(b"authorization", b"Bearer abc.def"), (b"cookie", b"a=1; b=2"), (b"saas-token", b"t" * 20)]
    recorded = Exchange("x", "GET", "/", b"", sent)
    recorded.response_headers = [(b"set-cookie", b"sid=xyz; Path=/; HttpOnly")]
    entry = await journal.get(await journal.record(recorded))
    assert entry is not None
    assert entry["request"]["headers"] == {
        "authorization": "Bearer ***",
        "cookie": "a=***; b=***",
        "saas-token": "tttt***",
    }
    assert entry["response"]["headers"] == {"set-cookie": "sid=***; Path=/; HttpOnly"}


async def test_the_verdict_names_the_refusal() -> None:
    journal = Journal()
    refused = exchange(status=400)
    refused.code = "emailCheckFailed"
    refused.refused_by = Refusal("schema", "emailCheckFailed", "id: not an e-mail")
    entry = await journal.get(await journal.record(refused))
    assert entry is not None and entry["verdict"] == {
        "ok": False,
        "refusedBy": {"rule": "schema", "code": "emailCheckFailed", "reason": "id: not an e-mail"},
        "violations": [],
    }


@pytest.fixture
def mounted() -> tuple[Journal, httpx.AsyncClient]:
    journal = Journal()
    app = Starlette(routes=[Mount("/__mock", app=journal_app(journal, token="s3cret"))])
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proxy", headers={"X-Mock-Token": "s3cret"}
    )
    return journal, client


async def test_the_journal_app_serves_the_journal_api_where_it_is_mounted(
    mounted: tuple[Journal, httpx.AsyncClient],
) -> None:
    journal, client = mounted
    first = await journal.record(exchange(status=200))
    await journal.record(exchange(status=401))
    async with client:
        listed = (await client.get("/__mock/requests", params={"status": "401"})).json()["requests"]
        assert [entry["status"] for entry in listed] == [401]
        assert [
            e["id"] for e in (await client.get("/__mock/requests", params={"after": first})).json()["requests"]
        ] == [first + 1]
        assert (await client.get(f"/__mock/requests/{first}")).json()["id"] == first
        missing = await client.get("/__mock/requests/999")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknownEntry"
        bad = await client.get("/__mock/requests", params={"limit": "0"})
        assert bad.status_code == 400 and bad.json()["error"] == {
            "code": "invalidRequest",
            "message": "limit must be a whole number from 1 to 1000.",
            "field": "limit",
        }
        assert (await client.post("/__mock/requests")).status_code == 405
        unguarded = await client.get("/__mock/requests", headers={"X-Mock-Token": "wrong"})
        assert unguarded.status_code == 401 and unguarded.json()["error"]["code"] == "controlsTokenRequired"
        assert (await client.delete("/__mock/requests")).json() == {"deleted": 2}
