"""The order of work: dependencies respected, interim fixes and known-exploited findings
first, owners and due dates, and the checks that keep the plan's links honest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from reviewbuilder import asset, finding, step

from benchmarks.generate import generate
from reviewgen.compare import compare
from reviewgen.errors import ReviewError
from reviewgen.load import load_review
from reviewgen.plan import THIS_WEEK, Plan, is_open, plan
from reviewgen.review import Review

WriteReview = Callable[..., Path]


def plan_of(root: Path) -> tuple[Review, Plan]:
    review = load_review(root)
    return review, plan(review, compare(review))


def check_plan(review: Review, work: Plan) -> None:
    """Properties every plan has, whatever the review."""
    steps = work.steps
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    number = {s.ref: s.number for s in steps if s.kind != "interim"}
    for s in steps:
        for needed in s.depends_on:
            assert number[needed] < s.number, f"{s.ref} comes before its prerequisite {needed}"
    # Every open finding is a step exactly once; accepted and remediated ones are not.
    open_ids = sorted(f.id for f in review.findings if is_open(f))
    assert sorted(s.ref for s in steps if s.kind == "finding") == open_ids
    items = sorted(i.id for i in review.spec.roadmap_items if i.status != "done")
    assert sorted(s.ref for s in steps if s.kind == "item") == items
    assert {f.id for f in work.accepted} == {
        f.id
        for f in review.findings
        if f.finding.status == "risk-accepted" and f.finding.affected.get(review.current)
    }
    if work.tiers and work.tiers[0].id == THIS_WEEK:
        kinds = [s.kind for s in work.tiers[0].steps]
        assert kinds == sorted(kinds, key=lambda k: k != "interim"), "interim steps first"
    for tier in work.tiers:
        for s in tier.steps:
            if s.kind == "finding" and review.finding_by_id[s.ref].finding.known_exploited.cisa_kev:
                assert work.tiers[0].id == THIS_WEEK and s in work.tiers[0].steps


def test_the_example_plan_respects_every_dependency(example_dir: Path) -> None:
    review, work = plan_of(example_dir)
    check_plan(review, work)
    by_ref = {s.ref: s for s in work.steps if s.kind != "interim"}
    # vCenter before ESXi, both this week: both are known to be exploited.
    assert by_ref["MP-01"].number < by_ref["HV-01"].number
    assert work.tiers[0].id == THIS_WEEK
    assert work.tiers[0].due == review.spec.review.report_date + dt.timedelta(days=7)
    # MP-02, the low-effort firewall change that closes the VPN route alone, opens "now".
    now = next(t for t in work.tiers if t.id == "now")
    assert now.steps[0].ref == "MP-02"
    assert now.due == dt.date(2025, 8, 17)  # report date 2025-07-18 + within_days 30
    assert all(s.owner for s in work.steps), "every step has an owner"
    assert all(s.due for s in work.steps), "every step has a due date"
    assert [f.id for f in work.accepted] == ["HV-02"]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_generated_plans_respect_every_dependency(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    root = generate(tmp_path_factory.mktemp("gen") / "review", findings=60, assets=30, seed=seed)
    review, work = plan_of(root)
    check_plan(review, work)


def _review(write_review: WriteReview, findings: list[dict[str, Any]], **extra: Any) -> Path:
    root = write_review(
        assets=[asset("a"), asset("jewel", crown_jewel=True)],
        findings=findings,
        roadmap=("now", "next", "later"),
    )
    data = yaml.safe_load((root / "review.yaml").read_text("utf-8"))
    data["roadmap"][0]["within_days"] = 30
    data.update(extra)
    (root / "review.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return root


def with_(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**data, **fields}


def test_a_prerequisite_planned_later_is_brought_forward(write_review: WriteReview) -> None:
    root = _review(
        write_review,
        [
            with_(finding("AA-01", roadmap="now"), depends_on=["AB-01"]),
            finding("AB-01", roadmap="later"),
        ],
    )
    _, work = plan_of(root)
    steps = {s.ref: s for s in work.steps}
    assert steps["AB-01"].number < steps["AA-01"].number
    assert steps["AB-01"].brought_forward_from == "later"
    assert steps["AB-01"].due == steps["AA-01"].due == dt.date(2025, 2, 2)
    assert steps["AB-01"].needed_by == ("AA-01",)


def test_a_known_exploited_finding_and_its_prerequisites_go_this_week(
    write_review: WriteReview,
) -> None:
    root = _review(
        write_review,
        [
            with_(
                finding("AA-01", roadmap="next"),
                known_exploited={"cisa_kev": True},
                depends_on=["AB-01"],
                fix={"interim": "Block it at the firewall."},
            ),
            finding("AB-01", roadmap="later"),
            finding("AC-01", roadmap="now"),
        ],
    )
    _, work = plan_of(root)
    week = work.tiers[0]
    assert week.id == THIS_WEEK
    assert [(s.kind, s.ref) for s in week.steps] == [
        ("interim", "AA-01"),
        ("finding", "AB-01"),
        ("finding", "AA-01"),
    ]
    assert week.due == dt.date(2025, 1, 10)


def test_a_dependency_cycle_is_reported_where_it_starts(write_review: WriteReview) -> None:
    root = _review(
        write_review,
        [
            with_(finding("AA-01", roadmap="now"), depends_on=["AB-01"]),
            with_(finding("AB-01", roadmap="now"), depends_on=["AA-01"]),
        ],
    )
    with pytest.raises(ReviewError) as caught:
        load_review(root)
    messages = [str(p) for p in caught.value.problems]
    assert any(
        m.endswith("AA-01.yaml:16:1: dependency cycle: AA-01 → AB-01 → AA-01") for m in messages
    ), messages


def test_plan_links_are_checked(write_review: WriteReview) -> None:
    root = _review(
        write_review,
        [
            with_(finding("AA-01"), depends_on=["AB-99"], status="risk-accepted"),
            with_(
                finding("AB-01"),
                acceptance={"accepted_by": "Someone", "until": "2026-01-01", "reason": "Why."},
            ),
        ],
        roadmap_items=[{"id": "idp", "title": "IdP", "phase": "soon", "resolves": ["AC-01"]}],
        root_causes=[{"id": "cause", "statement": "Why.", "findings": ["AA-01", "AZ-01"]}],
    )
    with pytest.raises(ReviewError) as caught:
        load_review(root)
    text = "\n".join(p.message for p in caught.value.problems)
    assert "unknown finding or roadmap item 'AB-99'" in text
    assert "a risk-accepted finding needs 'acceptance:' with accepted_by, until and reason" in text
    assert "'acceptance:' is only for a finding with status: risk-accepted" in text
    assert "unknown roadmap phase 'soon'" in text
    assert "unknown finding 'AC-01'" in text
    assert "unknown finding 'AZ-01'" in text


def test_a_roadmap_item_fixes_what_it_resolves_in_the_what_if(write_review: WriteReview) -> None:
    root = _review(
        write_review,
        [finding("AA-01", step("S1", "internet", "control", "jewel"))],
        roadmap_items=[
            {"id": "redesign", "title": "Redesign", "phase": "next", "resolves": ["AA-01"]}
        ],
    )
    figures = compare(load_review(root)).to_json()
    reach = {
        p: figures["what_if"][p]["states"]["post"]["entry_points"]["internet"]
        for p in ("now", "next")
    }
    assert reach["now"]["controlled"] == ["jewel"]
    assert reach["next"]["controlled"] == []
