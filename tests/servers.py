"""Servers the tests start as separate processes: a redis-server and the mock's own command line.

Shared by every test package through `tests/conftest.py` (which puts this folder on `sys.path`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from storefront_kit import registry

REPO_ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server") or ""
NO_REDIS = "redis-server is not installed (Debian: apt-get install redis-server); Redis tests skipped"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_socket(port: int = 0) -> socket.socket:
    """A loopback socket listening on `port` (0: a free one), inheritable: a server started with `--fd` serves on it."""
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


class PortTaken(RuntimeError):
    """A server exited at start, most likely because another process took its port."""


class RedisServer:
    """A redis-server on a loopback port; stoppable, freezable and restartable on the same port.

    Without `data_dir` nothing is persisted; with it, an append-only file there keeps the data
    across a restart, as a team's Redis would.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        assert REDIS_SERVER
        self.port = free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.started_once = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # redis-server cannot serve on an inherited socket, so its port is only free when chosen:
        # a first start that loses the port to another process tries another one.
        for attempt in range(3):
            try:
                self._start()
                return
            except PortTaken:
                if self.started_once or attempt == 2:
                    raise
                self.port = free_port()

    def _start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        if self.data_dir is None:
            command += ["--appendonly", "no"]
        else:
            command += ["--appendonly", "yes", "--dir", str(self.data_dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PortTaken(f"redis-server exited with {self.process.returncode} on port {self.port}")
            if self._answers_ping():
                self.started_once = True
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class MockProcess:
    """`python -m mock_server --workers N` in its own process group, as an operator would run it."""

    def __init__(
        self,
        state: str,
        workers: int,
        log: Path,
        *,
        log_level: str = "info",
        extra: Sequence[str] = (),
        contract: str = "websale",
    ) -> None:
        self.contract = contract
        self.state = state
        self.workers = workers
        self.log = log
        self.log_level = log_level
        self.extra = tuple(extra)
        # Bound now and handed to the mock (`--fd`), so no other test takes the port in between.
        self._socket: socket.socket | None = listening_socket()
        self.port = int(self._socket.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.root_url + registry.contract(self.contract).base_path

    @property
    def controls_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/__mock"

    def start(self, timeout: float = 90) -> None:
        command = [
            sys.executable,
            "-m",
            "mock_server",
            "--contract",
            self.contract,
            "--fd",
            str(self._listening().fileno()),
            "--state",
            self.state,
            "--workers",
            str(self.workers),
            "--log-level",
            self.log_level,
            *self.extra,
        ]
        with self.log.open("ab") as log:
            # A new session makes the server and its workers one process group, so the test can
            # SIGKILL all of them at once, like a machine or container going down.
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(self._listening().fileno(),),
            )
        # The mock holds the socket now; when it goes, the port refuses connections as a stopped server does.
        self._release()
        started = self.log.read_text(errors="replace").count("Application startup complete.")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the mock exited with {self.process.returncode}:\n{self.log.read_text(errors='replace')}"
                )
            # Every worker must be up, not just the first, so requests really spread over them.
            if self.log.read_text(errors="replace").count("Application startup complete.") - started >= self.workers:
                try:
                    # Any answer will do: with --no-controls or a control token it is a 404 or a 401.
                    httpx.get(f"{self.controls_url}/outbox", timeout=5)
                    return
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the mock did not start:\n{self.log.read_text(errors='replace')}")

    def _listening(self) -> socket.socket:
        if self._socket is None:  # started again: the same port, free since the last mock let it go
            self._socket = listening_socket(self.port)
        return self._socket

    def _release(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: no shutdown code runs."""
        if self.process is not None:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        self._release()
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
        # Workers that outlive the parent would keep serving on the port.
        self._signal_group(signal.SIGKILL)
        self.process = None


def two_worker_mock(request: pytest.FixtureRequest, tmp_path: Path, contract: str) -> MockProcess:
    """Two workers of `contract`'s mock on the shared backend `request.param` (`sqlite` or `redis`),
    stopped when the test ends."""
    if request.param == "sqlite":
        state = sqlite_url(tmp_path / "state.db")
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        state = f"{server.url}?prefix={contract}-{tmp_path.name}:"
    mock = MockProcess(state, workers=2, log=tmp_path / "mock.log", contract=contract)
    mock.start()
    request.addfinalizer(mock.stop)
    return mock
