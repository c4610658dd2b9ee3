"""The dashboard's files as the mock serves them: the page, its assets, the redirect of `/`."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry
from storefront_kit.dashboard import Dashboard, served

CONTRACTS = registry.contract_names()


def _client(**config: Any) -> httpx.AsyncClient:
    app = create_app(ServerConfig(**config))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock")


def _page_config(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-config" type="application/json">(.*?)</script>', page)
    assert found is not None, page
    return dict(json.loads(found.group(1)))


@pytest.mark.anyio
@pytest.mark.parametrize("name", CONTRACTS)
async def test_every_contract_serves_the_page_with_its_operations_and_settings(name: str) -> None:
    contract = registry.contract(name)
    async with _client(contracts=(name,)) as client:
        page = await client.get("/__mock/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        config = _page_config(page.text)
        (served,) = config["contracts"]
        assert served["name"] == name and served["ui"] == f"{contract.base_path}/ui/"
        assert served["settingsSchema"] == contract.settings_schema()
        operations = {operation["id"]: operation for operation in served["operations"]}
        assert set(operations) == set(contract.operations)
        some = next(iter(contract.operations.values()))
        assert operations[some.operation_id]["codes"] == sorted(some.error_codes)
        assert config["controlsUi"] == "/__mock/ui/"
        # Both links of the page lead somewhere.
        assert (await client.get(served["ui"])).status_code == 200
        assert (await client.get(config["controlsUi"])).status_code == 200


@pytest.mark.anyio
async def test_assets_are_served_with_their_media_types() -> None:
    async with _client() as client:
        script = await client.get("/__mock/dashboard/app.js")
        style = await client.get("/__mock/dashboard/style.css")
        head = await client.head("/__mock/dashboard/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "/requests" in script.text
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == script.headers["content-length"]


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/", "/__mock"])
async def test_the_root_and_the_bare_controls_path_redirect_to_the_page(path: str) -> None:
    async with _client() as client:
        response = await client.get(path)
    assert response.status_code == 307
    assert response.headers["location"] == "/__mock/"


@pytest.mark.anyio
async def test_other_methods_and_unknown_assets_stay_the_apps() -> None:
    async with _client() as client:
        posted = await client.post("/__mock/")
        missing = await client.get("/__mock/dashboard/nothing.js")
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "notFound"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "notFound"


@pytest.mark.anyio
async def test_without_controls_there_is_no_dashboard() -> None:
    async with _client(controls=False) as client:
        page = await client.get("/__mock/")
        root = await client.get("/")
    assert page.status_code == 404
    assert root.status_code == 404


async def backend(scope: Scope, receive: Receive, send: Send) -> None:
    """What a proxy forwards to: answers everything itself."""
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"backend"})


@pytest.mark.anyio
async def test_a_server_with_only_a_journal_mounts_the_page_with_that_section() -> None:
    app = Dashboard(
        backend,
        contracts=[served(registry.contract("zest"))],
        sections=("journal",),
        redirect_root=False,
        swagger_ui=False,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy") as client:
        config = _page_config((await client.get("/__mock/")).text)
        root = await client.get("/")
    assert config["sections"] == ["journal"]
    assert config["controlsUi"] is None and config["contracts"][0]["ui"] is None
    assert (root.status_code, root.text) == (418, "backend")


def test_the_embedded_configuration_cannot_close_its_script_element() -> None:
    contract = served(registry.contract("websale"))
    hostile = dataclasses.replace(contract, title="</script><script>alert(1)</script>")
    app = Dashboard(backend, contracts=[hostile])
    page = app.page.decode()
    assert "</script><script>" not in page
    assert _page_config(page)["contracts"][0]["title"] == hostile.title
