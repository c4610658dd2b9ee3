"""The ZEST mock over a real socket, on both paths: XML on the wire as the contract writes it, the
session token in the query, the application key both ways, and hostile XML refused without harm."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from xml.etree import ElementTree

import httpx
import pytest

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock

NAMESPACE = "{http://www.zeald.com}"
KEY = ("demo-key", "")
XML = {"Content-Type": "application/xml"}


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "connexion"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    config = dataclasses.replace(ServerConfig(port=0, log_level="error"), fast_path=request.param)
    with running_mock(config, contract="zest") as running:
        yield running


def _root(answer: httpx.Response) -> ElementTree.Element:
    assert answer.headers["content-type"] == "application/xml; charset=utf-8", answer.headers
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), answer.content[:60]
    return ElementTree.fromstring(answer.content)


def _error(answer: httpx.Response) -> tuple[int, str]:
    root = _root(answer)
    assert root.tag == NAMESPACE + "rsp", answer.text
    error = root.find(NAMESPACE + "error")
    assert error is not None and error.findtext(NAMESPACE + "message"), answer.text
    return answer.status_code, str(error.get("code"))


def _lines(root: ElementTree.Element) -> dict[str, int]:
    return {
        str(item.findtext(NAMESPACE + "sku")): int(item.findtext(NAMESPACE + "quantity") or 0)
        for item in root.iter(NAMESPACE + "CartItem")
    }


def test_a_session_opens_on_any_resource_and_the_cart_follows_its_token(mock: RunningMock) -> None:
    api = mock.base_url + "/API/V3"
    browse = _root(httpx.get(f"{api}/BrowseCategory/00411", params={"_session_token": "1", "per_page": 2}, auth=KEY))
    token = browse.get("session")
    assert browse.tag == NAMESPACE + "ResultSet" and token and re.fullmatch(r"[A-Za-z0-9]{15}", token)
    assert (browse.get("page"), browse.get("totalResults"), browse.get("totalResultsReturned")) == ("1", "42", "2")

    # The request root may leave out the namespace, as in the vendor's own example.
    added = httpx.post(
        f"{api}/Cart",
        params={"_session_token": token},
        auth=KEY,
        headers=XML,
        content=b"<ResultSet><CartItem><sku>4012</sku><quantity>2</quantity></CartItem></ResultSet>",
    )
    root = _root(added)
    assert (added.status_code, root.tag, root.get("session")) == (200, NAMESPACE + "rsp", token)
    assert (root.get("totalItems"), root.get("totalQuantity"), _lines(root)) == ("1", "2", {"4012": 2})
    cart = root.find(NAMESPACE + "Cart")
    assert cart is not None and cart.get("id") == "Ecommerce::Cart::main"
    assert cart.findtext(NAMESPACE + "total") == "49.9" and cart.findtext(NAMESPACE + "total_formatted") == "$49.90"

    read = _root(httpx.get(f"{api}/Cart", params={"_session_token": token}, auth=KEY))
    assert (read.tag, read.get("session"), _lines(read)) == (NAMESPACE + "ResultSet", token, {"4012": 2})
    fresh = _root(httpx.get(f"{api}/Cart", params={"_session_token": "NotASessionOfThis"}, auth=KEY))
    assert fresh.get("session") not in (None, token, "NotASessionOfThis") and _lines(fresh) == {}
    assert "session" not in _root(httpx.get(f"{api}/Cart", auth=KEY)).attrib


def test_the_key_travels_as_basic_user_or_in_the_query_and_is_checked_per_resource(mock: RunningMock) -> None:
    api = mock.base_url + "/API/V3"
    assert httpx.get(f"{api}/Cart", params={"_key": "demo-key"}).status_code == 200
    assert httpx.get(f"{api}/Cart", auth=("demo-key", "a password is ignored")).status_code == 200
    assert _error(httpx.get(f"{api}/Cart")) == (401, "invalidKey")
    assert _error(httpx.get(f"{api}/Cart", params={"_key": "never-issued"})) == (401, "invalidKey")
    assert _error(httpx.get(f"{api}/Cart", auth=("never-issued", ""))) == (401, "invalidKey")
    assert httpx.get(f"{api}/BrowseCategory/00411", auth=("catalog-key", "")).status_code == 200
    assert _error(httpx.get(f"{api}/Cart", auth=("catalog-key", ""))) == (403, "keyNotAllowed")
    assert _error(httpx.get(f"{api}/BrowseCategory/00411", auth=("cart-key", ""))) == (403, "keyNotAllowed")


LAUGHS = b"".join(b'<!ENTITY l%d "%s">' % (n, (b"&l%d;" % (n - 1)) * 10 if n else b"lol") for n in range(10))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE r [' + LAUGHS + b"]><ResultSet>&l9;</ResultSet>",
            "unsafeXml",
            id="billion-laughs",
        ),
        pytest.param(
            b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><ResultSet>&e;</ResultSet>',
            "unsafeXml",
            id="external-entity",
        ),
        pytest.param(b"<ResultSet>&undeclared;</ResultSet>", "unsafeXml", id="entity-reference"),
        pytest.param(b"<a>" * 5000 + b"</a>" * 5000, "unsafeXml", id="deep-nesting"),
        pytest.param(b"<ResultSet><CartItem><sku>4012</sku>", "malformedXml", id="unclosed"),
        pytest.param(
            b'<ResultSet xmlns="urn:other"><CartItem><sku>4012</sku></CartItem></ResultSet>',
            "malformedXml",
            id="other-namespace",
        ),
        pytest.param(b"<Basket><CartItem><sku>4012</sku></CartItem></Basket>", "malformedXml", id="other-root"),
        pytest.param(
            b"<ResultSet><CartItem><sku>4012</sku><quantity>two</quantity></CartItem></ResultSet>",
            "badRequest",
            id="quantity-text",
        ),
        pytest.param(
            b"<ResultSet><CartItem><sku>4012</sku><colour>red</colour></CartItem></ResultSet>",
            "badRequest",
            id="unknown-element",
        ),
        pytest.param(b"<ResultSet><CartItem><sku>9999</sku></CartItem></ResultSet>", "unknownSku", id="unknown-sku"),
    ],
)
def test_bad_and_hostile_xml_is_refused_and_the_cart_is_kept(mock: RunningMock, body: bytes, code: str) -> None:
    api = mock.base_url + "/API/V3"
    token = _root(
        httpx.post(
            f"{api}/Cart",
            params={"_session_token": "1"},
            auth=KEY,
            headers=XML,
            content=b"<ResultSet><CartItem><sku>4013</sku></CartItem></ResultSet>",
        )
    ).get("session")
    answer = httpx.post(f"{api}/Cart", params={"_session_token": token}, auth=KEY, headers=XML, content=body)

    assert _error(answer) == (400, code)
    assert _lines(_root(httpx.get(f"{api}/Cart", params={"_session_token": token}, auth=KEY))) == {"4013": 1}


def test_oversized_and_non_xml_bodies_answer_in_xml(mock: RunningMock) -> None:
    api = mock.base_url + "/API/V3"
    huge = b"<ResultSet>" + b"<CartItem><sku>4012</sku></CartItem>" * 3000 + b"</ResultSet>"
    assert _error(httpx.post(f"{api}/Cart", auth=KEY, headers=XML, content=huge)) == (413, "payloadTooLarge")
    assert _error(httpx.post(f"{api}/Cart", auth=KEY, json={"CartItem": [{"sku": "4012"}]})) == (
        415,
        "unsupportedMediaType",
    )
    assert _error(httpx.get(f"{api}/Nowhere", auth=KEY))[0] == 404
    assert _error(httpx.patch(f"{api}/Cart", auth=KEY)) == (405, "methodNotAllowed")
