"""The web dashboard: static files shipped in the package, served under the controls' path.

`Dashboard` is a pure ASGI middleware: it answers `GET {controls}/` (the page) and
`GET {controls}/dashboard/<file>` (its script and style), optionally redirects `/` there, and
hands every other request to the app it wraps. The mock puts it in front of its app; a proxy
mounts it the same way, naming the sections it has data for:

    app = Dashboard(app, contracts=[served(contract)], sections=("journal",), title="Storefront proxy")

The page reads everything else from the JSON control API under the same path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from storefront_kit.contract import Contract

__all__ = ["ALL_SECTIONS", "Dashboard", "ServedContract", "served"]

ALL_SECTIONS = ("journal", "outbox", "accounts", "settings", "faults")
ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
CONFIG_MARK = "<!--dashboard-config-->"
# The page runs only its own files and talks only to its own origin.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


@dataclass(frozen=True, slots=True)
class ServedContract:
    """What the page needs to know about one served contract."""

    name: str
    title: str
    base_path: str
    operations: tuple[dict[str, Any], ...]  # {id, method, path, codes}, in the contract's order
    settings_schema: dict[str, Any] | None


def served(contract: Contract) -> ServedContract:
    """A contract as the page shows it: its operations with their documented error codes, its settings schema."""
    operations = tuple(
        {
            "id": operation.operation_id,
            "method": operation.method.upper(),
            "path": contract.base_path + operation.path,
            "codes": sorted(operation.error_codes),
        }
        for operation in contract.operations.values()
    )
    return ServedContract(contract.name, contract.title, contract.base_path, operations, contract.settings_schema())


def _read(name: str) -> bytes:
    return resources.files(__name__).joinpath("static", name).read_bytes()


def page_config(
    contracts: Sequence[ServedContract], *, title: str, controls_path: str, sections: Iterable[str], swagger_ui: bool
) -> dict[str, Any]:
    """The JSON embedded in the page: its title, the controls' path, the sections shown, the served contracts."""
    return {
        "title": title,
        "controls": controls_path,
        "controlsUi": f"{controls_path}/ui/" if swagger_ui else None,
        "sections": [section for section in ALL_SECTIONS if section in set(sections)],
        "contracts": [
            {
                "name": contract.name,
                "title": contract.title,
                "basePath": contract.base_path,
                "ui": f"{contract.base_path}/ui/" if swagger_ui else None,
                "operations": list(contract.operations),
                "settingsSchema": contract.settings_schema,
            }
            for contract in contracts
        ],
    }


class Dashboard:
    """Serves the dashboard under `controls_path`; `/` redirects there when `redirect_root` is true.

    `sections` names the parts shown (of `ALL_SECTIONS`), `swagger_ui` whether the contracts' and the
    controls' Swagger UIs exist to link to, `title` the page's heading.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        contracts: Sequence[ServedContract],
        controls_path: str = "/__mock",
        sections: Iterable[str] = ALL_SECTIONS,
        redirect_root: bool = True,
        swagger_ui: bool = True,
        title: str = "Storefront mock",
    ) -> None:
        self.app = app
        self.controls_path = controls_path.rstrip("/")
        self.page_path = self.controls_path + "/"
        self.redirect_root = redirect_root
        config = page_config(
            contracts, title=title, controls_path=self.controls_path, sections=sections, swagger_ui=swagger_ui
        )
        # `<` escaped: the JSON sits in a <script> element and must not be able to close it.
        embedded = json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")
        page = _read("index.html").decode()
        self.page = page.replace(CONFIG_MARK, embedded).encode()
        self.assets = {f"{self.controls_path}/dashboard/{name}": (_read(name), media) for name, media in ASSETS.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.page_path:
            await self._answer(scope, send, 200, self.page, "text/html; charset=utf-8")
        elif path in self.assets:
            await self._answer(scope, send, 200, *self.assets[path])
        elif path == self.controls_path or (path == "/" and self.redirect_root):
            await self._answer(scope, send, 307, b"", None, location=self.page_path)
        else:
            await self.app(scope, receive, send)

    async def _answer(
        self, scope: Scope, send: Send, status: int, body: bytes, media_type: str | None, location: str | None = None
    ) -> None:
        headers = [(b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
        if media_type is not None:
            headers.append((b"content-type", media_type.encode()))
        if location is not None:
            headers.append((b"location", location.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
