"""`storefront-kit serve` / `python -m mock_server`: run the mock with uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import socket
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mock_server.config import ServerConfig
from mock_server.store import is_shared
from storefront_kit import registry
from storefront_kit.journal import DEFAULT_SIZE

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# How `--workers N` hands the configuration to the worker processes uvicorn spawns.
WORKER_CONFIG_ENV = "STOREFRONT_MOCK_WORKER_CONFIG"


def build_parser(prog: str = "storefront-kit serve") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Run the stateful storefront mock.")
    parser.add_argument(
        "--contract",
        action="append",
        dest="contracts",
        metavar="NAME",
        help=f"contract to serve at its vendor's real paths: {', '.join(registry.contract_names())}, or all;"
        f" repeat for several (default {registry.default_contract()})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    parser.add_argument(
        "--fd",
        type=int,
        metavar="N",
        help="serve on the listening TCP socket inherited as file descriptor N instead of binding --host/--port"
        " (a supervisor's socket, or a test's that keeps its port bound)",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        help="fixture YAML file of the one served contract (default: the bundled fixtures/<contract>.yaml)",
    )
    parser.add_argument("--seed", type=int, help="Faker seed; overrides the fixture file's")
    parser.add_argument("--locale", help="Faker locale such as de_DE; overrides the fixture file's")
    parser.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="allowed CORS origin; repeat for several (default: any origin)",
    )
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    parser.add_argument(
        "--no-validate-responses", action="store_true", help="skip checking answers against the contract (faster)"
    )
    parser.add_argument(
        "--no-fast-path",
        action="store_true",
        help="answer every request through Connexion's full stack (same answers, slower; for comparison)",
    )
    parser.add_argument("--no-controls", action="store_true", help="switch off /__mock and the X-Mock-* headers")
    parser.add_argument("--controls-token", help="require this X-Mock-Token for /__mock and the X-Mock-* headers")
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="do not record the exchanges for /__mock/requests (saves about 8 µs of CPU per request)",
    )
    parser.add_argument(
        "--journal",
        choices=("memory", "store"),
        default="memory",
        help="where the journal lives: each worker's memory (default), or the --state store, shared by the workers",
    )
    parser.add_argument(
        "--journal-size",
        type=_positive,
        default=DEFAULT_SIZE,
        metavar="N",
        help="exchanges the journal keeps, per worker process (default %(default)s)",
    )
    parser.add_argument("--state", default="memory", help="state backend URL (default: memory)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1); more need a shared --state: sqlite:///FILE or redis://HOST:PORT/DB",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        metavar="N",
        help="largest accepted request body (default: each contract's maxBodyBytes)",
    )
    return parser


def _positive(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def contracts_from_args(names: list[str] | None) -> tuple[str, ...]:
    """The contracts `--contract` names, `all` meaning every installed one; in the order given."""
    if not names:
        return (registry.default_contract(),)
    chosen: list[str] = []
    for name in names:
        for each in registry.contract_names() if name == "all" else [name]:
            if each not in chosen:
                chosen.append(each)
    return tuple(chosen)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        contracts=contracts_from_args(args.contracts),
        host=args.host,
        port=args.port,
        fixtures=args.fixtures,
        seed=args.seed,
        locale=args.locale,
        cors_origins=tuple(args.cors_origins or ("*",)),
        validate_responses=not args.no_validate_responses,
        fast_path=not args.no_fast_path,
        state=args.state,
        controls=not args.no_controls,
        controls_token=args.controls_token,
        journal=not args.no_journal,
        journal_size=args.journal_size,
        journal_in_store=args.journal == "store",
        max_body_bytes=args.max_body_bytes,
        log_level=args.log_level,
    )


def main(argv: Sequence[str] | None = None, prog: str = "storefront-kit serve") -> int:
    args = build_parser(prog).parse_args(argv)
    if args.fd is not None:
        try:
            args.host, args.port = _listening_address(args.fd)
        except (OSError, ValueError) as exc:
            print(f"error: --fd {args.fd}: {exc}", file=sys.stderr)
            return 2
    config = config_from_args(args)
    unknown = [name for name in config.contracts if name not in registry.contract_names()]
    if unknown:
        print(
            f"error: no contract named {', '.join(unknown)}; use one of: {', '.join(registry.contract_names())}",
            file=sys.stderr,
        )
        return 2
    if config.fixtures is not None and len(config.contracts) > 1:
        print("error: --fixtures belongs to one contract; serve one contract to use it", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not is_shared(config.state):
        print(
            f"error: --workers {args.workers} needs a --state that worker processes share, such as"
            f" sqlite:///mock.db (one machine) or redis://127.0.0.1:6379/0; {config.state!r} lives inside one process.",
            file=sys.stderr,
        )
        return 2
    _configure_logging(config.log_level)

    with _built_objects_frozen():
        import uvicorn

        from mock_server.app import create_app
        from mock_server.common.fixtures import FixtureError

        try:
            app = create_app(config, on_ready=_freeze_what_start_up_built)
        except (FixtureError, ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for label, value in banner(config, app.runtime.banner()):
        print(f"{label:<21}{value}", flush=True)
    # uvicorn formats every access-log line before the logger drops it; below `info` none is shown.
    access_log = config.log_level in ("info", "debug")
    if args.fd is not None:
        return _serve_inherited(args.fd, app, args.workers, config, access_log)
    if args.workers > 1:
        # Each worker process builds its own app from the same configuration (worker_app).
        os.environ[WORKER_CONFIG_ENV] = json.dumps(asdict(config), default=str)
        uvicorn.run(
            "mock_server.cli:worker_app",
            factory=True,
            workers=args.workers,
            host=config.host,
            port=config.port,
            log_level=config.log_level,
            access_log=access_log,
        )
    else:
        uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level, access_log=access_log)
    return 0


def _serve_inherited(fd: int, app: Any, workers: int, config: ServerConfig, access_log: bool) -> int:
    """Serve on the inherited listening socket `fd`, as `uvicorn.run` serves on a socket it binds.

    Not uvicorn's own `fd=`: it takes the descriptor for a Unix socket, so accepted TCP connections
    would get no TCP_NODELAY (every answer waits on delayed ACKs) and no client address.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    sock = socket.socket(fileno=fd)  # the family and type read from the descriptor itself
    options: dict[str, Any] = {"log_level": config.log_level, "access_log": access_log}
    if workers > 1:
        os.environ[WORKER_CONFIG_ENV] = json.dumps(asdict(config), default=str)
        multi = uvicorn.Config("mock_server.cli:worker_app", factory=True, workers=workers, **options)
        Multiprocess(multi, sockets=[sock]).run()
        return 0
    server = uvicorn.Server(uvicorn.Config(app, **options))
    server.run(sockets=[sock])
    return 0 if server.started else 1


def _listening_address(fd: int) -> tuple[str, int]:
    """The host and port of the listening TCP socket `fd` (what the banner and the base URLs show)."""
    with socket.socket(fileno=os.dup(fd)) as sock:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
            raise ValueError("not a TCP socket")
        host, port = sock.getsockname()[:2]
        return str(host), int(port)


def banner(config: ServerConfig, vendor_lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What `serve` prints: each contract's API and docs, the controls, the vendors' demo data."""
    lines = []
    for name in config.contracts:
        contract = registry.contract(name)
        base = config.base_url + contract.base_path
        paths = contract.path_prefixes if not contract.base_path else ("",)
        lines.append((f"{name} API", "  ".join(base + path for path in paths)))
        lines.append(("  API docs (Swagger)", f"{base}/ui/"))
    if config.controls:
        lines.append(("Dashboard", f"{config.base_url}/__mock/"))
        lines.append(("Mock controls", f"{config.base_url}/__mock/ui/"))
    return lines + vendor_lines


def _freeze_what_start_up_built() -> None:
    """Once seeded, freeze the objects the app lives with, process-wide: this is the CLI's process.

    The parsed contracts, Connexion's routes and validators live as long as the server: frozen,
    they are no longer scanned by every full collection, which otherwise lands as a pause in some
    request's latency.
    """
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def _built_objects_frozen() -> Iterator[None]:
    """Pause the garbage collector while the app is built, then freeze what was built.

    Start-up creates ~100,000 objects that live as long as the server (modules, the parsed
    contract, Connexion's routes and validators). Collections while they are built keep finding
    nothing to free and took about a tenth of the time to the first answer; frozen, later
    collections skip them. The few thousand objects of start-up garbage are frozen with them.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def worker_app() -> Any:
    """The app of one `--workers` process, from the configuration `main` put in the environment."""
    data = json.loads(os.environ[WORKER_CONFIG_ENV])
    fixtures = data.pop("fixtures")
    config = ServerConfig(
        **{
            **data,
            "fixtures": None if fixtures is None else Path(fixtures),
            "cors_origins": tuple(data["cors_origins"]),
            "contracts": tuple(data["contracts"]),
        }
    )
    _configure_logging(config.log_level)
    with _built_objects_frozen():
        from mock_server.app import create_app

        return create_app(config, on_ready=_freeze_what_start_up_built)


if __name__ == "__main__":
    raise SystemExit(main())


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # Connexion imports Starlette's test client at start-up, which only warns about itself.
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    # Connexion notes on every request that a body may come in several media types (an XML body
    # as `application/xml` or `text/xml`): a fact of the contract, not news.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
