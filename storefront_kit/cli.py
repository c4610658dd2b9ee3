"""The `storefront-kit` command: `serve` runs the mock, `check` runs the conformance kit, `proxy` judges a
real backend's traffic."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

USAGE = """usage: storefront-kit {serve,check,init-target,proxy,contracts} [options]

  serve        run the stateful mock (storefront-kit serve --help)
  check        run the conformance kit against a backend (storefront-kit check --help)
  init-target  write a commented starter target file for check (storefront-kit init-target --help)
  proxy        forward traffic to a backend and judge it against the contract (storefront-kit proxy --help)
  contracts    list the contracts this installation serves and checks
  --version    print the version
"""
DISTRIBUTION = "storefront-contract-kit"
# The commands of the conformance kit, which a mock-only installation may lack: each module's main().
KIT_COMMANDS = {"check": "conformance.cli", "init-target": "conformance.init_target", "proxy": "conformance.proxy_cli"}


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def list_contracts() -> int:
    from storefront_kit import registry

    rows = [registry.describe(name) for name in registry.contract_names()]
    table = [("name", "operations", "serve", "check", "paths", "title")] + [
        (
            row.name,
            str(row.operations),
            "yes" if row.mock else "no",
            "yes" if row.kit else "no",
            " ".join(row.path_prefixes),
            row.title,
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(5)]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[5])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in ("--version", "-V"):
        print(f"storefront-kit {package_version()}")
        return 0
    if command == "contracts":
        return list_contracts()
    if command == "serve":
        from mock_server.cli import main as serve

        return serve(rest, prog="storefront-kit serve")
    if command in KIT_COMMANDS:
        try:
            run_command = importlib.import_module(KIT_COMMANDS[command]).main
        except ImportError as exc:
            print(
                f"storefront-kit {command} is not available: the conformance kit cannot be imported ({exc}).",
                file=sys.stderr,
            )
            return 2
        return int(run_command(rest) or 0)
    print(f"storefront-kit: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
