"""The documentation names what the kit runs: every scenario of every contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.scenarios import scenarios_for
from storefront_kit import registry

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "conformance.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", registry.contract_names())
def test_every_scenario_is_listed_with_its_summary(name: str) -> None:
    section = DOCS.split(f"#### `{name}`", 1)[1].split("####", 1)[0]
    for scenario in scenarios_for(registry.kit_profile(name).scenarios, registry.contract(name)):
        assert f"| `{scenario.name}` | {scenario.description} |" in section, scenario.name
