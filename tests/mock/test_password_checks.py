"""Password checks: identical checks under way share one argon2 run, and nothing outlives it."""

from __future__ import annotations

import asyncio

import pytest

from mock_server.common import passwords

RIGHT = "Right-Password-1"
WRONG = "Wrong-Password-1"


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return passwords.hash_password(RIGHT)


@pytest.fixture
def argon2_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords argon2 actually checked, in order."""
    runs: list[str] = []
    real = passwords.verify_password

    def counted(stored: str, password: str) -> bool:
        runs.append(password)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counted)
    return runs


def test_identical_checks_under_way_share_one_run(stored_hash: str, argon2_runs: list[str]) -> None:
    async def main() -> list[bool]:
        return await asyncio.gather(
            *(passwords.verify_password_async(stored_hash, WRONG) for _ in range(4)),
            passwords.verify_password_async(stored_hash, RIGHT),
        )

    assert asyncio.run(main()) == [False, False, False, False, True]
    assert sorted(argon2_runs) == sorted([WRONG, RIGHT])


def test_a_finished_check_is_not_remembered(stored_hash: str, argon2_runs: list[str]) -> None:
    async def main() -> list[bool]:
        first = await passwords.verify_password_async(stored_hash, WRONG)
        second = await passwords.verify_password_async(stored_hash, WRONG)
        return [first, second]

    assert asyncio.run(main()) == [False, False]
    assert argon2_runs == [WRONG, WRONG]
    assert not passwords._UNDER_WAY


def test_a_cancelled_waiter_leaves_the_others_answer(stored_hash: str, argon2_runs: list[str]) -> None:
    async def main() -> bool:
        leaving = asyncio.ensure_future(passwords.verify_password_async(stored_hash, RIGHT))
        staying = asyncio.ensure_future(passwords.verify_password_async(stored_hash, RIGHT))
        await asyncio.sleep(0)
        leaving.cancel()
        return await staying

    assert asyncio.run(main()) is True
    assert argon2_runs == [RIGHT]
