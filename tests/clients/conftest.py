"""The client-compatibility suite: generated clients of every contract compile and run.

Node tools come from .tools/node_modules and openapi-python-client from .tools/python (`make
tools` installs both at the pinned versions; this conftest runs it when they are missing). Without
Node.js and npm the suite is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.testing import RunningMock, running_mock

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
NODE_BIN = TOOLS / "node_modules" / ".bin"
TOOLS_PYTHON = TOOLS / "python" / "bin" / "python"
# Generated clients go below .tools, where Node finds the pinned packages they import.
BUILD = TOOLS / "clients"


def contract_files() -> dict[str, Path]:
    """Every contract in contracts/*.yaml by name (websale.yaml links to openapi.yaml)."""
    return {path.stem: path.resolve() for path in sorted((REPO / "contracts").glob("*.yaml"))}


@pytest.fixture(scope="session")
def tools() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed; the client-compatibility suite needs them")
    subprocess.run(["make", "-s", "tools"], cwd=REPO, check=True)
    return NODE_BIN


@pytest.fixture(scope="module")
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    """The bundled mock of the module's contract (`CONTRACT`, or the test's `contract` parameter)."""
    with running_mock(contract=request.param) as running:
        yield running


def run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> str:
    """Run a tool; on failure the assertion shows its output."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = (result.stdout + result.stderr)[-8000:]
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited {result.returncode}:\n{output}"
    return output
