"""Login throttling per account and per client address, and its expiry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error


def _login(api: Api, email: str, password: str, client: str = "203.0.113.7") -> int:
    response = api.call(
        "login",
        session=api.new_session(),
        json={"id": email, "password": password},
        headers={"X-Forwarded-For": f"{client}, 10.0.0.1"},
    )
    return response.status_code


def test_account_is_blocked_after_the_configured_failures_even_for_the_right_password(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 3, "accountBlockSeconds": 30})
    assert [_login(api, DEMO_EMAIL, "Wrong-Password-1") for _ in range(3)] == [401, 401, 401]
    response = api.call("login", session=api.new_session(), json={"id": "Demo@Example.com", "password": DEMO_PASSWORD})
    assert_error(response, 429, "loginBlocked")
    assert 1 <= int(response.headers["Retry-After"]) <= 30


def test_account_block_ends_after_its_time(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 2, "accountBlockSeconds": 600})
    for _ in range(2):
        _login(api, DEMO_EMAIL, "Wrong-Password-1")
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 429
    api.advance_clock(599)
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 429
    api.advance_clock(2)
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 200


def test_failures_older_than_the_window_are_forgotten(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 2, "windowSeconds": 600})
    _login(api, DEMO_EMAIL, "Wrong-Password-1")
    api.advance_clock(601)
    _login(api, DEMO_EMAIL, "Wrong-Password-1")
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 200


def test_client_address_is_blocked_across_accounts(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 100, "ipMaxFailures": 3, "ipBlockSeconds": 30})
    for n in range(3):
        _login(api, f"guess{n}@example.com", "Wrong-Password-1")
    response = api.call(
        "login",
        session=api.new_session(),
        json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert_error(response, 429, "ipAddressBlocked")
    assert int(response.headers["Retry-After"]) >= 1
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD, client="198.51.100.1") == 200


def test_address_block_ends_after_its_time(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 100, "ipMaxFailures": 2, "ipBlockSeconds": 600})
    for n in range(2):
        _login(api, f"guess{n}@example.com", "Wrong-Password-1")
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 429
    api.advance_clock(599)
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 429
    api.advance_clock(2)
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 200


def test_register_is_refused_while_the_client_address_is_blocked(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 100, "ipMaxFailures": 1, "ipBlockSeconds": 30})
    _login(api, "guess@example.com", "Wrong-Password-1")
    blocked = api.call(
        "register",
        session=api.new_session(),
        json={"email": "n@example.com", "password": "Register-Pass-1"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert_error(blocked, 429, "loginBlocked")
    assert "Retry-After" in blocked.headers
    elsewhere = api.call(
        "register",
        session=api.new_session(),
        json={"email": "n@example.com", "password": "Register-Pass-1"},
        headers={"X-Forwarded-For": "198.51.100.2"},
    )
    assert elsewhere.status_code == 200


def test_successful_login_clears_the_accounts_failures(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 2})
    _login(api, DEMO_EMAIL, "Wrong-Password-1")
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 200
    _login(api, DEMO_EMAIL, "Wrong-Password-1")
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 200


def test_parallel_guesses_never_get_more_tries_than_the_limit(api: Api) -> None:
    api.change_settings(loginThrottle={"accountMaxFailures": 3, "accountBlockSeconds": 30, "ipMaxFailures": 100})
    sessions = [api.new_session() for _ in range(12)]

    def guess(session: str) -> httpx.Response:
        return api.call("login", session=session, json={"id": DEMO_EMAIL, "password": "Wrong-Password-1"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(guess, sessions))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * 3 + [429] * 9
    for answer in answers:
        if answer.status_code == 429:
            assert_error(answer, 429, "loginBlocked")
            assert int(answer.headers["Retry-After"]) >= 1
    # The three failures block the account, whatever their order.
    assert _login(api, DEMO_EMAIL, DEMO_PASSWORD) == 429
