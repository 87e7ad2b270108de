"""Golden tests of `reviewgen check` error output.

Each folder under tests/golden/errors/ (except _base) is one case: a copy of the valid
review in _base/ with the case's files laid over it (same relative path = replaced,
new path = added). The case's expected.txt holds exactly the stderr lines that
`reviewgen check <case>` prints when run from the folder holding the copy. A case may
also have symlinks.txt: one path per line, made (by the test, never in git) into a
symbolic link to a file outside the review folder.

`pytest --update-goldens` rewrites the expected.txt files from the current output.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewgen.cli import main

GOLDEN = Path(__file__).parent / "golden" / "errors"
BASE = GOLDEN / "_base"
SPECIAL = {"expected.txt", "symlinks.txt"}
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and p.name != "_base")

PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: .+")
SUMMARY_LINE = re.compile(r"^(\d+) problems? found$")

#: Phrases each case's output must contain whatever the golden file says, so that a
#: careless --update-goldens cannot bless a regression in what the case is about.
REQUIRED = {
    "yaml-syntax": ["review.yaml:", "YAML syntax error"],
    "tab-indentation": ["tab character: YAML indentation must use spaces"],
    "unknown-key": ["unknown key 'recomendation'; did you mean 'recommendation'?"],
    "missing-required": ["missing required key 'description'"],
    "wrong-types": [
        "expected text, got the number 1.0",
        "expected a mapping of keys to values, got a list",
        "expected true or false",
        "expected a whole number, got text",
    ],
    "duplicate-key": ["duplicate key 'title' (first defined at line 2)"],
    "duplicate-finding-id": ["duplicate finding id 'GU-01'", "findings/GU-01.yaml:1"],
    "missing-references": [
        "unknown category 'guests'; did you mean 'guest'? (categories: hypervisor, guest)",
        "unknown asset 'webb'; did you mean 'web'?",
        "unknown entry point 'intranet'; did you mean 'internet'?",
        "unknown state 'mid' (states: pre, post)",
        "unknown group 'servces'; did you mean 'services'?",
        "unknown finding 'GU-02'",
    ],
    "bad-cvss-metric": [
        "metric I (Integrity) cannot be 'X'",
        "missing mandatory metrics: SA (Subsequent System Impact Availability)",
    ],
    "score-mismatch": ["stated score 9.8 disagrees with the computed base score 9.3"],
    "cvss-null-without-severity": ["cvss: null needs a qualitative 'severity'"],
    "estate-rules": [
        "the review period ends (2025-01-06) before it starts (2025-01-10)",
        "cluster 'cl02' has no hosts",
        "host 'host1' is already in cluster 'cl01' (line 36)",
        "a vm needs a cluster (clusters: cl01, cl02, cl03)",
        "a vm needs a datastore (datastores: ds01)",
    ],
    "evidence-paths": [
        "may not leave the review folder ('..')",
        "evidence paths are relative to the review folder",
        "evidence path leaves the review folder through a link",
        "no such evidence file 'evidence/missing.txt'",
    ],
    "anchors-aliases": ["anchors (&name) are not supported", "aliases (*name) are not supported"],
    "python-tag": ["tags such as !!python/object:os.system are not supported"],
    "new-affects-baseline": ["a 'new' finding must affect nothing in the baseline state 'pre'"],
    "finding-rules": [
        "a 'carried-over' finding must affect the same assets in every state that is not proposed",
        "severity comes from the CVSS vectors; set it only with cvss: null",
        "duplicate attack-step id 'S1'",
        "a 'removed' finding must affect nothing in the current state 'post'",
        "date_added is only for a finding with cisa_kev: true",
    ],
    "review-rules": [
        "only a vm has a cluster",
        "unknown state 'later'",
        "duplicate asset id 'web' (first used at line 40)",
        "unknown state 'after'",
        "unknown category 'hypervsor'; did you mean 'hypervisor'?",
    ],
    "several-problems": [
        "BR-01.yaml",
        "GU-01.yaml",
        "HV-01.yaml",
        "XX-01.yaml",
        "review.yaml",
    ],
}


def overlay_files(case: str) -> list[Path]:
    """The case's files, relative to the case folder."""
    folder = GOLDEN / case
    return sorted(
        p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and p.name not in SPECIAL
    )


def build_case(case: str, workdir: Path) -> Path:
    """Copy _base into workdir/<case>, lay the case's files over it, make its symlinks."""
    target = workdir / case
    shutil.copytree(BASE, target)
    for relative in overlay_files(case):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOLDEN / case / relative, destination)
    links = GOLDEN / case / "symlinks.txt"
    if links.is_file():
        outside = workdir / "outside-the-review" / "secret.txt"
        outside.parent.mkdir(exist_ok=True)
        outside.write_text("not part of the review\n", encoding="utf-8")
        for line in links.read_text(encoding="utf-8").split():
            link = target / line
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(outside)
    return target


def run_check(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, str, str]:
    status = main(["check", *paths])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_every_case_has_required_phrases_listed() -> None:
    assert set(REQUIRED) == set(CASES)


def test_base_review_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(BASE, tmp_path / "_base")
    monkeypatch.chdir(tmp_path)
    status, out, err = run_check(capsys, "_base")
    assert (status, err) == (0, "")
    assert out == "_base: ok (3 findings, 1 observation)\n"


@pytest.mark.parametrize("case", CASES)
def test_error_golden(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    golden: Callable[[Path, str], None],
) -> None:
    build_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run_check(capsys, case)

    assert status == 1, err
    assert out == ""
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) >= 2, err
    *problems, summary = lines
    for line in problems:
        assert PROBLEM_LINE.match(line), line
        assert line.startswith(f"{case}/"), line
    counted = SUMMARY_LINE.match(summary)
    assert counted, summary
    assert int(counted.group(1)) == len(problems)
    # Every problem is in a file the case changed: nothing cascades into the valid rest.
    changed = {f"{case}/{p.as_posix()}" for p in overlay_files(case)}
    for line in problems:
        assert line.split(":", 1)[0] in changed, line
    for phrase in REQUIRED[case]:
        assert phrase in err, f"{phrase!r} missing from:\n{err}"

    golden(GOLDEN / case / "expected.txt", err)


def test_several_problems_are_reported_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_case("several-problems", tmp_path)
    monkeypatch.chdir(tmp_path)
    status, _, err = run_check(capsys, "several-problems")
    assert status == 1
    problems = err.splitlines()[:-1]
    files = {line.split(":", 1)[0] for line in problems}
    # review.yaml and four finding files, one of which cannot even be parsed.
    assert len(files) == 5, files
    assert len(problems) >= 8


def test_problems_of_several_reviews_are_reported_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_case("tab-indentation", tmp_path)
    build_case("python-tag", tmp_path)
    monkeypatch.chdir(tmp_path)
    status, _, err = run_check(capsys, "tab-indentation", "python-tag")
    assert status == 1
    golden = [
        (GOLDEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()[:-1]
        for case in ("python-tag", "tab-indentation")
    ]
    assert err.splitlines() == [*golden[0], *golden[1], "2 problems found"]


def test_paths_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    review = build_case("score-mismatch", tmp_path / "deeper")
    monkeypatch.chdir(review)
    status, _, err = run_check(capsys, ".")
    assert status == 1
    assert err.startswith("findings/HV-01.yaml:8:"), err
