"""Run the mock on a free loopback port in a background thread, for your own tests.

from mock_server.testing import running_mock

with running_mock() as mock:                      # the default contract
    httpx.post(f"{mock.api_url}/session/create")
with running_mock(contract=NAME) as mock:         # any of `storefront-kit contracts`
    ...
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

__all__ = ["RunningMock", "free_port", "running_mock"]


@dataclass(frozen=True, slots=True)
class RunningMock:
    config: ServerConfig
    app: Any

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def api_url(self) -> str:
        """Base URL of the (first) served contract's API, as in its `servers`."""
        return self.url_of(self.config.contracts[0])

    def url_of(self, contract: str) -> str:
        """Base URL of one served contract's API."""
        return f"{self.config.base_url}{registry.contract(contract).base_path}"

    @property
    def controls_url(self) -> str:
        return f"{self.config.base_url}/__mock"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_mock(
    config: ServerConfig | None = None, *, contract: str | None = None, startup_timeout: float = 15.0
) -> Iterator[RunningMock]:
    """Serve a fresh mock until the block ends; port 0 (the default here) picks a free one.

    `contract` serves that one contract instead of the configuration's.
    """
    config = config or ServerConfig(port=0)
    if contract is not None:
        config = dataclasses.replace(config, contracts=(contract,))
    if config.port == 0:
        config = dataclasses.replace(config, port=free_port(config.host))
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"storefront-mock-{config.port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the mock did not start on {config.base_url}")
        time.sleep(0.02)
    try:
        yield RunningMock(config, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
