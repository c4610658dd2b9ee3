"""The one JSON encoding of every answer the mock sends, whichever path answers: compact UTF-8.

Connexion encodes handler results through its `jsonifier` hook and the fast path calls the codec
directly, so both send the same bytes.
"""

from __future__ import annotations

from typing import Any

from connexion.jsonifier import Jsonifier

from storefront_kit.codecs import JSON


class CodecJsonifier(Jsonifier):
    """Connexion's serialiser for handler results, backed by the shared JSON codec."""

    def dumps(self, data: Any, **_options: Any) -> str:
        return JSON.encode(data).decode()
