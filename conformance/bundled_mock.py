"""`make conformance`: start the bundled mock of a contract on a free loopback port, check it, stop it.

The mock runs as a separate process (`python -m mock_server`); the kit never imports it.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

from conformance.cli import main as check
from conformance.results import EXIT_UNREACHABLE
from storefront_kit import registry


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A loopback socket on a free port, listening and inheritable: hand it to the mock with `--fd`.

    The kit's own (it never imports the mock), like `mock_server.testing.listening_socket`.

    Bound before the mock starts and never closed in between, so no other process can take the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Poll the mock's controls at `url` until they answer, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/__mock/outbox", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run `storefront-kit check` against a fresh bundled mock; other arguments go to `check`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--contract", default=registry.default_contract())
    known, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    sock = listening_socket()
    host, port = sock.getsockname()[:2]
    root = f"http://{host}:{port}"
    api = root + registry.contract(known.contract).base_path
    command = [
        sys.executable,
        "-m",
        "mock_server",
        "--contract",
        known.contract,
        "--fd",
        str(sock.fileno()),
        "--log-level",
        "error",
    ]
    with sock:
        process = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"}, pass_fds=(sock.fileno(),))
    try:
        if not wait_until_up(root, process):
            print(f"the bundled mock did not come up on {root} ({' '.join(command)})", file=sys.stderr)
            return EXIT_UNREACHABLE
        print(f"bundled {known.contract} mock on {api} (pid {process.pid})", file=sys.stderr)
        return check(["--contract", known.contract, "--base-url", api, "--target", "bundled-mock", *rest])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
