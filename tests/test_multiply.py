"""benchmarks/multiply.py: the example's real findings, copied, make a review that checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.multiply import EXAMPLE, multiply, new_finding_id, new_step_id
from reviewgen import cli
from reviewgen.load import load_review
from reviewgen.model import FINDING_ID, STEP_ID

N = 60


def _source(new_id: str) -> str:
    """The example's id a copied finding's id came from (GU-0701 → GU-01)."""
    prefix, digits = new_id.rsplit("-", 1)
    return new_id if len(digits) <= 2 else f"{prefix}-{digits[-2:]}"


@pytest.fixture(scope="module")
def multiplied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multiply(tmp_path_factory.mktemp("real") / f"real-{N}", N)


def test_ids_are_renumbered_by_copy() -> None:
    assert new_finding_id("GU-01", 0) == "GU-01"
    assert new_finding_id("GU-01", 7) == "GU-0701"
    assert new_finding_id("HV-04", 192) == "HV-19204"
    assert new_step_id(3, 0) == "S3"
    assert new_step_id(3, 7) == "S703"


def test_the_multiplied_review_passes_check(
    multiplied: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", str(multiplied)]) == 0
    assert f"({N} findings" in capsys.readouterr().out


def test_findings_and_attack_steps_are_all_there(multiplied: Path) -> None:
    example = load_review(EXAMPLE)
    steps_of = {f.id: len(f.finding.attack_steps) for f in (*example.findings, *example.drafts)}
    review = load_review(multiplied)
    findings = [*review.findings, *review.drafts]
    assert len(findings) == N
    assert len(list((multiplied / "findings").glob("*.yaml"))) == N
    ids = [f.id for f in findings]
    assert len(set(ids)) == N and all(re.match(FINDING_ID, i) for i in ids)
    steps = [s.id for f in findings for s in f.finding.attack_steps]
    assert len(steps) == sum(steps_of[_source(i)] for i in ids)
    assert len(set(steps)) == len(steps) and all(re.match(STEP_ID, s) for s in steps)
    # Two full copies at N=60 (the example has fewer than 30 findings), so the attack
    # steps are at least twice the example's.
    assert len(steps) >= 2 * sum(steps_of.values())


def test_links_stay_within_their_copy(multiplied: Path) -> None:
    review = load_review(multiplied)
    for scored in (*review.findings, *review.drafts):
        suffix = scored.id.rsplit("-", 1)[1][:-2]  # the copy's digits ("" for copy 0)
        linked = [*scored.finding.depends_on]
        linked += [x for s in scored.finding.attack_steps for x in s.also_requires]
        for other in linked:
            assert other.rsplit("-", 1)[1][:-2] == suffix, (scored.id, other)


def test_review_and_evidence_are_copied_unchanged(multiplied: Path) -> None:
    assert (multiplied / "review.yaml").read_bytes() == (EXAMPLE / "review.yaml").read_bytes()
    for path in (EXAMPLE / "evidence").iterdir():
        assert (multiplied / "evidence" / path.name).read_bytes() == path.read_bytes()
