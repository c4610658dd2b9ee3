"""The kit lends its XML readers to Schemathesis only for the time of a fuzz run."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.core import deserialization

from conformance import fuzz
from conformance.deserializers import read_xml_answer
from conformance.runner import run
from conformance.target import bundled_mock_target, load_target
from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

CONTRACT = registry.contract("zest")
XML_TYPES = ("application/xml", "text/xml")


def _host_reader(ctx: Any, response: Any) -> Any:
    """A deserializer the host process registered for itself."""
    return None


def _fuzz_once(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One small in-process fuzz run of the ZEST mock; the XML readers registered while it ran."""
    during: dict[str, Any] = {}
    original = fuzz._fuzz

    def spying(*args: Any, **kwargs: Any) -> None:
        during.update({media_type: deserialization._DESERIALIZERS.get(media_type) for media_type in XML_TYPES})
        original(*args, **kwargs)

    monkeypatch.setattr(fuzz, "_fuzz", spying)
    app = create_app(ServerConfig(port=0, contracts=("zest",), log_level="error"))
    result = run(
        load_target(bundled_mock_target(CONTRACT), CONTRACT),
        f"http://testserver{CONTRACT.base_path}",
        contract=CONTRACT,
        phases=("fuzz",),
        operations=["getCart"],
        max_examples=2,
        app=app,
    )
    assert result.unreachable is None
    assert sum(item.cases for item in result.fuzz) > 0
    return during


def test_a_fuzz_run_leaves_no_xml_reader_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    for media_type in XML_TYPES:
        monkeypatch.delitem(deserialization._DESERIALIZERS, media_type, raising=False)
    during = _fuzz_once(monkeypatch)
    assert during == dict.fromkeys(XML_TYPES, read_xml_answer)
    assert not set(XML_TYPES) & set(deserialization._DESERIALIZERS)


def test_a_fuzz_run_gives_the_host_its_own_reader_back(monkeypatch: pytest.MonkeyPatch) -> None:
    for media_type in XML_TYPES:
        monkeypatch.setitem(deserialization._DESERIALIZERS, media_type, _host_reader)
    during = _fuzz_once(monkeypatch)
    assert during == dict.fromkeys(XML_TYPES, read_xml_answer)
    assert {media_type: deserialization._DESERIALIZERS[media_type] for media_type in XML_TYPES} == dict.fromkeys(
        XML_TYPES, _host_reader
    )
