"""`storefront-kit init-target --from-mock URL`: a target file filled in from a running bundled mock.

The settings are the mock's own (`GET /__mock/settings`); the test data is its fixtures' (the bundled
mock's target file), each login's password as the mock knows it now (`GET /__mock/accounts`), so a
password changed since is noticed here rather than as a failure of the check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import yaml

from conformance.errors import ConfigError
from conformance.target import bundled_mock_target
from storefront_kit.contract import Contract

CONTROLS_PATH = "/__mock"
TOKEN_HEADER = "X-Mock-Token"


def mock_root(url: str, contract: Contract) -> str:
    """The mock's root from `url`, given as the root or as the contract's API base."""
    root = url.rstrip("/")
    base = contract.base_path.rstrip("/")
    if base and root.endswith(base):
        root = root[: -len(base)]
    return root


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _served_contracts(client: httpx.Client, root: str) -> list[str]:
    """The contracts the mock serves, as its accounts tell (best effort)."""
    try:
        body = client.get(f"{root}{CONTROLS_PATH}/accounts").json()
        return sorted({str(item.get("contract")) for item in body.get("accounts", ()) if isinstance(item, dict)})
    except (httpx.HTTPError, ValueError, AttributeError):
        return []


def _control(client: httpx.Client, root: str, name: str, contract: Contract, token: str | None) -> Any:
    """`GET /__mock/<name>?contract=NAME`, its JSON; a ConfigError that says what to do otherwise."""
    url = f"{root}{CONTROLS_PATH}/{name}"
    try:
        response = client.get(url, params={"contract": contract.name})
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"--from-mock {root}: no answer ({exc.__class__.__name__}: {exc}); start the mock first, e.g. "
            f"storefront-kit serve --contract {contract.name}"
        ) from None
    if response.status_code in (401, 403):
        told = "refused the token given with --controls-token" if token else "wants a control token"
        raise ConfigError(
            f"--from-mock {root}: the mock's controls {told} (HTTP {response.status_code} at {url}); give "
            "--controls-token with the token the mock was started with (its --controls-token)"
        )
    if response.status_code == 404 and _error_code(response) == "unknownContract":
        served = _served_contracts(client, root)
        serves = f"it serves {', '.join(served)}" if served else "it serves another contract"
        raise ConfigError(
            f"--from-mock {root}: the mock does not serve the {contract.name} contract ({serves}); start it "
            f"with --contract {contract.name} or give --contract with one it serves"
        )
    if response.status_code == 404:
        raise ConfigError(
            f"--from-mock {root}: no mock controls at {url} (HTTP 404): the mock runs with --no-controls, or "
            "the URL is not the bundled mock's; give its root, e.g. http://127.0.0.1:8080"
        )
    if response.status_code != 200:
        raise ConfigError(f"--from-mock {root}: {url} answered HTTP {response.status_code}; expected 200")
    try:
        return response.json()
    except ValueError:
        raise ConfigError(f"--from-mock {root}: {url} answered no JSON; is this the bundled mock?") from None


def _logins(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The test-data entries that log in (a mapping with a `password`), by dotted key."""
    if isinstance(node, dict):
        if "password" in node:
            yield path, node
        for key, value in node.items():
            yield from _logins(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _logins(item, f"{path}[{index}]")


def _refresh_passwords(test_data: dict[str, Any], accounts: list[Mapping[str, Any]], root: str) -> None:
    """Set every login's password to the one the mock knows now; refuse when it knows none."""
    by_login = {str(account.get("login", "")).lower(): account for account in accounts}
    for dotted, entry in _logins(test_data, "testData"):
        logins = [value for value in entry.values() if isinstance(value, str) and value.lower() in by_login]
        if not logins:
            raise ConfigError(
                f"--from-mock {root}: the mock has no account for {dotted}; it was started with other "
                "fixtures: fill this target file in by hand (storefront-kit init-target without --from-mock)"
            )
        account = by_login[logins[0].lower()]
        if account.get("password") is None:
            raise ConfigError(
                f"--from-mock {root}: the mock no longer knows the password of {logins[0]} ({dotted}), changed "
                f"since it started; put the mock back to its fixtures (POST {root}{CONTROLS_PATH}/reset) and "
                "run this again"
            )
        entry["password"] = str(account["password"])


def target_from_mock(url: str, contract: Contract, *, token: str | None = None, timeout: float = 10.0) -> str:
    """The text of a target file for the bundled mock of `contract` running at `url`."""
    root = mock_root(url, contract)
    headers = {TOKEN_HEADER: token} if token else {}
    with httpx.Client(headers=headers, timeout=timeout) as client:
        accounts = _control(client, root, "accounts", contract, token)
        settings = _control(client, root, "settings", contract, token) if contract.settings_schema() else None
    raw: dict[str, Any] = yaml.safe_load(bundled_mock_target(contract).read_text("utf-8"))
    raw["name"] = f"{contract.name} mock at {root}"
    if settings is not None:
        raw["settings"] = settings
    raw.setdefault("testData", {})
    _refresh_passwords(raw["testData"], list(accounts.get("accounts", ())), root)
    if token:
        # The kit's calls of the mock's controls (settings, clock, outbox) and X-Mock-Error need it.
        raw["headers"] = {**raw.get("headers", {}), TOKEN_HEADER: token}
    header = (
        f"# storefront-kit conformance target for the {contract.name} mock at {root}, written by\n"
        f"# storefront-kit init-target --from-mock: its settings and logins as the mock answered them, the rest\n"
        f"# from its fixtures. Check it with: storefront-kit check --contract {contract.name} "
        f"--base-url {root}{contract.base_path} --target THIS-FILE\n"
    )
    return header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110)
