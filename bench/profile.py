"""Profile the mock under the benchmark's mix with py-spy, and rank where its time goes.

    .venv/bin/python bench/profile.py [--duration 15] [--connections 32]

Starts the mock as `bench/run.py` does (one worker, memory store, validation on), loads it with
the same wrk mix, samples it with py-spy (`pip install -e '.[bench]'`), and prints the hottest
functions and the share of each cost family. The raw stacks go to bench/results/profile.txt.
py-spy needs ptrace rights: root, or `kernel.yama.ptrace_scope=0`.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from _load import MIX_SCRIPT, WRK_MISSING, find_wrk
from _procs import LOAD_CPU, pinned, wait_ready
from _targets import mock_target

# Cost families, judged by the innermost frame of a sample that matches one (first rule wins at
# that frame). The context rules split validation and copies by who asked for them.
FAMILIES: list[tuple[str, str, str | None]] = [
    ("argon2 (failed logins)", r"argon2/", None),
    ("deep copies in the store", r"\(copy\.py", r"mock_server/store/"),
    ("deep copies elsewhere", r"\(copy\.py", None),
    (
        "response validation (jsonschema)",
        r"jsonschema/|referencing/|connexion/json_schema\.py",
        r"ResponseValidationOperation|ResponseBodyValidator",
    ),
    (
        "request validation (jsonschema)",
        r"jsonschema/|referencing/|connexion/json_schema\.py",
        r"RequestValidationOperation|RequestBodyValidator|ContractBodyValidator|validators/parameter",
    ),
    # Without pausing the process py-spy sometimes reads only the innermost frames of a stack.
    ("JSON-schema validation, caller not sampled", r"jsonschema/|referencing/|connexion/json_schema\.py", None),
    ("JSON encode/decode", r"\(json/", None),
    (
        "Connexion per-request introspection (inspect, typing)",
        r"\(inspect\.py|inspect_function_arguments|\(typing\.py",
        None,
    ),
    (
        "Connexion per-request spec lookups (content types, params)",
        r"extract_content_type|MediaTypeDict|fnmatch|body_definition|_infer_content_type|uri_parser|snake_and_shadow",
        None,
    ),
    ("mock code (handlers, domain, store, middleware)", r"mock_server/", None),
    ("Connexion, other", r"connexion/", None),
    ("Starlette", r"starlette/", None),
    ("uvicorn, httptools, event loop", r"uvicorn/|httptools|asyncio/|uvloop", None),
]
_LINE = re.compile(r":\d+\)$")
# Leaves of threads that only wait: the thread pool's idle workers.
_IDLE_LEAVES = re.compile(r"threading\.py|concurrent/futures/thread\.py")
# The event loop's own idle time shows as its Python caller with nothing above it.
_LOOP_IDLE = re.compile(r"^Runner\.run \(|^run_until_complete \(|^asyncio_run \(")


def _frames(stack: str) -> list[str]:
    return [_LINE.sub(")", frame) for frame in stack.split(";")]


def _family(frames: list[str]) -> str:
    for depth in range(len(frames) - 1, -1, -1):
        for name, pattern, context in FAMILIES:
            if re.search(pattern, frames[depth]) and (
                context is None or any(re.search(context, f) for f in frames[:depth])
            ):
                return name
    return "other"


def summarise(raw: Path, top: int) -> str:
    """Inclusive and self shares of the hottest functions, and of each cost family."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    families: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        samples = int(count)
        frames = _frames(stack)
        if _IDLE_LEAVES.search(frames[-1]):
            continue
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
        families["event loop idle" if _LOOP_IDLE.match(frames[-1]) else _family(frames)] += samples
    if not total:
        return "no samples"
    site = re.compile(r"\(.*?(site-packages/|lib/python3\.\d+/|/work/main/)")

    def short(frame: str) -> str:
        return site.sub("(", frame)

    lines = [f"{total} busy samples (idle pool threads left out)", "", "cost family | share", "---|---:"]
    lines += [f"{name} | {100 * n / total:.1f}%" for name, n in families.most_common()]
    lines += ["", "self time | function", "---:|---"]
    lines += [f"{100 * n / total:.1f}% | {short(f)}" for f, n in own.most_common(top)]
    interesting = [
        (f, n)
        for f, n in inclusive.most_common()
        if "mock_server/" in f
        or "copy.py" in f
        or "jsonschema/" in f
        or "validators/" in f
        or "argon2" in f
        or "decorators/" in f
    ]
    lines += ["", "inclusive | function (mock code, validation, copies, decorators)", "---:|---"]
    lines += [f"{100 * n / total:.1f}% | {short(f)}" for f, n in interesting[:top]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile the mock under the benchmark mix with py-spy.")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of sampling (default 15)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "profile.txt")
    parser.add_argument("--summarise", type=Path, help="only summarise an existing raw profile")
    args = parser.parse_args()
    if args.summarise:
        print(summarise(args.summarise, args.top))
        return 0
    wrk = find_wrk(None)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if wrk is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    if not Path(py_spy).exists():
        print("py-spy is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="storefront-profile-") as tmp:
        target = mock_target(Path(tmp))
        target.server.start()
        try:
            if not wait_ready(target.server, target.base_url, 60):
                print(f"the mock did not start:\n{target.server.log_tail()}", file=sys.stderr)
                return 1
            session = target.session()
            env = {
                "BENCH_BASE": target.base_path,
                "BENCH_SESSION": session.reader,
                "BENCH_WRITER": session.writer,
                "BENCH_ANON": session.anon,
            }
            load = subprocess.Popen(
                pinned(
                    [
                        wrk,
                        "-t1",
                        f"-c{args.connections}",
                        f"-d{round(args.duration + 4)}s",
                        "--timeout",
                        "5s",
                        "-s",
                        str(MIX_SCRIPT),
                        target.url,
                    ],
                    LOAD_CPU,
                ),
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(2)  # past the first requests' imports and caches
            args.out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                pinned(
                    [
                        py_spy,
                        "record",
                        "--pid",
                        str(target.server.pid),
                        "--duration",
                        str(round(args.duration)),
                        "--rate",
                        str(args.rate),
                        "--nonblocking",
                        "--format",
                        "raw",
                        "--output",
                        str(args.out),
                    ],
                    LOAD_CPU,
                ),
                check=True,
                capture_output=True,
            )
            output, _ = load.communicate(timeout=60)
            rps = next((ln for ln in output.splitlines() if ln.startswith("Requests/sec")), "")
            # --nonblocking samples without pausing the mock, so the load it sees stays realistic.
            print(f"under profile: {rps.strip()} (py-spy slows the mock; the shares are what count)")
        finally:
            target.server.stop()
    print(summarise(args.out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
