"""HTTP calls to the target, each kept as an `Exchange` that failures can show."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.errors import TargetUnreachable
from storefront_kit.contract import Contract

_SHOWN_BODY_CHARS = 2000
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the answer to it."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: str | None
    status: int
    response_headers: Mapping[str, str]
    response_body: str
    elapsed: float = 0.0
    operation_id: str | None = None

    def json(self) -> Any:
        """The answer's JSON body, or `None` when it is not JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def error_code(self) -> str | None:
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = body["error"].get("code")
            return code if isinstance(code, str) else None
        return None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == lowered:
                return value
        return None

    def render(self) -> str:
        """The exchange as text, bodies shortened, for reports."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"{key}: {value}" for key, value in self.request_headers.items()]
        if self.request_body:
            lines += ["", _shorten(self.request_body)]
        lines += ["", f"HTTP {self.status}"]
        lines += [f"{key}: {value}" for key, value in self.response_headers.items()]
        if self.response_body:
            lines += ["", _shorten(self.response_body)]
        return "\n".join(lines)


def _shorten(text: str) -> str:
    if len(text) <= _SHOWN_BODY_CHARS:
        return text
    return f"{text[:_SHOWN_BODY_CHARS]}... ({len(text)} characters in all)"


_SHOWN_REQUEST_HEADERS = ("content-type", "x-session", "x-mock-error", "x-forwarded-for")


@dataclass(slots=True)
class ApiClient:
    """Calls operations by id; turns transport trouble into `TargetUnreachable`."""

    base_url: str
    contract: Contract
    timeout: float = 10.0
    client_address_header: str | None = None
    connect_retries: int = 2
    transport: httpx.BaseTransport | None = None
    requests_sent: int = 0
    _client: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._client = httpx.Client(timeout=self.timeout, transport=self.transport, follow_redirects=False)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def resolve(self, url: str) -> str:
        """An absolute URL as is; a path relative to the base URL's origin."""
        if "://" in url:
            return url
        return self.origin + "/" + url.lstrip("/")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def call(
        self,
        operation_id: str,
        *,
        session: str | None = None,
        body: Any = _MISSING,
        query: Mapping[str, Any] | None = None,
        raw_body: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        client_address: str | None = None,
    ) -> Exchange:
        """Call one operation of the contract.

        `body` is sent as JSON; `raw_body` with `content_type` sends bytes as they are.
        """
        op = self.contract.operation(operation_id)
        sent: dict[str, str] = dict(headers or {})
        if session is not None:
            sent["x-session"] = session
        if client_address and self.client_address_header:
            sent[self.client_address_header] = client_address
        content: bytes | None = None
        if raw_body is not None:
            content = raw_body
            sent.setdefault("content-type", content_type or "application/json")
        elif body is not _MISSING:
            content = json.dumps(body).encode()
            sent.setdefault("content-type", "application/json")
        url = self.base_url + op.path
        return self.request(op.method.upper(), url, headers=sent, content=content, params=query,
                            operation_id=operation_id)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        json_body: Any = _MISSING,
        params: Mapping[str, Any] | None = None,
        operation_id: str | None = None,
    ) -> Exchange:
        """Send one request; connection failures are retried, then raise `TargetUnreachable`."""
        assert self._client is not None
        sent = dict(headers or {})
        if json_body is not _MISSING:
            content = json.dumps(json_body).encode()
            sent.setdefault("content-type", "application/json")
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self._client.request(method, url, headers=sent, content=content, params=params)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server, so a retry cannot repeat a side effect.
                attempt += 1
                if attempt > self.connect_retries:
                    raise TargetUnreachable(f"{method} {url}: cannot connect ({exc})") from exc
                time.sleep(0.3 * attempt)
            except httpx.TransportError as exc:
                raise TargetUnreachable(f"{method} {url}: {type(exc).__name__} ({exc})") from exc
        shown = {k: v for k, v in sent.items() if k.lower() in _SHOWN_REQUEST_HEADERS}
        request_text: str | None = None
        if content:
            request_text = content[:_SHOWN_BODY_CHARS * 2].decode("utf-8", "replace")
            if len(content) > _SHOWN_BODY_CHARS * 2:
                request_text = f"{request_text[:_SHOWN_BODY_CHARS]}... ({len(content)} bytes in all)"
        exchange = Exchange(
            method=method,
            url=str(response.request.url),
            request_headers=shown,
            request_body=request_text,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.text,
            elapsed=time.monotonic() - started,
            operation_id=operation_id,
        )
        self.requests_sent += 1
        return exchange
