"""The files the package ships: one contract and one fixture file per vendor, found by vendor name.

In the repository they live in the top-level `contracts/` and `fixtures/` folders (a file there may
be a link to one kept elsewhere, such as the top-level `openapi.yaml`); the package reaches them
through links, so an installed wheel carries copies at the same places.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def contract_file(name: str) -> Path:
    """The contract of vendor `name`."""
    return _HERE / "contracts" / f"{name}.yaml"


def fixture_file(name: str) -> Path:
    """The bundled fixture file of vendor `name`."""
    return _HERE / "fixtures" / f"{name}.yaml"
