"""A replay file of a whole run: every request the kit sent and its answer, in the VCR cassette format
Schemathesis writes (`--report-vcr-path`), scenarios and fuzz phase alike."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from conformance.http import mask
from storefront_kit.cli import package_version


def _body(content: bytes | None, secrets: Iterable[str]) -> dict[str, str] | None:
    """A VCR body: the text when it is UTF-8, else its bytes in base64 (never masked: they are not text)."""
    if not content:
        return None
    try:
        return {"encoding": "utf-8", "string": mask(content.decode("utf-8"), secrets)}
    except UnicodeDecodeError:
        return {"encoding": "utf-8", "base64_string": base64.b64encode(content).decode("ascii")}


def _headers(headers: Iterable[tuple[str, str]], secrets: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers:
        found.setdefault(name, []).append(mask(value, secrets))
    return found


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@dataclass(slots=True)
class Cassette:
    """The interactions of a run, in the order sent; `phase` labels the ones recorded next. The target's
    secrets (its configured headers, the `testData` values it marks) are masked as in reports."""

    secrets: tuple[str, ...] = ()
    phase: str = "setup"
    interactions: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        *,
        method: str,
        uri: str,
        request_headers: Iterable[tuple[str, str]],
        request_body: bytes | None,
        status: int,
        response_headers: Iterable[tuple[str, str]],
        response_body: bytes | None,
        elapsed: float,
        operation_id: str | None,
        phase: str | None = None,
        checks: list[dict[str, Any]] | None = None,
    ) -> None:
        """Add one request and its answer."""
        request: dict[str, Any] = {
            "uri": mask(uri, self.secrets),
            "method": method.upper(),
            "headers": _headers(request_headers, self.secrets),
        }
        body = _body(request_body, self.secrets)
        if body is not None:
            request["body"] = body
        response: dict[str, Any] = {
            "status": {"code": str(status), "message": _reason(status)},
            "elapsed": f"{elapsed:.6f}",
            "headers": _headers(response_headers, self.secrets),
        }
        body = _body(response_body, self.secrets)
        if body is not None:
            response["body"] = body
        with self._lock:
            self.interactions.append(
                {
                    "id": str(len(self.interactions) + 1),
                    "phase": phase or self.phase,
                    "operation": operation_id,
                    "recorded_at": datetime.now(UTC).isoformat(),
                    "checks": checks or [],
                    "request": request,
                    "response": response,
                }
            )

    def write(self, path: str | Path, *, command: str, seed: int) -> None:
        """Write the cassette as YAML: `command`, `recorded_with`, `seed`, `http_interactions`."""
        document: Mapping[str, Any] = {
            "command": mask(command, self.secrets),
            "recorded_with": f"storefront-kit {package_version()} (Schemathesis {version('schemathesis')})",
            "seed": seed,
            "http_interactions": self.interactions,
        }
        Path(path).write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120), "utf-8")
