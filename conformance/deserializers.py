"""Schemathesis reads JSON answers by itself; answers in other formats (XML) it skips unless a
deserializer is registered. This module registers the shared codecs' readers, each answer read
by the schema its operation documents for its status, so that fuzzing checks XML answers against
the contract. A document that breaks the format (another root element, namespace, malformed
XML) is a failure Schemathesis reports.

The readers are lent to Schemathesis' process-wide registry only for the time of a kit run
(`registered`), so a host process that runs Schemathesis itself keeps its own deserializers
before and after; Schemathesis offers no way to unregister one, so the registry is restored here.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis.core import deserialization

from conformance.http import answer_schema
from storefront_kit.codecs import XML, BodyError
from storefront_kit.contract import Contract

_XML_MEDIA_TYPES = ("application/xml", "text/xml")


class _Keyed:
    """A raw schema keyed by identity (Schemathesis keeps one per loaded schema)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def __hash__(self) -> int:
        return id(self.raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.raw is self.raw


@functools.lru_cache(maxsize=8)
def _contract_of(keyed: _Keyed) -> Contract:
    return Contract(keyed.raw)


def read_xml_answer(ctx: Any, response: Any) -> Any:
    """An XML answer as a value, read by the schema of its operation and status."""
    contract = _contract_of(_Keyed(ctx.operation.schema.raw_schema))
    operation_id = ctx.operation.definition.raw.get("operationId")
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    media_type = content_type.split(";", 1)[0].strip().lower() or XML.media_type
    try:
        return XML.decode(response.content, answer_schema(contract, operation_id, response.status_code, media_type))
    except BodyError as exc:
        raise ValueError(str(exc)) from None


_LOCK = threading.Lock()
# Kit runs in progress (they may overlap, in threads), and what the registry held before the first.
_lends = 0
_previous: dict[str, Any] = {}


@contextlib.contextmanager
def registered() -> Iterator[None]:
    """The readers registered with Schemathesis while the block runs; the registry as it was afterwards."""
    global _lends
    with _LOCK:
        if _lends == 0:
            registry = deserialization._DESERIALIZERS
            _previous.clear()
            _previous.update({media_type: registry.get(media_type) for media_type in _XML_MEDIA_TYPES})
            schemathesis.deserializer(*_XML_MEDIA_TYPES)(read_xml_answer)
        _lends += 1
    try:
        yield
    finally:
        with _LOCK:
            _lends -= 1
            if _lends == 0:
                registry = deserialization._DESERIALIZERS
                for media_type, previous in _previous.items():
                    if previous is None:
                        registry.pop(media_type, None)
                    else:
                        registry[media_type] = previous
