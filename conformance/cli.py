"""`storefront-kit check`: run the conformance kit against a backend.

Exit codes: 0 conforms, 1 contract failures found, 2 usage or target-file error, 3 the target could
not be reached or kept failing at the network level.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.cassette import Cassette
from conformance.errors import ConfigError
from conformance.reporting import (
    PlainProgress,
    RichProgress,
    summary,
    write_junit,
    write_report,
)
from conformance.reporting.document import report_format
from conformance.results import EXIT_UNREACHABLE, EXIT_USAGE
from conformance.runner import DEFAULT_MAX_EXAMPLES, PHASES, run
from conformance.target import BUNDLED_MOCK_TARGET, load_target
from storefront_kit import registry

BASE_URL_ENV = "STOREFRONT_BASE_URL"
EXIT_INTERRUPTED = 130
TARGET_ENV = "STOREFRONT_TARGET"


def build_parser(prog: str = "storefront-kit check") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Prove that a backend keeps a storefront contract, error code by error code.",
        epilog="Exit codes: 0 conforms, 1 contract failures, 2 usage or target-file error, 3 target unreachable.",
    )
    parser.add_argument(
        "--contract",
        default=registry.default_contract(),
        metavar="NAME",
        help=f"the contract to check against: {', '.join(registry.contract_names())} "
        f"(default {registry.default_contract()}; storefront-kit contracts lists them)",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get(BASE_URL_ENV),
        help=f"API base as in the contract's servers, e.g. http://127.0.0.1:8080 and the contract's "
        f"base path (default: ${BASE_URL_ENV})",
    )
    parser.add_argument(
        "--target",
        default=os.environ.get(TARGET_ENV),
        help=f"target file (YAML) describing the backend; default: ${TARGET_ENV}, else the "
        f"bundled mock's ({BUNDLED_MOCK_TARGET})",
    )
    parser.add_argument(
        "--header",
        metavar="'NAME: VALUE'",
        action="append",
        default=[],
        help="a header sent on every request to the backend, e.g. a gateway key or Basic auth "
        "(repeatable; added to the target file's headers, its value masked in reports)",
    )
    parser.add_argument(
        "--junit", metavar="FILE", help="write JUnit XML (one test case per scenario and per fuzzed operation)"
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write a report with the coverage matrix and every failure; .md for Markdown, .html for HTML",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for generated data (default 0); the same seed gives the same run"
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"fuzz cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--phase", choices=(*PHASES, "all"), default="all", help="what to run (default all)")
    parser.add_argument(
        "--operation",
        metavar="ID",
        nargs="+",
        action="extend",
        help="check only these operation ids, for a backend that has only these (repeatable): "
        "a scenario that needs another operation is not covered, and nothing is sent to it",
    )
    parser.add_argument(
        "--focus",
        metavar="ID",
        nargs="+",
        action="extend",
        help="check only these operation ids' scenarios and fuzz cases, on a backend that has "
        "the others too: they may be called to set the flows up (repeatable)",
    )
    parser.add_argument(
        "--max-failures",
        type=int,
        metavar="N",
        help="stop after N failures; the summary says the run stopped early and what was not run",
    )
    parser.add_argument(
        "--checks",
        metavar="NAME",
        nargs="+",
        action="extend",
        help="make only these response checks, the kit's and Schemathesis' by name (repeatable); "
        "an unknown name lists them all",
    )
    parser.add_argument(
        "--exclude-checks",
        metavar="NAME",
        nargs="+",
        action="extend",
        default=[],
        help="do not make these response checks (repeatable); the report says which were off and why",
    )
    parser.add_argument(
        "--cassette",
        metavar="FILE",
        help="write every request the run sent and its answer to FILE, a VCR cassette (YAML) as Schemathesis "
        "writes one, scenarios and fuzz cases alike",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress lines, only the summary")
    return parser


_HEADER = re.compile(r"^([A-Za-z0-9-]+):[ \t]*(.*)$")


def merged_headers(configured: Mapping[str, str], options: Sequence[str]) -> dict[str, str]:
    """The target file's headers with those of `--header 'Name: value'` added; an option replaces a
    header of the same name (names compared case-blind)."""
    merged = dict(configured)
    for option in options:
        match = _HEADER.match(option)
        if match is None or not match.group(2).strip():
            raise ConfigError(f"--header {option!r}: give it as 'Name: value', e.g. 'X-Gateway-Key: abc123'")
        name, value = match.group(1), match.group(2).strip()
        merged = {key: old for key, old in merged.items() if key.lower() != name.lower()}
        merged[name] = value
    return merged


def check_output_path(option: str, location: str) -> None:
    """Fail before the run when an output file cannot be written: its folder missing or not writable,
    or the path a folder."""
    path = Path(location)
    folder = path.parent
    if path.is_dir():
        raise ConfigError(f"{option} {location}: is a folder; give a file name")
    if not folder.is_dir():
        raise ConfigError(f"{option} {location}: the folder {folder} does not exist; create it first")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as exc:
        raise ConfigError(f"{option} {location}: cannot write there ({exc.strerror})") from None


def main(argv: Sequence[str] | None = None, *, prog: str = "storefront-kit check") -> int:
    """Run the check; returns the exit code."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse: --help is 0, a usage error 2
        return int(exc.code or 0)
    try:
        if args.contract not in registry.contract_names():
            raise ConfigError(
                f"no contract named {args.contract!r}; use one of: {', '.join(registry.contract_names())}"
            )
        contract = registry.contract(args.contract)
        if not args.base_url:
            raise ConfigError(
                f"give --base-url (or set ${BASE_URL_ENV}), e.g. http://127.0.0.1:8080{contract.base_path}"
            )
        if not args.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"--base-url {args.base_url!r} must start with http:// or https://")
        if args.max_examples < 1:
            raise ConfigError("--max-examples must be at least 1")
        if args.report:
            report_format(args.report)
        for option, location in (("--junit", args.junit), ("--report", args.report), ("--cassette", args.cassette)):
            if location:
                check_output_path(option, location)
        target = load_target(args.target, contract)
        if args.header:
            target = dataclasses.replace(target, headers=merged_headers(target.headers, args.header))
        cassette = Cassette(secrets=target.secrets) if args.cassette else None
        phases = PHASES if args.phase == "all" else (args.phase,)
        progress = None
        if not args.no_progress:
            progress = RichProgress(sys.stderr) if sys.stderr.isatty() else PlainProgress(sys.stderr)
        try:
            result = run(
                target,
                args.base_url,
                contract=contract,
                seed=args.seed,
                phases=phases,
                operations=args.operation,
                focus=args.focus,
                max_examples=args.max_examples,
                listener=progress,
                max_failures=args.max_failures,
                checks=args.checks,
                exclude_checks=args.exclude_checks,
                cassette=cassette,
            )
        finally:
            if isinstance(progress, RichProgress):
                progress.close()
    except ConfigError as exc:
        print(f"storefront-kit check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("storefront-kit check: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(summary(result))
    try:
        if args.junit:
            write_junit(result, args.junit)
        if args.report:
            write_report(result, args.report)
        if cassette is not None:
            cassette.write(
                args.cassette,
                command=" ".join([prog, shlex.join(sys.argv[1:] if argv is None else argv)]),
                seed=args.seed,
            )
    except OSError as exc:  # checked before the run; the file system changed since
        print(f"storefront-kit check: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_UNREACHABLE if result.unreachable else result.exit_code
