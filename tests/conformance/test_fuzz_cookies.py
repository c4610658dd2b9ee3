"""The fuzz phase sends only cookie values that reach the backend as generated.

A value with a `;` or outer blanks arrives as another, shorter one: Optimizely's `SessionId`
cookie generated too long to break its `maxLength` (`a;bbb...`) reaches the mock as `a`, which it
rightly accepts, and Schemathesis took that for a schema-violating request accepted.
"""

from __future__ import annotations

import pytest

from conformance.fuzz import carried_by_cookie_header
from conformance.runner import run
from conformance.target import load_target
from mock_server.app import create_app
from mock_server.config import ServerConfig


@pytest.mark.parametrize(
    ("cookies", "carried"),
    [
        (None, True),
        ({}, True),
        ({"SessionId": "Lw3vR9tQk2ZxB7nHc5YpJ1sMf8GdUe4AoTi6XbNq0Kr"}, True),
        ({"SessionId": "x" * 300}, True),  # too long, and arrives too long: the backend must refuse it
        ({"SessionId": "Og>;RH" + "}" * 300}, False),  # arrives as `Og>`
        ({"SessionId": "a" + " " * 300}, False),  # arrives as `a`
        ({"SessionId": " a"}, False),
        ({"SessionId": 12}, True),
    ],
)
def test_a_cookie_value_is_sent_only_when_the_header_carries_it_whole(
    cookies: dict[str, object] | None, carried: bool
) -> None:
    assert carried_by_cookie_header(cookies) is carried


@pytest.mark.timeout(120)
def test_fuzzing_the_session_cookie_finds_no_failure_on_the_mock() -> None:
    """Seed 2 generated `SessionId=Og>;RH}}}...` for signOut before such values were left out."""
    for seed in range(4):
        app = create_app(ServerConfig(contracts=("optimizely",), log_level="error"))
        result = run(
            load_target(None, "optimizely"),
            "http://testserver",
            contract="optimizely",
            app=app,
            seed=seed,
            max_examples=20,
            phases=("fuzz",),
            focus=["signOut"],
        )
        assert result.unreachable is None, result.unreachable
        assert [failure.message for failure in result.failures] == [], seed
        assert {item.operation_id: item.cases > 0 for item in result.fuzz} == {"signOut": True}, seed
