"""Retests and versions: `retests:` on findings, their checks, the retests page, the
executive summary's sentence, and `reviewgen diff` between folders, git revisions and
report versions.

The example is version 1.1 of its report: the retest of 2025-07-15 found five findings
fixed (HV-03, IS-03, LC-02, MP-03, PP-01; now remediated) and HV-01 not fixed.
`as_issued` turns a copy back into version 1.0, the report as issued on 2025-04-30. None
of the five lies on an attack step (no step `requires` it and none has steps of its own),
so the retest closes findings without changing what any entry point reaches: the sample's
hand-worked figures hold for both versions.

A later retest, worked by hand on a copy of version 1.1 (`later_retest`), finds three
more fixed (MP-02, MP-05, VN-01), and those change the reach:

* VPN user: its only step, MP-01's S7 (vpn-user -> control vcsa01), also requires MP-02;
  with MP-02 closed the VPN user reaches nothing (before: vcsa01, so all 15 services).
* Helpdesk account: its only step, MP-05's S8, reads db and ldap; closed, it reads none.
* Internet: GU-01 -> GU-02 -> HV-01 (S1, S2, S3) needs none of the three: still 15.
* Assumed breach: IS-01's S4 (nfs01), HV-01's S3 and MP-07's S12 need none of the three
  (MP-04's S5 needs VN-01 and MP-01's S6 needs MP-02, but the rest suffice): still 15.
* Single points of total compromise are design, not findings: the same six.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reviewgen import render
from reviewgen.build import build_site
from reviewgen.cli import main
from reviewgen.compare import compare
from reviewgen.errors import Problem, display_path
from reviewgen.load import load_review
from reviewgen.model import Finding, ReviewFile
from reviewgen.retest import check_retests, retest_summary
from reviewgen.scoring import score_vector
from reviewgen.yamlsource import read_yaml

Capture = pytest.CaptureFixture[str]

#: The example's retest of 2025-07-15 (version 1.1): fixed, and not fixed.
RETESTED_FIXED = ["HV-03", "IS-03", "LC-02", "MP-03", "PP-01"]
RETESTED_NOT_FIXED = ["HV-01"]
#: The later retest worked by hand above, on a copy of version 1.1.
LATER_FIXED = ["MP-02", "MP-05", "VN-01"]
RETEST = "retests:\n  - {date: 2025-09-15, result: fixed}\n"
# Hand-worked above: services controlled / read / denied from each entry point in the
# current state ("post"), before and after the later retest. Version 1.0 and 1.1 both
# have REACH_BEFORE.
REACH_BEFORE = {
    "internet": (15, 15, 15),
    "vpn-user": (15, 15, 15),
    "helpdesk-user": (0, 2, 0),
    "internal-foothold": (15, 15, 15),
}
REACH_AFTER = {
    "internet": (15, 15, 15),
    "vpn-user": (0, 0, 0),
    "helpdesk-user": (0, 0, 0),
    "internal-foothold": (15, 15, 15),
}
SINGLE_POINTS = ["ldap", "backup", "esx01", "esx02", "vcsa01", "nfs01"]
VERSION_1_1 = """    - version: "1.1"
      date: 2025-07-18
      author: "A. Example"
      changes: "Retest of 2025-07-15: five findings fixed and marked remediated; HV-01 not fixed"
"""


def finding_file(root: Path, finding_id: str) -> Path:
    return root / "findings" / f"{finding_id}.yaml"


def set_status(path: Path, status: str, was: str = "open") -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(f"\nstatus: {was}\n") == 1, path
    path.write_text(text.replace(f"\nstatus: {was}\n", f"\nstatus: {status}\n"), encoding="utf-8")


def append(path: Path, text: str) -> int:
    """Append `text`; return the number of the first line it occupies."""
    before = path.read_text(encoding="utf-8")
    assert before.endswith("\n")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def as_issued(root: Path) -> None:
    """Version 1.0 of the example, as issued: the retest of version 1.1 undone."""
    for finding_id in RETESTED_FIXED + RETESTED_NOT_FIXED:
        path = finding_file(root, finding_id)
        text = path.read_text(encoding="utf-8")
        kept, _, retests = text.partition("\nretests:\n")
        assert retests.startswith("  - date: 2025-07-15\n"), path
        path.write_text(kept + "\n", encoding="utf-8")
        if finding_id in RETESTED_FIXED:
            set_status(path, "open", was="remediated")
    review_yaml = root / "review.yaml"
    replace_once(review_yaml, VERSION_1_1, "")
    replace_once(review_yaml, '  version: "1.1"\n', '  version: "1.0"\n')
    replace_once(review_yaml, "  report_date: 2025-07-18\n", "  report_date: 2025-04-30\n")


def later_retest(root: Path) -> None:
    """Three more findings retested on 2025-09-15, found fixed, marked remediated."""
    for finding_id in LATER_FIXED:
        path = finding_file(root, finding_id)
        set_status(path, "remediated")
        append(path, RETEST)


def retest_problems(root: Path, spec: ReviewFile) -> list[str]:
    """The retest checks over every finding file of `root`, as `path:line:col: message`."""
    problems: list[Problem] = []
    for path in sorted((root / "findings").glob("*.yaml")):
        doc = read_yaml(path)
        problems.extend(check_retests(doc, Finding.model_validate(doc.data), spec))
    return [str(p) for p in sorted(problems)]


def page(root: Path, template: str, path: str) -> str:
    review = load_review(root)
    figures = compare(review)
    helpers = render.PageContext(review, figures, review.slug)
    context = render._common(review, figures, helpers, None)
    helpers.page = path
    return render.make_environment().get_template(template).render(context)


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def reach_of(data: dict[str, Any], side: str) -> dict[str, tuple[int, int, int]]:
    return {
        r["entry_point"]: (r[side]["controlled"], r[side]["read"], r[side]["denied"])
        for r in data["reach"]
    }


@pytest.fixture
def issued(tmp_path: Path, example_dir: Path) -> Path:
    """A copy of the example at version 1.0, before the retest."""
    root = tmp_path / "issued" / example_dir.name
    shutil.copytree(example_dir, root)
    as_issued(root)
    return root


@pytest.fixture(scope="module")
def spec() -> ReviewFile:
    """The example's review.yaml (period starts 2025-04-07)."""
    root = Path(__file__).resolve().parent.parent / "reviews" / "northwind-consolidation"
    return load_review(root).spec


# ----- the retest cycle ---------------------------------------------------------------


def test_the_example_records_a_retest_cycle(example_dir: Path, spec: ReviewFile) -> None:
    review = load_review(example_dir)
    assert retest_problems(example_dir, spec) == []
    assert [f.id for f in review.findings if f.finding.retests] == sorted(
        RETESTED_FIXED + RETESTED_NOT_FIXED
    )
    assert all(review.finding_by_id[i].finding.status == "remediated" for i in RETESTED_FIXED)
    assert review.finding_by_id["HV-01"].finding.status == "open"
    assert (review.spec.review.version, review.spec.review.history[-1].version) == ("1.1", "1.1")


def test_version_1_0_as_issued_has_no_retests(issued: Path) -> None:
    review = load_review(issued)
    summary = retest_summary(review)
    assert not summary.exists and summary.sentence == ""
    assert len(summary.not_retested) == 26
    assert review.spec.review.version == "1.0"
    assert not [f for f in review.findings if f.finding.status == "remediated"]


def test_the_summary_counts_five_fixed_one_not_fixed_and_20_not_retested(
    example_dir: Path,
) -> None:
    summary = retest_summary(load_review(example_dir))
    assert summary.exists
    assert [f.id for f in summary.retested] == sorted(RETESTED_FIXED + RETESTED_NOT_FIXED)
    assert (summary.fixed, summary.partial, summary.not_fixed) == (5, 0, 1)
    assert len(summary.not_retested) == 20
    assert summary.sentence == (
        "Retested on 2025-07-15: 5 findings fixed, 1 not fixed; 20 not retested."
    )


def test_the_summary_counts_each_finding_by_its_latest_retest(example_copy: Path) -> None:
    # GU-01: not fixed, then partly: counts as partly fixed. VN-02: not fixed.
    append(
        finding_file(example_copy, "GU-01"),
        "retests:\n  - {date: 2025-07-01, result: not-fixed}\n"
        "  - {date: 2025-07-10, result: partial, note: 'plugin removed, CMS not upgraded'}\n",
    )
    append(
        finding_file(example_copy, "VN-02"), "retests:\n  - {date: 2025-07-01, result: not-fixed}\n"
    )
    summary = retest_summary(load_review(example_copy))
    assert (summary.fixed, summary.partial, summary.not_fixed) == (5, 1, 2)
    assert len(summary.retested) + len(summary.not_retested) == 26
    assert summary.sentence == (
        "Retested from 2025-07-01 to 2025-07-15: 5 findings fixed, 1 partly fixed, "
        "2 not fixed; 18 not retested."
    )


# ----- the site ----------------------------------------------------------------------


def test_the_retests_page_lists_the_retested_findings(example_dir: Path) -> None:
    text = page(example_dir, "retests.md.j2", "retests.md")
    assert "Retested on 2025-07-15&#58; 5 findings fixed, 1 not fixed&#59; 20 not retested." in text
    retested, _, rest = text.partition("## Not yet retested")
    not_retested, _, versions = rest.partition("## Versions")
    for finding_id in RETESTED_FIXED + RETESTED_NOT_FIXED:
        link = f"[{finding_id}](findings/{finding_id.lower()}.md)"
        assert link in retested and link not in not_retested
        assert f"## {finding_id}: " in retested
    assert retested.count("| 2025-07-15 | fixed | ") == 5
    assert retested.count("| 2025-07-15 | not-fixed | ") == 1
    # Each retest's evidence is quoted as written, never run or formatted.
    assert retested.count('<pre class="rg-evidence"><code>') == 5
    assert len(re.findall(r"^- \[[A-Z]+-\d+\]\(findings/", not_retested, re.M)) == 20
    assert "[GU-01](findings/gu-01.md)" in not_retested
    assert "This is version 1.1 of the report, dated 2025-07-18. Earlier versions: 0.1" in versions


def test_a_retest_note_and_evidence_are_shown(example_copy: Path) -> None:
    path = finding_file(example_copy, "GU-01")
    append(
        path,
        "retests:\n  - date: 2025-07-10\n    result: partial\n"
        "    note: 'plugin removed, *CMS* not upgraded'\n"
        "    evidence: 'curl -sI https://www.example.invalid/'\n",
    )
    text = page(example_copy, "retests.md.j2", "retests.md")
    assert (
        '| 2025-07-10 | partial | <span class="rg-md-inline">plugin removed, '
        "<em>CMS</em> not upgraded</span> |" in text
    )
    # Quoted as written: characters Markdown would act on are entities, shown as typed.
    assert (
        '<pre class="rg-evidence"><code>curl &#45;sI https&#58;//www.example.invalid/</code></pre>'
        in text
    )


def test_without_retests_the_page_says_so(issued: Path) -> None:
    text = page(issued, "retests.md.j2", "retests.md")
    assert "No finding has been retested since the review." in text
    assert "## Not yet retested" not in text


def test_the_executive_summary_gives_the_retest_figures(example_dir: Path, issued: Path) -> None:
    assert "Retested" not in page(issued, "executive-summary.md.j2", "executive-summary.md")
    text = page(example_dir, "executive-summary.md.j2", "executive-summary.md")
    assert (
        "Retested on 2025-07-15&#58; 5 findings fixed, 1 not fixed&#59; 20 not retested. "
        "See [Retests](retests.md)." in text
    )


def test_the_retests_page_is_in_the_report_after_the_roadmap() -> None:
    pages = [p.path for _, specs in render.REPORT for p in specs]
    assert pages[pages.index("roadmap.md") + 1] == "retests.md"


# ----- reviewgen diff ----------------------------------------------------------------


def test_diff_of_two_folders_reports_the_examples_retest(
    example_dir: Path, issued: Path, capsys: Capture
) -> None:
    status, out, err = run(capsys, "diff", str(issued), str(example_dir), "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    findings = data["findings"]
    assert [c["id"] for c in findings["closed"]] == RETESTED_FIXED
    assert {c["reason"] for c in findings["closed"]} == {"remediated"}
    assert {json.dumps(c["retest"]) for c in findings["closed"]} == {
        '{"date": "2025-07-15", "result": "fixed"}'
    }
    assert findings["added"] == []
    assert [(s["id"], s["old"], s["new"]) for s in findings["status_changed"]] == [
        (i, "open", "remediated") for i in RETESTED_FIXED
    ]
    assert findings["score_changed"] == [] and findings["severity_changed"] == []
    assert [(r["id"], r["date"], r["result"]) for r in findings["retested"]] == [
        ("HV-01", "2025-07-15", "not-fixed"),
        *((i, "2025-07-15", "fixed") for i in RETESTED_FIXED),
    ]
    # None of the five lies on an attack step: reach and single points are unchanged.
    assert reach_of(data, "old") == reach_of(data, "new") == REACH_BEFORE
    assert [r["entry_point"] for r in data["reach"] if r["changed"]] == []
    points = data["single_points_of_total_compromise"]
    assert points == {"old": SINGLE_POINTS, "new": SINGLE_POINTS, "added": [], "removed": []}
    assert data["version"] == {"old": "1.0", "new": "1.1", "changed": True}
    assert data["old"]["current_state"] == data["new"]["current_state"] == "post"


def test_diff_of_a_later_retest_reports_the_change_in_reach(
    example_dir: Path, example_copy: Path, capsys: Capture
) -> None:
    later_retest(example_copy)
    status, out, err = run(capsys, "diff", str(example_dir), str(example_copy), "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert [c["id"] for c in data["findings"]["closed"]] == LATER_FIXED
    assert [(r["id"], r["date"], r["result"]) for r in data["findings"]["retested"]] == [
        (i, "2025-09-15", "fixed") for i in LATER_FIXED
    ]
    assert reach_of(data, "old") == REACH_BEFORE
    assert reach_of(data, "new") == REACH_AFTER
    assert [r["entry_point"] for r in data["reach"] if r["changed"]] == [
        "vpn-user",
        "helpdesk-user",
    ]


def test_the_reach_change_agrees_with_compare(example_dir: Path, example_copy: Path) -> None:
    """Cross-check of the hand-worked reach with `compare`, before and after."""
    later_retest(example_copy)
    for root, expected in ((example_dir, REACH_BEFORE), (example_copy, REACH_AFTER)):
        entries = compare(load_review(root)).states["post"].entry_points
        assert {
            e: (len(r.controlled), len(r.read), len(r.denied)) for e, r in entries.items()
        } == expected


def test_diff_as_text(example_dir: Path, issued: Path, example_copy: Path, capsys: Capture) -> None:
    status, out, _ = run(capsys, "diff", str(issued), str(example_dir))
    assert status == 0
    assert "Findings closed (5):\n  HV-03 " in out
    assert "(remediated, retest 2025-07-15: fixed)" in out
    assert "Retests recorded (6):\n  HV-01 2025-07-15: not-fixed\n" in out
    assert "  VPN user: controls 15, reads 15, denies 15 (unchanged)\n" in out
    assert "Review version: 1.0 -> 1.1\n" in out
    later_retest(example_copy)
    status, out, _ = run(capsys, "diff", str(example_dir), str(example_copy))
    assert status == 0
    assert "  VPN user: controls 15 -> 0, reads 15 -> 0, denies 15 -> 0\n" in out
    assert "  Helpdesk account: controls 0, reads 2 -> 0, denies 0\n" in out
    assert "  Internet: controls 15, reads 15, denies 15 (unchanged)\n" in out
    assert "Single points of total compromise: 6 (0 added, 0 removed)\n" in out
    assert "Review version: 1.1 (unchanged)\n" in out


def test_diff_reports_added_removed_rescored_findings_and_the_version(
    example_dir: Path, example_copy: Path, capsys: Capture
) -> None:
    # PP-03 and MP-08 are named nowhere else, so removing or adding them breaks nothing.
    finding_file(example_copy, "PP-03").unlink()
    mp06 = finding_file(example_copy, "MP-06")
    added = mp06.read_text(encoding="utf-8").replace("id: MP-06", "id: MP-08")
    finding_file(example_copy, "MP-08").write_text(added, encoding="utf-8")
    old_vector = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:L/A:N"
    new_vector = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:H/A:N"
    new_score = score_vector(new_vector).score
    text = mp06.read_text(encoding="utf-8")
    stated = f'{{vector: "{old_vector}", score: 2.7}}'
    assert stated in text
    mp06.write_text(text.replace(stated, f'{{vector: "{new_vector}", score: {new_score}}}'))
    review_yaml = example_copy / "review.yaml"
    review_yaml.write_text(
        review_yaml.read_text(encoding="utf-8").replace('  version: "1.1"', '  version: "1.2"')
    )
    status, out, err = run(capsys, "diff", str(example_dir), str(example_copy), "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    findings = data["findings"]
    assert findings["added"] == ["MP-08"]
    assert [(c["id"], c["reason"]) for c in findings["closed"]] == [("PP-03", "removed")]
    assert findings["score_changed"] == [
        {
            "id": "MP-06",
            "version": "3.1",
            "old": {"score": 2.7, "severity": "Low", "vector": old_vector},
            "new": {"score": 4.9, "severity": "Medium", "vector": new_vector},
        }
    ]
    assert findings["severity_changed"] == [{"id": "MP-06", "old": "low", "new": "medium"}]
    assert data["version"] == {"old": "1.1", "new": "1.2", "changed": True}


# ----- git revisions ------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def history(tmp_path: Path, example_dir: Path) -> Path:
    """A git repository: version 1.0 of the example in review/, committed, then version
    1.1 (its retest) committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(example_dir, repo / "review")
    as_issued(repo / "review")
    git(repo, "add", "review")
    git(repo, "commit", "-q", "-m", "the review as issued")
    shutil.rmtree(repo / "review")
    shutil.copytree(example_dir, repo / "review")
    git(repo, "commit", "-q", "-a", "-m", "retest of 2025-07-15")
    return repo


def test_diff_of_two_git_revisions(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(history)
    status, out, err = run(capsys, "diff", "HEAD~1:review", "HEAD:review", "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert [c["id"] for c in data["findings"]["closed"]] == RETESTED_FIXED
    assert reach_of(data, "old") == reach_of(data, "new") == REACH_BEFORE
    assert data["version"] == {"old": "1.0", "new": "1.1", "changed": True}
    assert data["old"]["source"] == "HEAD~1:review" and data["old"]["review"] == "review"
    # Nothing was written into the repository: the work tree is as committed.
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=history,
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout == ""


def test_a_revision_may_be_named_from_the_working_directory(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(history / "review")
    status, out, _ = run(capsys, "diff", "HEAD~1:.", "HEAD:./", "--format", "json")
    assert status == 0
    assert [c["id"] for c in json.loads(out)["findings"]["closed"]] == RETESTED_FIXED


def test_a_report_version_names_the_last_commit_stating_it(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    # A correction committed while the report is still version 1.1 belongs to 1.1.
    replace_once(finding_file(history / "review", "HV-01"), "was postponed twice", "was postponed")
    git(history, "commit", "-q", "-a", "-m", "a correction to 1.1")
    monkeypatch.chdir(history)
    status, out, err = run(capsys, "diff", "review@1.0", "review@1.1", "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert [c["id"] for c in data["findings"]["closed"]] == RETESTED_FIXED
    assert [r["note"] for r in data["findings"]["retested"] if r["id"] == "HV-01"] == [
        "Both hosts still run the build read on 2025-04-08; the maintenance window for the "
        "update was postponed."
    ]
    assert (data["old"]["source"], data["new"]["source"]) == ("review@1.0", "review@1.1")
    # From inside the folder, with an absolute path, and a version never issued.
    monkeypatch.chdir(history / "review")
    status, out, _ = run(capsys, "diff", ".@1.0", f"{history / 'review'}@1.1", "--format", "json")
    assert status == 0 and json.loads(out)["version"]["changed"]
    assert run(capsys, "diff", ".@0.5", ".") == (
        1,
        "",
        "reviewgen diff: .@0.5: no commit of review/review.yaml states version '0.5'; "
        "versions in its history: 1.1, 1.0\n",
    )


def test_diff_errors_are_one_line_and_exit_1(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(history)
    assert run(capsys, "diff", "HEAD~5:review", "HEAD:review") == (
        1,
        "",
        f"reviewgen diff: HEAD~5:review: 'HEAD~5' is not a revision of the repository at "
        f"{history.resolve()}\n",
    )
    assert run(capsys, "diff", "HEAD:nowhere", "HEAD:review") == (
        1,
        "",
        "reviewgen diff: HEAD:nowhere: there is no folder 'nowhere' at revision HEAD\n",
    )
    assert run(capsys, "diff", "nowhere", "HEAD:review") == (
        1,
        "",
        "reviewgen diff: nowhere: no such review folder (for a git revision write "
        "REV:PATH, such as HEAD~1:reviews/name, and for a version PATH@VERSION)\n",
    )
    outside = history.parent / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    status, out, err = run(capsys, "diff", "HEAD:review", "HEAD:review")
    assert (status, out) == (1, "")
    assert err.startswith("reviewgen diff: HEAD:review: not a review folder, and ")


def test_a_problem_in_a_revision_is_located_in_that_revision(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    path = history / "review" / "findings" / "VN-01.yaml"
    line = append(path, "unknown_key: 1\n")
    git(history, "commit", "-q", "-a", "-m", "a typo")
    monkeypatch.chdir(history)
    status, out, err = run(capsys, "diff", "HEAD~1:review", "HEAD:review")
    assert (status, out) == (1, "")
    first = err.splitlines()[0]
    assert first.startswith(f"HEAD:review/findings/VN-01.yaml:{line}:1: ")
    assert err.endswith("1 problem found\n")


# ----- the retest checks, each at its line ----------------------------------------------


def test_retests_out_of_date_order(example_copy: Path, spec: ReviewFile) -> None:
    path = finding_file(example_copy, "GU-01")
    first = append(
        path,
        "retests:\n  - date: 2025-07-15\n    result: not-fixed\n"
        "  - date: 2025-07-01\n    result: not-fixed\n",
    )
    assert retest_problems(example_copy, spec) == [
        f"{display_path(path)}:{first + 3}:11: retests must be in date order, oldest first: "
        "2025-07-01 comes after 2025-07-15"
    ]


def test_a_retest_before_the_review_period(example_copy: Path, spec: ReviewFile) -> None:
    path = finding_file(example_copy, "GU-01")
    first = append(path, "retests:\n  - date: 2025-04-06\n    result: not-fixed\n")
    assert retest_problems(example_copy, spec) == [
        f"{display_path(path)}:{first + 1}:11: retest date 2025-04-06 is before the review "
        "period starts (2025-04-07)"
    ]


def status_line(path: Path) -> int:
    return path.read_text(encoding="utf-8").splitlines().index("status: open") + 1


def test_remediated_with_a_latest_retest_not_fixed(example_copy: Path, spec: ReviewFile) -> None:
    path = finding_file(example_copy, "GU-01")
    line = status_line(path)
    set_status(path, "remediated")
    append(
        path,
        "retests:\n  - date: 2025-07-01\n    result: fixed\n"
        "  - date: 2025-07-15\n    result: partial\n",
    )
    assert retest_problems(example_copy, spec) == [
        f"{display_path(path)}:{line}:9: status: remediated contradicts the retests: the "
        "latest retest (2025-07-15) found it partial; set status: open, or record the retest "
        "that found it fixed"
    ]


def test_open_with_a_latest_retest_fixed(example_copy: Path, spec: ReviewFile) -> None:
    path = finding_file(example_copy, "GU-01")
    line = status_line(path)
    append(path, "retests:\n  - date: 2025-07-15\n    result: fixed\n")
    assert retest_problems(example_copy, spec) == [
        f"{display_path(path)}:{line}:9: set status: remediated (the latest retest found it fixed)"
    ]


def test_without_a_status_line_the_problem_is_at_the_latest_result(
    example_copy: Path, spec: ReviewFile
) -> None:
    path = finding_file(example_copy, "GU-01")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nstatus: open\n", "\n"), encoding="utf-8")
    first = append(path, "retests:\n  - date: 2025-07-15\n    result: fixed\n")
    assert retest_problems(example_copy, spec) == [
        f"{display_path(path)}:{first + 2}:13: set status: remediated (the latest retest "
        "found it fixed)"
    ]


def test_a_retest_result_must_be_one_of_three(example_copy: Path, capsys: Capture) -> None:
    path = finding_file(example_copy, "GU-01")
    first = append(path, "retests:\n  - date: 2025-07-15\n    result: done\n")
    status, _, err = run(capsys, "check", str(example_copy))
    assert status == 1
    assert f"{display_path(path)}:{first + 2}:13: " in err


def test_check_runs_the_retest_checks(example_copy: Path, capsys: Capture) -> None:
    path = finding_file(example_copy, "GU-01")
    line = status_line(path)
    append(path, "retests:\n  - date: 2025-07-15\n    result: fixed\n")
    status, _, err = run(capsys, "check", str(example_copy))
    assert status == 1
    assert (
        f"{display_path(path)}:{line}:9: set status: remediated (the latest retest found it fixed)"
        in err
    )


def test_a_finding_page_shows_its_retests(example_dir: Path) -> None:
    review = load_review(example_dir)
    figures = compare(review)
    helpers = render.PageContext(review, figures, review.slug)
    context = render._common(review, figures, helpers, None)
    helpers.page = render.finding_path("MP-03")
    mp03 = review.finding_by_id["MP-03"]
    text = (
        render.make_environment()
        .get_template("finding.md.j2")
        .render(context, f=mp03, finding=mp03.finding)
    )
    assert "**Retests:** 2025-07-15, fixed (" in text
    # The note sits in parentheses within the sentence: its own full stop is dropped.
    assert (
        '(<span class="rg-md-inline">Both hosts checked from vCenter and the vault</span>).' in text
    )
    assert "[retests](../retests.md)" in text


def test_the_site_shows_changes_since_an_earlier_version(
    tmp_path: Path, example_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    root = repo / "reviews" / example_dir.name
    shutil.copytree(example_dir, root)
    as_issued(root)
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "v1.0"], check=True)
    shutil.rmtree(root)
    shutil.copytree(example_dir, root)
    monkeypatch.chdir(repo)
    for since in ("HEAD", "@1.0"):
        site = build_site([root.relative_to(repo)], since=since)
        page = site.pages[f"{example_dir.name}/changes.md"]
        assert "# Changes since version 1.0" in page
        assert "5 findings closed" in page
        for closed in RETESTED_FIXED:
            assert f"[{closed}](findings/{closed.lower()}.md)" in page
        titles = [next(iter(entry)) for entry in site.nav[1][next(iter(site.nav[1]))]]
        assert "Changes since version 1.0" in titles
