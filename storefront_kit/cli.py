"""The `storefront-kit` command: `serve` runs the mock, `check` runs the conformance kit."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: storefront-kit {serve,check} [options]

  serve   run the stateful mock (storefront-kit serve --help)
  check   run the conformance kit against a backend (storefront-kit check --help)
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
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
