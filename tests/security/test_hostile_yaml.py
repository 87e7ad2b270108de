"""Hostile YAML files: `reviewgen check` refuses each one cheaply, in bounded memory.

Bound: for every case, `reviewgen check` in a child process exits with status 1 after
less than 5 seconds of CPU time (user + system, from os.wait4 on the child), with a peak
resident set size below 300 MB (ru_maxrss of the child), and prints only located
problems (`path:line:column: message` or `path:line: message`, never a traceback) naming
the hostile file.

Only CPU time and memory are bounds; wall-clock time is not. This machine is shared: wall
time varies with the load, CPU time much less. The kernel enforces the bounds on the
child: RLIMIT_CPU stops it once it passes 6 s of CPU (SIGXCPU; SIGKILL at 7 s), and a
2 GiB RLIMIT_AS keeps a runaway child from taking the machine down. A child still running
after SAFETY_TIMEOUT seconds of wall time is killed so that a hung run cannot stall the
suite; that timeout is far above any normal run and is not a speed criterion.

Each case's exact stderr is in golden/hostile/<case>.txt (`pytest --update-goldens`
rewrites them). The hostile files are generated in tmp_path, never committed.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bounded import RSS_LIMIT, SAFETY_TIMEOUT, TIME_LIMIT, Run, run_bounded
from reviewbuilder import asset, build_review, finding, step

from reviewgen.yamlsource import MAX_BYTES

GOLDEN = Path(__file__).parent / "golden" / "hostile"
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


def run_check(cwd: Path, *paths: str) -> Run:
    """`reviewgen check` in a bounded child process (tests/bounded.py)."""
    return run_bounded(cwd, "check", *paths)


def test_the_base_review_passes(base_review: Path, tmp_path: Path) -> None:
    shutil.copytree(base_review, tmp_path / "base")
    run = run_check(tmp_path, "base")
    assert not run.hung, f"still running after {SAFETY_TIMEOUT:.0f} s"
    assert (run.status, run.stderr) == (0, ""), run.stderr
    assert run.seconds < TIME_LIMIT, run.cpu_message()
    assert run.peak_rss < RSS_LIMIT


def test_a_valid_ten_megabyte_finding_is_read_within_the_bound(
    base_review: Path, tmp_path: Path
) -> None:
    review = tmp_path / "big"
    shutil.copytree(base_review, review)
    (review / FINDING_FILE).write_bytes(huge_description(MAX_BYTES, "general")())
    run = run_check(tmp_path, "big")
    assert not run.hung, f"still running after {SAFETY_TIMEOUT:.0f} s"
    assert run.seconds < TIME_LIMIT, run.cpu_message()
    assert (run.status, run.stderr) == (0, ""), run.stderr[-2000:]
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
def test_hostile_file_is_refused_cheaply_and_located(
    case: str, base_review: Path, tmp_path: Path, golden: Callable[[Path, str], None]
) -> None:
    review = tmp_path / case
    shutil.copytree(base_review, review)
    content = CASES[case].make()
    (review / CASES[case].target).write_bytes(content)
    run = run_check(tmp_path, case)

    assert not run.hung, f"still running after {SAFETY_TIMEOUT:.0f} s"
    assert run.seconds < TIME_LIMIT, run.cpu_message()
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
