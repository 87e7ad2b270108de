"""`reviewgen` in a child process whose CPU time and memory the kernel bounds.

Used by the hostile-input tests (YAML and scanner files): the bound tested is CPU time
and peak memory, measured with os.wait4; the wall clock only stops a run that hangs.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

TIME_LIMIT = 5.0
"""CPU seconds (user + system) a run on hostile input may use: the bound tested."""
CPU_GUARD = 6
"""RLIMIT_CPU soft limit of the child, in whole seconds: past it the kernel stops the child."""
SAFETY_TIMEOUT = 300.0
"""Wall-clock seconds after which a hung child is killed; not a speed criterion."""
RSS_LIMIT = 300 * 1024 * 1024
ADDRESS_SPACE_GUARD = 2 * 1024 * 1024 * 1024
COMMAND = "import sys; from reviewgen.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass
class Run:
    status: int
    """Exit status; -signal number if the child was killed (SIGXCPU: past CPU_GUARD)."""
    stdout: str
    stderr: str
    seconds: float
    """CPU time of the child, user + system."""
    peak_rss: int
    """Bytes (ru_maxrss is in KiB on Linux)."""
    hung: bool = False
    """Killed by the wall-clock safety net (SAFETY_TIMEOUT): the run hung."""

    def cpu_message(self) -> str:
        stopped = " (stopped by RLIMIT_CPU)" if self.status == -signal.SIGXCPU else ""
        return f"took {self.seconds:.2f} s of CPU{stopped}"


def _guard() -> None:
    """In the child, before exec: the kernel bounds its CPU time and address space."""
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_GUARD, CPU_GUARD + 1))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_GUARD, ADDRESS_SPACE_GUARD))


def run_bounded(cwd: Path, *argv: str) -> Run:
    """`reviewgen ARGV...` in a child process, with its CPU time and peak RSS."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    env = {k: v for k, v in os.environ.items() if k != "REVIEWGEN_DEBUG"}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", COMMAND, *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=env,
            preexec_fn=_guard,  # no other thread of the test process forks meanwhile
        )
        hung = threading.Event()

        def kill() -> None:
            hung.set()
            process.send_signal(signal.SIGKILL)

        safety = threading.Timer(SAFETY_TIMEOUT, kill)
        safety.start()
        try:
            _, wait_status, usage = os.wait4(process.pid, 0)
        finally:
            safety.cancel()
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    try:
        return Run(
            process.returncode,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss * 1024,
            hung.is_set(),
        )
    finally:
        out.unlink()
        err.unlink()
