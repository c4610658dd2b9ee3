"""One codec per body format, shared by the mock (requests in, answers out) and the kit (answers in).

A codec turns bytes of its media type into plain values (dicts, lists, strings, numbers) and back.
JSON bodies need no schema; XML ones are read and written by the schema of the body, whose `xml`
objects name elements and attributes (`xml_codec`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class BodyError(ValueError):
    """Bytes that are not a document of the codec's format; the message says what is wrong."""

    failure = "malformedBody"  # the generic failure a request with such a body answers


class UnsafeBody(BodyError):
    """A document that could make a parser expand, fetch or recurse (entities, DTDs, deep nesting)."""

    failure = "unsafeBody"


class Codec(Protocol):
    media_type: str
    content_type: str  # the Content-Type header of a document this codec wrote

    def decode(self, raw: bytes, schema: Mapping[str, Any] | None = None, encoding: str = "utf-8") -> Any:
        """The value of a document; `BodyError` when the bytes are not one."""
        ...

    def encode(self, value: Any, schema: Mapping[str, Any] | None = None) -> bytes:
        """The compact document of `value`."""
        ...

    def encode_read(self, value: Any, schema: Mapping[str, Any] | None = None) -> tuple[bytes, Any]:
        """The document of `value`, and what decoding it gives: the answer as its client reads it."""
        ...


# After the names the codec modules import from here.
from storefront_kit.codecs.json_codec import JSON, JsonCodec
from storefront_kit.codecs.xml_codec import XML, XmlCodec

CODECS: dict[str, Codec] = {JSON.media_type: JSON, XML.media_type: XML, "text/xml": XML}


def find_codec(media_type: str) -> Codec | None:
    """The codec of a media type (`application/json`, `application/xml`, also `+json` and `+xml`
    types); None for a format no codec reads (forms, text)."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base in CODECS:
        return CODECS[base]
    if base.endswith(("+json", "/json")):
        return JSON
    if base.endswith("+xml"):
        return XML
    return None


def codec_for(media_type: str) -> Codec:
    """The codec of a media type; `LookupError` for a format no codec reads."""
    codec = find_codec(media_type)
    if codec is None:
        raise LookupError(f"no codec for the media type {media_type!r}")
    return codec


def render_template(template: Any, values: Mapping[str, Any]) -> Any:
    """A body from a contract's template: `'{name}'` strings take `values[name]`, absent ones drop their key."""
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        return values.get(template[1:-1], _ABSENT)
    if isinstance(template, Mapping):
        rendered = {key: render_template(value, values) for key, value in template.items()}
        return {key: value for key, value in rendered.items() if value is not _ABSENT}
    if isinstance(template, list):
        return [item for item in (render_template(value, values) for value in template) if item is not _ABSENT]
    return template


def matches_template(template: Any, body: Any) -> bool:
    """True when `body` has every literal of `template` (placeholders match any value, or none)."""
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        return True
    if isinstance(template, Mapping):
        if not isinstance(body, Mapping):
            return False
        return all(
            key in body and matches_template(value, body[key])
            for key, value in template.items()
            if not (isinstance(value, str) and value.startswith("{") and value.endswith("}"))
        )
    if isinstance(template, list):
        return isinstance(body, list) and len(body) == len(template) and all(map(matches_template, template, body))
    return bool(template == body)


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


__all__ = [
    "CODECS",
    "JSON",
    "XML",
    "BodyError",
    "Codec",
    "JsonCodec",
    "UnsafeBody",
    "XmlCodec",
    "codec_for",
    "find_codec",
    "matches_template",
    "render_template",
]
