"""Starting, probing and stopping the servers under test: free ports, CPU pinning, RSS."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# wrk gets the first core, the server the second, so neither steals the other's time; on a
# one-core machine (or without taskset) nothing is pinned and the figures say so.
LOAD_CPU = "0"
SERVER_CPU = "1"


def pinning_available() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(argv: list[str], cpus: str | None) -> list[str]:
    """Prefix `argv` with taskset when pinning is possible."""
    if cpus is None or not pinning_available():
        return argv
    return ["taskset", "-c", cpus, *argv]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One server process group started by the benchmark, and only that group is ever signalled."""

    name: str
    argv: list[str]
    log_path: Path
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group, so stop() reaches workers and Node children and nothing else.
            start_new_session=True,
        )
        log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# The first good answer a server must give: WEBSALE's session/create, unless a target says otherwise.
SESSION_CREATE = ("POST", "/session/create")


def wait_ready(server: Server, base_url: str, timeout: float, probe: tuple[str, str] = SESSION_CREATE) -> bool:
    """Poll `probe` (method, path under `base_url`) until it answers 200; False if it never does."""
    method, path = probe
    deadline = time.perf_counter() + timeout
    with httpx.Client(timeout=httpx.Timeout(1.0, connect=0.2)) as client:
        while time.perf_counter() < deadline:
            if not server.running():
                return False
            try:
                if client.request(method, f"{base_url}{path}").status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
    return False


def machine_cpu_ticks() -> tuple[int, int] | None:
    """(stolen, total) CPU ticks of the whole machine so far, from /proc/stat; None elsewhere.

    "Stolen" is time the hypervisor gave to other guests while this one wanted to run: on a shared
    machine it is the clearest sign that a run's latencies were disturbed from outside.
    """
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 8:
        return None
    return fields[7], sum(fields)


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the machine's CPU time stolen between two `machine_cpu_ticks` readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 4)


def group_cpu_seconds(pgid: int) -> float:
    """User plus system CPU time of every live process in a process group (workers included)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the parenthesised command: state ppid pgrp ... utime (12th) stime (13th).
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of one process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
