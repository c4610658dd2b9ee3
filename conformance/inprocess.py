"""Checking an ASGI app inside this process: no server, no port, no subprocess.

`storefront-kit check` talks HTTP to a server; a Python backend can instead be handed over as its
ASGI app (`conformance.run(..., app=app)`). The kit's own calls and Schemathesis' generated cases
then reach it through Schemathesis' in-process ASGI client, which also runs the app's lifespan.
"""

from __future__ import annotations

from typing import Any

import httpx
from schemathesis.python import asgi


class AsgiTransport(httpx.BaseTransport):
    """An httpx transport whose requests an ASGI app answers in this process."""

    def __init__(self, app: Any) -> None:
        self._client = asgi.get_client(app).__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method, str(request.url), headers=dict(request.headers), data=request.read(), allow_redirects=False
        )
        # The test client keeps cookies; here each request sends only the cookies it carries.
        self._client.cookies.clear()
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.items()), content=answer.content, request=request
        )

    def close(self) -> None:
        self._client.close()
