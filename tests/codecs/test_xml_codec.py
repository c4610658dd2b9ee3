"""The XML codec reads and writes documents by their schemas' `xml` objects, and refuses what a
parser must not expand or follow."""

from __future__ import annotations

from typing import Any

import pytest

from storefront_kit.codecs import XML, BodyError, UnsafeBody, codec_for

NS = "urn:example"
ITEM = {
    "type": "object",
    "xml": {"name": "Item"},
    "properties": {
        "id": {"type": "string", "xml": {"attribute": True}},
        "sku": {"type": "string"},
        "quantity": {"type": "integer"},
        "price": {"type": "number"},
        "gift": {"type": "boolean"},
    },
}
DOCUMENT = {
    "type": "object",
    "xml": {"name": "Basket", "namespace": NS},
    "properties": {
        "session": {"type": "string", "xml": {"attribute": True}},
        "total": {"type": "integer", "xml": {"attribute": True, "name": "totalItems"}},
        "Item": {"type": "array", "items": ITEM},
        "Tags": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "Tag"}}},
        "note": {"type": "string"},
    },
}
REQUEST = {**DOCUMENT, "xml": {**DOCUMENT["xml"], "x-namespace-optional": True}}


def test_a_value_is_written_by_its_schema_and_read_back_alike() -> None:
    value = {
        "session": "abc",
        "total": 2,
        "note": "a < b & c",
        "Item": [{"id": "1", "sku": "4012", "quantity": 2, "price": 24.95, "gift": True}, {"sku": "x"}],
        "Tags": ["red", "blue"],
    }
    written = XML.encode(value, DOCUMENT)

    assert written == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<Basket xmlns="urn:example" session="abc" totalItems="2">'
        b'<Item id="1"><sku>4012</sku><quantity>2</quantity><price>24.95</price><gift>true</gift></Item>'
        b"<Item><sku>x</sku></Item><Tags><Tag>red</Tag><Tag>blue</Tag></Tags><note>a &lt; b &amp; c</note></Basket>"
    )
    assert XML.decode(written, DOCUMENT) == value


def test_text_that_does_not_convert_and_unknown_elements_are_kept_for_the_schema_to_refuse() -> None:
    read = XML.decode(
        b'<Basket xmlns="urn:example" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="urn:example x.xsd" totalItems="many"><Item><quantity>two</quantity>'
        b"<colour>red</colour></Item><note>1</note><note>2</note></Basket>",
        DOCUMENT,
    )

    assert read == {"total": "many", "Item": [{"quantity": "two", "colour": "red"}], "note": ["1", "2"]}


def test_text_where_elements_belong_is_not_an_object() -> None:
    assert XML.decode(b'<Basket xmlns="urn:example">true</Basket>', DOCUMENT) == "true"


@pytest.mark.parametrize(
    ("raw", "schema", "message"),
    [
        (b"<Other/>", DOCUMENT, "root element is <Other>"),
        (b"<Basket/>", DOCUMENT, "in no namespace"),
        (b'<Basket xmlns="urn:other"/>', REQUEST, "the namespace urn:other"),
        (b"<Basket><Item>", DOCUMENT, "not well-formed"),
        (b"", DOCUMENT, "not well-formed"),
    ],
)
def test_documents_of_another_shape_are_refused(raw: bytes, schema: Any, message: str) -> None:
    with pytest.raises(BodyError, match=message) as refused:
        XML.decode(raw, schema)
    assert not isinstance(refused.value, UnsafeBody)


def test_a_request_root_may_leave_out_the_namespace_where_the_schema_allows_it() -> None:
    assert XML.decode(b"<Basket><Item><sku>1</sku></Item></Basket>", REQUEST) == {"Item": [{"sku": "1"}]}


@pytest.mark.parametrize(
    "raw",
    [
        b'<!DOCTYPE b [<!ENTITY a "aaaa">]><Basket>&a;</Basket>',
        b'<!DOCTYPE b [<!ENTITY e SYSTEM "file:///etc/passwd">]><Basket>&e;</Basket>',
        b'<!DOCTYPE b SYSTEM "http://example.com/b.dtd"><Basket/>',
        b"<Basket>&undeclared;</Basket>",
        b"<a>" * 40 + b"</a>" * 40,
    ],
)
def test_entities_doctypes_and_deep_nesting_are_unsafe(raw: bytes) -> None:
    with pytest.raises(UnsafeBody):
        XML.decode(raw, DOCUMENT)


def test_xml_media_types_share_the_codec() -> None:
    assert codec_for("application/xml") is codec_for("text/xml") is codec_for("application/atom+xml") is XML
    assert XML.content_type == "application/xml; charset=utf-8"


@pytest.mark.parametrize(
    "value",
    [
        {
            "session": "abc",
            "total": 2,
            "Item": [{"id": "1", "sku": "4012", "quantity": 2, "price": 24.95, "gift": False}],
        },
        {"total": 0, "Item": [], "Tags": [], "note": ""},
        {"session": None, "note": 'tab\there, line\nthere & <b> "quoted" \x01 bell', "Tags": ["a\x02", "b"]},
        {"total": "7", "Item": [{"quantity": "3", "price": "1.50", "gift": "true", "id": 5}]},
        {"total": True, "Item": [{"price": 25.0, "quantity": 1.0}], "note": 12},
        {"Item": [{"sku": "x", "colour": "red"}], "extra": {"nested": [1, 2]}},
        {"note": {"not": "text"}, "Item": {"sku": "one item, not a list"}},
        {"Tags": "red"},
        {"total": 3, "Item": [{"price": float("nan"), "quantity": 2**40}, {"price": 1e-7}, {"price": float("inf")}]},
    ],
)
def test_what_a_writer_says_is_read_is_what_a_reader_reads(value: Any) -> None:
    document, read = XML.encode_read(value, DOCUMENT)
    assert document == XML.encode(value, DOCUMENT)
    assert read == XML.decode(document, DOCUMENT)
