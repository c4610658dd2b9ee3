"""The servers compared: the mock (one worker, several workers), Prism 5 and bare Starlette.

The other vendors' contracts are compared apart, each the mock serving it against Prism mocking the
same file: bench/_vendors.py builds those targets from these parts.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from _load import WEBSALE_MIX, Mix, MixSession, Session
from _procs import SERVER_CPU, SESSION_CREATE, Server, free_port, pinned

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SPEC = ROOT / "openapi.yaml"
TOOLS = BENCH / ".tools"
PRISM_VERSION = "5"
PRISM_BIN = TOOLS / "node_modules" / ".bin" / "prism"
BIN = Path(sys.executable).parent
KIT = BIN / "storefront-kit"
API_BASE = "/api/v1"

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-Password-1"
WRITER_PASSWORD = "Bench-Password-1"
# Accounts that take turns at address/create: enough that no address book grows large in a run,
# few enough that registering them (one argon2 hash each) costs about a second.
WRITER_ACCOUNTS = 32


class Unavailable(Exception):
    """A target or measurement cannot run here; the message says why and how to get it."""


@dataclass
class Target:
    """A started server and how to reach it."""

    key: str
    label: str
    server: Server
    port: int
    base_path: str
    prepare: Callable[[str], MixSession]
    setup: str
    mix: Mix = WEBSALE_MIX
    probe: tuple[str, str] = SESSION_CREATE  # (method, path): the first good answer to wait for

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + self.base_path

    def session(self) -> MixSession:
        return self.prepare(self.base_url)


# --- the mock ---------------------------------------------------------------------------------


def kit_help(*command: str) -> str:
    """`storefront-kit COMMAND --help`, or Unavailable when the command does not exist yet."""
    if not KIT.exists():
        raise Unavailable(f"{KIT} is not installed (run `make install`)")
    try:
        completed = subprocess.run(
            [str(KIT), *command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"`storefront-kit {' '.join(command)} --help` failed: {exc}") from exc
    if completed.returncode != 0:
        detail = ((completed.stderr or completed.stdout).strip().splitlines() or ["no output"])[-1]
        raise Unavailable(
            detail if "not available" in detail else f"`storefront-kit {' '.join(command)}` is not available: {detail}"
        )
    return completed.stdout


def mock_serve_argv(
    port: int, state: str | None = None, workers: int | None = None, contract: str | None = None
) -> list[str]:
    """The mock as users start it, request and response validation on (its defaults).

    `--log-level warning` keeps uvicorn's per-request access log quiet, as Prism is kept quiet.
    """
    argv = [str(KIT), "serve"]
    if contract is not None:
        argv += ["--contract", contract]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if state is not None:
        argv += ["--state", state]
    if workers is not None:
        argv += ["--workers", str(workers)]
    return argv


def mock_session(base_url: str, writer_accounts: int = WRITER_ACCOUNTS) -> Session:
    """A session logged in to the demo account, sessions of fresh accounts, and an anonymous one."""
    with httpx.Client(timeout=10.0) as client:

        def new_session() -> str:
            answer = client.post(f"{base_url}/session/create")
            answer.raise_for_status()
            return str(answer.json()["id"])

        reader = new_session()
        login = client.post(
            f"{base_url}/account/login",
            headers={"x-session": reader},
            json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        if login.status_code != 200:
            raise Unavailable(f"demo login failed: {login.status_code} {login.text[:200]}")
        writers = []
        for _ in range(writer_accounts):
            writer = new_session()
            register = client.post(
                f"{base_url}/account/register",
                headers={"x-session": writer},
                json={"email": f"bench-{secrets.token_hex(6)}@example.com", "password": WRITER_PASSWORD},
            )
            if register.status_code == 200:
                writers.append(writer)
        # Without other accounts the demo account's own address book grows during the run.
        return Session(reader=reader, writer=",".join(writers) or reader, anon=new_session())


def mock_target(
    log_dir: Path, state: str | None = None, workers: int | None = None, cpus: str | None = SERVER_CPU
) -> Target:
    port = free_port()
    scheme = state.split(":", 1)[0] if state else "memory"
    key = "mock" if workers is None else f"mock_{workers}w_{scheme}"
    label = "mock, 1 worker, memory store" if workers is None else f"mock, {workers} workers, {scheme} store"
    argv = pinned(mock_serve_argv(port, state, workers), cpus)
    return Target(
        key=key,
        label=label,
        server=Server(key, argv, log_dir / f"{key}.log", ROOT),
        port=port,
        base_path=API_BASE,
        prepare=mock_session,
        setup=" ".join(argv),
    )


# --- Prism ------------------------------------------------------------------------------------


def install_prism() -> None:
    """Install Prism 5 into bench/.tools with npm (the benchmark's setup step)."""
    if PRISM_BIN.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("Prism needs Node.js and npm (Debian: `apt-get install -y nodejs npm`)")
    TOOLS.mkdir(parents=True, exist_ok=True)
    print(f"setup: installing @stoplight/prism-cli@{PRISM_VERSION} into {TOOLS.relative_to(ROOT)}/ ...", flush=True)
    completed = subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(TOOLS),
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0 or not PRISM_BIN.exists():
        raise Unavailable(f"npm could not install Prism: {completed.stderr.strip()[-500:]}")


def prism_version() -> str:
    completed = subprocess.run([str(PRISM_BIN), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return completed.stdout.strip()


def stateless_session(_base_url: str) -> Session:
    """Prism and the bare app keep no state: any 64-hex x-session passes."""
    return Session(reader="a" * 64, writer="b" * 64, anon="c" * 64)


def prism_argv(spec: Path, port: int) -> list[str]:
    # Per-request logging at `info` halves Prism's throughput; a quiet Prism is its fastest, which
    # makes the comparison stricter for the mock, not looser.
    return [str(PRISM_BIN), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port), "--verboseLevel", "error"]


def prism_target(log_dir: Path, cpus: str | None = SERVER_CPU) -> Target:
    port = free_port()
    argv = pinned(prism_argv(SPEC, port), cpus)
    return Target(
        key="prism",
        label="Prism 5 (prism mock)",
        server=Server("prism", argv, log_dir / "prism.log", ROOT),
        port=port,
        base_path="",  # Prism serves the paths without the servers' base path
        prepare=stateless_session,
        setup=" ".join(argv),
    )


# --- bare Starlette ---------------------------------------------------------------------------


def bare_target(log_dir: Path) -> Target:
    port = free_port()
    argv = pinned([sys.executable, str(BENCH / "bare_app.py"), "--port", str(port)], SERVER_CPU)
    return Target(
        key="bare",
        label="bare Starlette (canned bodies)",
        server=Server("bare", argv, log_dir / "bare.log", ROOT),
        port=port,
        base_path=API_BASE,
        prepare=stateless_session,
        setup=" ".join(argv),
    )
