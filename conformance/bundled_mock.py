"""`make conformance`: start the bundled mock on a free loopback port, check it, stop it.

The mock runs as a separate process (`python -m mock_server`); the kit never imports it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

from conformance.cli import main as check
from conformance.results import EXIT_UNREACHABLE


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Poll `POST {url}/session/create` until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.post(f"{url}/session/create", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run `storefront-kit check` against a fresh bundled mock; extra arguments go to `check`."""
    host, port = "127.0.0.1", free_port()
    api = f"http://{host}:{port}/api/v1"
    command = [sys.executable, "-m", "mock_server", "--host", host, "--port", str(port), "--log-level", "error"]
    process = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        if not wait_until_up(api, process):
            print(f"the bundled mock did not come up on {api} ({' '.join(command)})", file=sys.stderr)
            return EXIT_UNREACHABLE
        print(f"bundled mock on {api} (pid {process.pid})", file=sys.stderr)
        return check(["--base-url", api, "--target", "bundled-mock", *(sys.argv[1:] if argv is None else argv)])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
