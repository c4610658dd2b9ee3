"""One codec per body format, shared by the mock (requests in, answers out) and the kit (answers in).

A codec turns bytes of its media type into plain values (dicts, lists, strings, numbers) and back.
JSON is the only format so far; a contract whose bodies are another format adds its codec here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

import orjson


class BodyError(ValueError):
    """Bytes that are not a document of the codec's format; the message says what is wrong."""


class Codec(Protocol):
    media_type: str

    def decode(self, raw: bytes, schema: Mapping[str, Any] | None = None, encoding: str = "utf-8") -> Any:
        """The value of a document; `BodyError` when the bytes are not one."""
        ...

    def encode(self, value: Any, schema: Mapping[str, Any] | None = None) -> bytes:
        """The compact document of `value`."""
        ...


class JsonCodec:
    """JSON in UTF-8. orjson encodes several times faster than the standard library."""

    media_type = "application/json"

    def decode(self, raw: bytes, schema: Mapping[str, Any] | None = None, encoding: str = "utf-8") -> Any:
        try:
            value = json.loads(raw.decode(encoding))
            # `\ud800`-style escapes parse into strings no encoder (hashing, storage) accepts.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
            raise BodyError("The request body is not valid UTF-8 text.") from None
        except (ValueError, RecursionError):
            raise BodyError("The request body is not valid JSON.") from None
        return value

    def reload(self, raw: bytes) -> Any:
        """The value of bytes this codec encoded: no checks a request needs, so several times faster."""
        return orjson.loads(raw)

    def encode(self, value: Any, schema: Mapping[str, Any] | None = None) -> bytes:
        try:
            return orjson.dumps(value)
        except TypeError:  # text orjson refuses (lone surrogates): escaped, as the standard library writes it
            return json.dumps(value, separators=(",", ":")).encode("ascii")


JSON = JsonCodec()
CODECS: dict[str, Codec] = {JSON.media_type: JSON}


def codec_for(media_type: str) -> Codec:
    """The codec of a media type (`application/json`, also `application/problem+json` and the like)."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base in CODECS:
        return CODECS[base]
    if base.endswith("+json") or base.endswith("/json"):
        return JSON
    raise LookupError(f"no codec for the media type {media_type!r}")


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
