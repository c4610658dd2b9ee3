"""`storefront-kit proxy`: run the validation proxy in front of a real backend."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import uvicorn

from conformance.proxy import DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, VIOLATIONS_HEADER, ProxyConfig, create_proxy
from storefront_kit import registry
from storefront_kit.journal import DEFAULT_SIZE

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def build_parser(prog: str = "storefront-kit proxy") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Forward every request to a real backend unchanged and judge request and answer against "
        f"the contract: violations are logged, added to the answer as {VIOLATIONS_HEADER} and kept in the "
        "journal at /__mock/requests.",
    )
    parser.add_argument(
        "--contract",
        default=registry.default_contract(),
        metavar="NAME",
        help=f"the contract to judge by: {', '.join(registry.contract_names())} (default {registry.default_contract()})",
    )
    parser.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="the backend, e.g. https://shop.example.com; each request's path is appended to it unchanged",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port to bind (default 8090)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="answer 502 with the violations instead of an answer that breaks the contract (for CI)",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"longest wait for the backend's whole answer before a 502 (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help=f"largest request or answer body forwarded (default {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--journal-size",
        type=int,
        default=DEFAULT_SIZE,
        metavar="N",
        help=f"exchanges the journal keeps (default {DEFAULT_SIZE})",
    )
    parser.add_argument("--controls-token", help="require this X-Mock-Token for the journal at /__mock")
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "storefront-kit proxy") -> int:
    args = build_parser(prog).parse_args(argv)
    if args.contract not in registry.contract_names():
        print(
            f"error: no contract named {args.contract}; use one of: {', '.join(registry.contract_names())}",
            file=sys.stderr,
        )
        return 2
    if args.upstream_timeout <= 0 or args.max_body_bytes < 1 or args.journal_size < 1:
        print("error: --upstream-timeout, --max-body-bytes and --journal-size must be positive", file=sys.stderr)
        return 2
    config = ProxyConfig(
        contract=args.contract,
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        strict=args.strict,
        upstream_timeout=args.upstream_timeout,
        max_body_bytes=args.max_body_bytes,
        log_level=args.log_level,
        controls_token=args.controls_token,
        journal_size=args.journal_size,
    )
    try:
        app = create_proxy(config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    print(
        f"{'Proxy':<21}{config.base_url} -> {args.upstream.rstrip('/')} ({config.contract}"
        f"{', strict' if config.strict else ''})",
        flush=True,
    )
    print(f"{'Dashboard':<21}{config.base_url}/__mock/", flush=True)
    print(f"{'Journal':<21}{config.base_url}/__mock/requests", flush=True)
    access_log = config.log_level in ("info", "debug")
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level, access_log=access_log)
    return 0
