"""The README's curl sessions work as written: each vendor's first shell block, run by bash against
that vendor's mock (its `127.0.0.1:8080` pointed at the test's port), says what the README says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mock_server.config import ServerConfig
from mock_server.testing import running_mock

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

# What each session must print: the answers its comments announce.
EXPECTED = {
    "websale": ['"loggedIn":true', '"addresses"'],
    "emporix": ["Optimistic locking failed", '"customerId"', "204"],
    "optimizely": [
        '"isAuthenticated":false',
        '"userName":"demo"',
        "The ship-to customer does not belong to the bill-to customer.",
        "The password has expired and must be changed.",
        "204",
        "Authorization has been denied for this request.",
        '"kind":"resetPassword"',
    ],
    "zest": [
        'totalResults="42" totalResultsReturned="2"',
        'totalItems="2" totalQuantity="4"',
        "<quantity>2</quantity><subtotal>49.9</subtotal>",
        '<Country code="NZ" selected="1">',
        'code="unknownSku"',
        'code="unsafeXml"',
        'code="keyNotAllowed"',
    ],
}


def _session(contract: str) -> str:
    section = README.split(f"(`--contract {contract}`)", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"the README's {contract} section has no shell block"
    return block.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed (.ci/run installs it)")
@pytest.mark.parametrize("contract", sorted(EXPECTED))
def test_the_readme_session_works_as_written(contract: str) -> None:
    with running_mock(ServerConfig(port=0, log_level="error"), contract=contract) as mock:
        address = mock.base_url.removeprefix("http://")
        script = _session(contract).replace("127.0.0.1:8080", address).replace("localhost:8080", address)
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
    assert run.returncode == 0, run.stderr
    for expected in EXPECTED[contract]:
        assert expected in run.stdout, f"{expected!r} is not in what the session printed:\n{run.stdout}"
