"""The wheel, installed into a fresh virtual environment, serves and checks every contract from any folder.

Nothing of the repository is on the path: the contracts, fixtures, control spec and target files
must all come out of the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import REPO_ROOT, listening_socket

from storefront_kit import registry

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin` folder of a fresh venv with the project's wheel (and its dependencies) installed."""
    root = tmp_path_factory.mktemp("installed")
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(REPO_ROOT)],
        check=True,
        cwd=root,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    bin_dir = root / "venv" / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "--quiet", str(wheel)], check=True, cwd=root, capture_output=True, timeout=240
    )
    return bin_dir


def _env() -> dict[str, str]:
    # Nothing from this test run's environment may point back into the repository.
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _kit(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "storefront-kit"), *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120
    )


def test_the_installed_command_knows_its_version_and_every_contract(installed: Path, tmp_path: Path) -> None:
    version = _kit(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("storefront-kit "), version.stderr
    listed = _kit(installed, "contracts", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for name in registry.contract_names():
        assert f"\n{name} " in listed.stdout, listed.stdout


@pytest.fixture
def served(installed: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """`storefront-kit serve --contract NAME` of the installed wheel, run from an empty folder; its root URL."""
    log = tmp_path / "serve.log"
    with log.open("wb") as out, listening_socket() as sock:
        port = sock.getsockname()[1]
        process = subprocess.Popen(
            [
                str(installed / "storefront-kit"),
                "serve",
                "--contract",
                request.param,
                "--fd",
                str(sock.fileno()),
                "--log-level",
                "warning",
            ],
            cwd=tmp_path,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{root}/__mock/outbox", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield root
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.parametrize("served", registry.contract_names(), indirect=True)
def test_the_installed_mock_passes_the_installed_check(
    installed: Path, served: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["served"]
    contract = registry.contract(name)
    first = next(iter(contract.operations))
    done = _kit(
        installed,
        "check",
        "--contract",
        name,
        "--base-url",
        served + contract.base_path,
        "--no-progress",
        "--phase",
        "scenarios",
        "--operation",
        first,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Result: CONFORMS" in done.stdout, done.stdout


def test_the_installed_testing_helper_starts_every_contract(installed: Path, tmp_path: Path) -> None:
    script = (
        "import httpx\n"
        "from mock_server.testing import running_mock\n"
        "from storefront_kit import registry\n"
        "for name in registry.contract_names():\n"
        "    with running_mock(contract=name) as mock:\n"
        "        assert httpx.get(mock.controls_url + '/outbox').status_code == 200, name\n"
        "        assert httpx.get(mock.controls_url + '/dashboard/app.js').status_code == 200, name\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [str(installed / "python"), "-c", script], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
