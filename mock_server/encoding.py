"""The one JSON encoding of the mock's JSON answers, whichever path answers: compact UTF-8.

Connexion encodes handler results through its `jsonifier` hook; the fast path and the error
envelope call the codec directly, so all send the same bytes. XML answers go through the XML
codec, and the OpenAPI documents and Swagger UI that Connexion serves are encoded by Connexion.
"""

from __future__ import annotations

from typing import Any

from connexion.jsonifier import Jsonifier

from storefront_kit.codecs import JSON


class CodecJsonifier(Jsonifier):
    """Connexion's serialiser for handler results, backed by the shared JSON codec."""

    def dumps(self, data: Any, **_options: Any) -> str:
        return JSON.encode(data).decode()
