"""The `storefront-kit` command: `serve` runs the mock, `check` runs the conformance kit."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

USAGE = """usage: storefront-kit {serve,check,contracts} [options]

  serve       run the stateful mock (storefront-kit serve --help)
  check       run the conformance kit against a backend (storefront-kit check --help)
  contracts   list the contracts this installation serves and checks
  --version   print the version
"""
DISTRIBUTION = "storefront-contract-kit"


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def list_contracts() -> int:
    from storefront_kit import registry

    rows = [registry.describe(name) for name in registry.contract_names()]
    print(f"{'name':<12}{'operations':>11}  {'mock':<5}{'check':<6}{'paths':<40}title")
    for row in rows:
        print(f"{row.name:<12}{row.operations:>11}  {'yes' if row.mock else 'no':<5}{'yes' if row.kit else 'no':<6}"
              f"{' '.join(row.path_prefixes):<40}{row.title}")
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
    if command == "check":
        try:
            from conformance.cli import main as check
        except ImportError as exc:
            print(f"storefront-kit check is not available: the conformance kit cannot be imported ({exc}).", file=sys.stderr)
            return 2
        return int(check(rest) or 0)
    print(f"storefront-kit: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
