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

__all__ = ["RunningMock", "free_port", "listening_socket", "running_mock"]


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
    """A port free right now; another process may take it before you bind it: prefer `listening_socket`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to `host:port` (port 0: a free one) and listening, to hand to a server.

    The port stays taken from the bind on, so no other process can take it before the server
    serves; connections made before the server is up wait in the backlog.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


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
    sock = listening_socket(config.host, config.port)
    try:
        config = dataclasses.replace(config, port=int(sock.getsockname()[1]))
        app = create_app(config)
        server = uvicorn.Server(
            uvicorn.Config(
                app, host=config.host, port=config.port, log_level="warning", access_log=False, lifespan="on"
            )
        )
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"storefront-mock-{config.port}", daemon=True
        )
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
    finally:
        sock.close()
