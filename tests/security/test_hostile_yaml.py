"""Hostile YAML files: `reviewgen check` refuses each one quickly, in bounded memory.

Bound: for every case, `reviewgen check` in a child process exits with status 1 after
less than 5 seconds of CPU time (user + system, from os.wait4 on the child) and within 15
seconds of wall-clock time, with a peak resident set size below 300 MB (ru_maxrss of the
child), and prints only located problems (`path:line:column: message` or `path:line:
message`, never a traceback) naming the hostile file. CPU time is the measure because this
machine is shared: wall time varies with the load, CPU time much less. A child is killed
once it passes the bound. A 2 GiB address-space limit is a safety net only: it keeps a
runaway child from taking the machine down; it is not the bound tested.

Each case's exact stderr is in golden/hostile/<case>.txt (`pytest --update-goldens`
rewrites them). The hostile files are generated in tmp_path, never committed.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from reviewbuilder import asset, build_review, finding, step

from reviewgen.yamlsource import MAX_BYTES

GOLDEN = Path(__file__).parent / "golden" / "hostile"
TIME_LIMIT = 5.0
WALL_LIMIT = 15.0
TICKS = os.sysconf("SC_CLK_TCK")
RSS_LIMIT = 300 * 1024 * 1024
ADDRESS_SPACE_GUARD = 2 * 1024 * 1024 * 1024
CHECK = "import sys; from reviewgen.cli import main; sys.exit(main(sys.argv[1:]))"
PROBLEM = re.compile(r"^(?P<path>[^:\n]+):\d+(:\d+)?: \S.*$")
SUMMARY = re.compile(r"^(\d+) problems? found$")
FINDING_FILE = "findings/XX-01.yaml"


def valid_finding_text() -> str:
    data = finding("XX-01", step("S1", "internet", "foothold", "web"))
    return yaml.safe_dump(data, sort_keys=False)


def replaced(old: str, new: str) -> Callable[[], bytes]:
    def make() -> bytes:
        text = valid_finding_text()
        assert old in text, old
        return text.replace(old, new, 1).encode("utf-8")

    return make


def alias_bomb() -> bytes:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return ("\n".join(lines) + "\n").encode()


def huge_description(
    size: int, category: str = "no-such-category", words: str = "lorem ipsum dolor sit amet "
) -> Callable[[], bytes]:
    """A finding with a block-scalar description padding the file to `size` bytes.

    The file is valid YAML and a valid finding, but for its category: loading reads,
    validates and secret-scans all of it before the reference check reports the category.
    """

    def make() -> bytes:
        head = valid_finding_text().replace("description: Test data.\n", "")
        head = head.replace("category: general\n", f"category: {category}\n")
        head += "description: |\n"
        tail = "effort: low\n"
        line = "  " + words * 3 + "\n"
        room = size - len(head) - len(tail)
        body = line * (room // len(line))
        body += "  " + "x" * (room - len(body) - 3) + "\n" if room - len(body) >= 4 else ""
        content = (head + body + tail).encode()
        content += b"#" * (size - len(content) - 1) + b"\n" if size - len(content) > 1 else b""
        assert len(content) == size, (len(content), size)
        return content

    return make


def merge_with_alias() -> bytes:
    return ("base: &base {title: x}\n<<: *base\n" + valid_finding_text()).encode()


def merge_inline() -> bytes:
    return ("<<: {severity: low}\n" + valid_finding_text()).encode()


def long_line() -> bytes:
    text = valid_finding_text()
    return text.replace(
        "description: Test data.", "description: " + "x" * 1_000_000 + ": surprise", 1
    ).encode()


def tab_indented() -> bytes:
    text = valid_finding_text()
    assert "\n  pre: []\n" in text
    return text.replace("\n  pre: []\n", "\n\tpre: []\n", 1).encode()


SLOW_SCAN = (
    "secret scan: every line that matches a detector's trigger goes through all detectors "
    "(reviewgen/secretscan.py scan_text), about 2 s per MB of lines that mention a keyword "
    "such as api_key, so a 10 MB finding or evidence file takes ~20 s to check"
)


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes]
    target: str = FINDING_FILE
    xfail: str | None = None


CASES: dict[str, Case] = {
    "alias-bomb": Case(alias_bomb, "review.yaml"),
    "deep-sequences": Case(lambda: b"[" * 100_000 + b"]" * 100_000 + b"\n", "review.yaml"),
    "deep-mappings": Case(lambda: b"{a: " * 100_000 + b"1" + b"}" * 100_000 + b"\n"),
    "ten-megabytes": Case(huge_description(MAX_BYTES)),
    "over-ten-megabytes": Case(huge_description(MAX_BYTES + 1)),
    "ten-megabytes-of-keywords": Case(
        huge_description(MAX_BYTES, words="the api_key rotation is in the runbook "),
    ),
    "random-binary": Case(lambda: random.Random(20250430).randbytes(64 * 1024)),
    "latin-1": Case(lambda: valid_finding_text().replace("XX-01\n", "Café\n", 1).encode("latin-1")),
    "utf-16-bom": Case(lambda: valid_finding_text().encode("utf-16")),
    "nul-byte": Case(replaced("title: Finding XX-01", "title: Find\x00ing")),
    "tab-indentation": Case(tab_indented),
    "python-object-apply": Case(
        replaced("title: Finding XX-01", "title: !!python/object/apply:os.system ['touch pwned']")
    ),
    "python-name": Case(replaced("title: Finding XX-01", "title: !!python/name:os.system ''")),
    "custom-tag": Case(replaced("title: Finding XX-01", "title: !foo bar")),
    "duplicate-keys": Case(replaced("title: Finding XX-01", "title: one\ntitle: two")),
    "merge-key-alias": Case(merge_with_alias),
    "merge-key-inline": Case(merge_inline),
    "million-character-line": Case(long_line),
}


@pytest.fixture(scope="module")
def base_review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-base") / "base"
    build_review(
        root,
        assets=[asset("web")],
        findings=[finding("XX-01", step("S1", "internet", "foothold", "web"))],
    )
    return root


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    seconds: float
    """CPU time of the child, user + system."""
    wall: float
    peak_rss: int
    """Bytes (ru_maxrss is in KiB on Linux)."""


def _guard() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_GUARD, ADDRESS_SPACE_GUARD))


def _cpu_seconds(pid: int) -> float:
    """CPU time used so far by a running process (utime + stime from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def run_check(cwd: Path, *paths: str) -> Run:
    """`reviewgen check` in a child process, with its CPU time, wall time and peak RSS."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    env = {k: v for k, v in os.environ.items() if k != "REVIEWGEN_DEBUG"}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", CHECK, "check", *paths],
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            env=env,
            preexec_fn=_guard,  # the test process runs no other threads
        )
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            over_wall = time.monotonic() - start > WALL_LIMIT
            if over_wall or _cpu_seconds(process.pid) > TIME_LIMIT + 0.5:  # past the bound
                process.send_signal(signal.SIGKILL)
                pid, wait_status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    try:
        return Run(
            process.returncode,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            usage.ru_utime + usage.ru_stime,
            wall,
            usage.ru_maxrss * 1024,
        )
    finally:
        out.unlink()
        err.unlink()


def test_the_base_review_passes(base_review: Path, tmp_path: Path) -> None:
    shutil.copytree(base_review, tmp_path / "base")
    run = run_check(tmp_path, "base")
    assert (run.status, run.stderr) == (0, ""), run.stderr
    assert run.peak_rss < RSS_LIMIT


def test_a_valid_ten_megabyte_finding_is_read_within_the_bound(
    base_review: Path, tmp_path: Path
) -> None:
    review = tmp_path / "big"
    shutil.copytree(base_review, review)
    (review / FINDING_FILE).write_bytes(huge_description(MAX_BYTES, "general")())
    run = run_check(tmp_path, "big")
    assert (run.status, run.stderr) == (0, ""), run.stderr[-2000:]
    assert run.seconds < TIME_LIMIT, f"took {run.seconds:.2f} s of CPU"
    assert run.wall < WALL_LIMIT
    assert run.peak_rss < RSS_LIMIT, f"peak RSS {run.peak_rss / 2**20:.0f} MB"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=case.xfail)])
        if case.xfail
        else name
        for name, case in sorted(CASES.items())
    ],
)
def test_hostile_file_is_refused_quickly_and_located(
    case: str, base_review: Path, tmp_path: Path, golden: Callable[[Path, str], None]
) -> None:
    review = tmp_path / case
    shutil.copytree(base_review, review)
    content = CASES[case].make()
    (review / CASES[case].target).write_bytes(content)
    run = run_check(tmp_path, case)

    assert run.seconds < TIME_LIMIT, f"took {run.seconds:.2f} s of CPU (stopped at 5.5 s)"
    assert run.wall < WALL_LIMIT, f"took {run.wall:.2f} s of wall time"
    assert run.status == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert len(run.stderr) < 5000, "a message repeats the hostile input"
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    *problems, summary = lines
    assert problems, run.stderr
    counted = SUMMARY.match(summary)
    assert counted and int(counted.group(1)) == len(problems), summary
    hostile = f"{case}/{CASES[case].target}"
    for line in problems:
        match = PROBLEM.match(line)
        assert match, line[:300]
        assert match.group("path") == hostile, line[:300]
    assert not (tmp_path / "pwned").exists()
    assert run.peak_rss < RSS_LIMIT, f"peak RSS {run.peak_rss / 2**20:.0f} MB"

    shown = run.stderr.replace(str(tmp_path), "<tmp>")
    golden(GOLDEN / f"{case}.txt", shown)
