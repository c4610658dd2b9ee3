"""The mock with N idle sessions already live, for the memory and lookup-growth measurement.

Sessions are created through the mock's own session service before the server starts, so they
are stored exactly as `POST /session/create` stores them, without N HTTP round trips.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def seed(app: object, count: int) -> float:
    """Create `count` anonymous sessions; seconds taken."""
    runtime = app.runtime  # type: ignore[attr-defined]
    await runtime.ensure_seeded()
    started = time.perf_counter()
    create = runtime.state("websale").shop.sessions.create
    for _ in range(count):
        await create()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn

    from mock_server.app import create_app
    from mock_server.config import ServerConfig

    config = ServerConfig(port=args.port, log_level="warning")
    app = create_app(config)
    seconds = asyncio.run(seed(app, args.sessions))
    # Garbage left by seeding would otherwise count as memory per session.
    gc.collect()
    print(f"seeded {args.sessions} sessions in {seconds:.1f} s", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level)


if __name__ == "__main__":
    main()
