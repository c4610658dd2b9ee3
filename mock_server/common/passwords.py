"""Password hashing with argon2id."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the cheapest of OWASP's equivalent minimum profiles (7 MiB, 5 passes, 1 lane;
# the others are 19 MiB/2, 12 MiB/3, 9 MiB/4): the same strength, but the smallest memory
# footprint stays in cache and measured ~20% faster per hash and verify than 19 MiB/2 here
# (~15 ms), which shortens the seeding at start-up and the bursts of verifies a throttle window
# opens with. The hashes stay real argon2id; verification reads the parameters from the hash.
_HASHER = PasswordHasher(time_cost=5, memory_cost=7168, parallelism=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# argon2 releases the GIL: in a worker thread a hash or verify never stalls the event loop. One
# thread for all of them: on a busy core each extra hashing thread takes an equal share of the CPU
# from the event loop, so the verifies a throttle window lets through at once (up to
# `accountMaxFailures`) would slow every other request several times over instead of halving
# its speed for a moment.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password)


# Checks under way, by event loop, stored hash and password. A check asked for again while the same
# one runs (a double-submitted form, a client retrying in parallel) waits for that one's answer
# instead of queueing a second argon2 run behind it. Nothing is kept once a check has finished:
# a later attempt, right or wrong, is always checked afresh.
_UNDER_WAY: dict[tuple[asyncio.AbstractEventLoop, str, str], asyncio.Future[bool]] = {}


async def verify_password_async(stored_hash: str, password: str) -> bool:
    loop = asyncio.get_running_loop()
    key = (loop, stored_hash, password)
    check = _UNDER_WAY.get(key)
    if check is None:
        check = loop.run_in_executor(_HASHING, verify_password, stored_hash, password)
        _UNDER_WAY[key] = check
        check.add_done_callback(lambda _: _UNDER_WAY.pop(key, None))
    # A waiter that is cancelled (its client went away) must not cancel the others' answer.
    return await asyncio.shield(check)


class FixtureHashes:
    """Fixture passwords hashed from the moment the fixtures are read.

    argon2 releases the GIL, so distinct passwords hash in parallel, and all of it runs on other
    cores while Connexion reads the contract; seeding then only waits for what is left.
    """

    def __init__(self, passwords: Iterable[str]) -> None:
        pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fixture-hashes")
        self._hashes: dict[str, Future[str]] = {
            password: pool.submit(hash_password, password) for password in set(passwords)
        }
        pool.shutdown(wait=False)  # its threads end with the hashes

    async def resolved(self) -> dict[str, str]:
        """Each fixture password's hash."""
        return {password: await asyncio.wrap_future(hashed) for password, hashed in self._hashes.items()}
