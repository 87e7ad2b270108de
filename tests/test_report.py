"""Every sentence the report states is checked against the figures it states.

The figures come from the comparison; the sentences from reviewgen.report. A sentence is
parsed back into numbers and routes and compared with the figures, on the example, on
hand-built reviews whose crown jewels are reached through different findings, and on
generated reviews.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reviewbuilder import asset, finding, step

from benchmarks.generate import generate
from reviewgen.compare import compare
from reviewgen.figures import Comparison
from reviewgen.load import load_review
from reviewgen.report import (
    NUMBER_WORDS,
    Reach,
    executive_summary,
    reach_of,
)
from reviewgen.review import Review

WORDS = {word: n for n, word in enumerate(NUMBER_WORDS)}


def number(text: str) -> int:
    return WORDS[text] if text in WORDS else int(text)


def check_reach_sentence(reach: Reach, data: dict[str, Any]) -> None:
    """The sentence of one entry point in one state says what the figures say."""
    text = reach.sentence.text
    controlled, read = data["controlled"], data["read"]
    total = reach.services
    if match := re.match(r"full control of every service \((\d+)\)", text):
        assert int(match.group(1)) == total == len(controlled)
    elif match := re.match(r"control of (\d+) of (\d+) services?", text):
        assert (int(match.group(1)), int(match.group(2))) == (len(controlled), total)
        assert len(controlled) < total
        more = re.match(r"control of \d+ of \d+ services?, read access to (\d+) more", text)
        assert (int(more.group(1)) if more else 0) == len(read) - len(controlled)
    elif match := re.match(r"read access to (\d+) of (\d+) services?", text):
        assert (int(match.group(1)), int(match.group(2))) == (len(read), total)
        assert not controlled
    else:
        assert text.startswith("no service") and not controlled and not read

    down = re.search(r"; can take down (\d+) more", text)
    assert (int(down.group(1)) if down else 0) == len(data["denied"]) - len(controlled)

    jewels = data["min_findings"]
    reached = {j: n for j, n in jewels.items() if n is not None}
    read_only = {
        j: n for j, n in data["min_findings_read"].items() if n is not None and jewels[j] is None
    }
    control_part = re.search(
        r"; (every crown jewel|the crown jewel|(\d+) of (\d+) crown jewels?) within "
        r"(at most )?(\w+) findings?(: (.*?))?(?:, by (\d+) different routes)?(?:;|$)",
        text,
    )
    if reached:
        assert control_part, text
        if control_part.group(2):
            assert int(control_part.group(2)) == len(reached)
            assert int(control_part.group(3)) == len(jewels)
        else:
            assert len(reached) == len(jewels)
        assert number(control_part.group(5)) == max(reached.values())
        _check_route_claim(control_part.group(7), control_part.group(8), reached, data)
    else:
        assert not control_part, text
    read_part = re.search(
        r"; reads (\d+) of (\d+) crown jewels? within (at most )?(\w+) findings?(: (.*?))?"
        r"(?:, by (\d+) different routes)?(?:;|$)",
        text,
    )
    if read_only:
        assert read_part, text
        assert (int(read_part.group(1)), int(read_part.group(2))) == (len(read_only), len(jewels))
        assert number(read_part.group(4)) == max(read_only.values())
        _check_route_claim(read_part.group(6), read_part.group(7), read_only, data)
    else:
        assert not read_part, text
    if jewels and not reached and not read_only:
        assert text.endswith("; no crown jewel")


def _check_route_claim(
    chain: str | None, routes: str | None, jewels: dict[str, int], data: dict[str, Any]
) -> None:
    """A named chain is the route of every jewel counted; otherwise the route count is."""
    paths = {
        tuple((p["finding"], tuple(p["also_requires"])) for p in data["paths"][j]) for j in jewels
    }
    if chain is not None:
        assert len(paths) == 1, f"one route named for {len(paths)} different routes"
        (path,) = paths
        named = [re.sub(r" \(with .*\)$", "", part) for part in chain.split(" → ")]
        assert named == [finding_id for finding_id, _ in path]
    else:
        assert routes is not None and int(routes) == len(paths) > 1


def check_review(review: Review) -> int:
    figures = compare(review)
    data = figures.to_json()  # the published figures, read independently of the records
    checked = 0
    for state in review.state_ids:
        for entry in review.spec.entry_points:
            reach = reach_of(review, figures, state, entry.id)
            check_reach_sentence(reach, data["states"][state]["entry_points"][entry.id])
            checked += 1
    check_counts(review, figures, data)
    return checked


def check_counts(review: Review, figures: Comparison, data: dict[str, Any]) -> None:
    """Every count the summary states adds up."""
    summary = executive_summary(review, figures)
    text = summary.counts_sentence
    match = re.match(r"(\d+) findings? appl(?:y|ies) to the current state: (.*)\.$", text)
    assert match, text
    parts = [int(n) for n in re.findall(r"(\d+) (?:new|carried|whose)", match.group(2))]
    assert sum(parts) == int(match.group(1)) == summary.counts["open"]
    current = review.current
    open_now = [
        f
        for f in review.findings
        if f.finding.affected.get(current) and f.finding.status != "remediated"
    ]
    assert summary.counts["open"] == len(open_now)
    spotc = re.search(r"went from (\d+) to (\d+)", summary.spotc_sentence)
    assert spotc
    before = data["states"][review.baseline]["single_points_of_total_compromise"]
    after = data["states"][current]["single_points_of_total_compromise"]
    assert (int(spotc.group(1)), int(spotc.group(2))) == (len(before), len(after))


def test_every_sentence_of_the_example_agrees_with_its_figures(example_dir: Path) -> None:
    # Four entry points in each of three states: before, after and the proposed redesign.
    assert check_review(load_review(example_dir)) == 12


def test_the_example_headline_names_its_one_route(example_dir: Path) -> None:
    review = load_review(example_dir)
    reach = reach_of(review, compare(review), "post", "internet")
    assert reach.sentence.text == (
        "full control of every service (15); every crown jewel within three findings: "
        "GU-01 → GU-02 → HV-01"
    )


JEWELS = ["ehr", "pacs", "lab", "billing"]


def _workstation_review(write_review: Callable[..., Path], *, shared: bool) -> Path:
    """A clinician workstation reaches four crown jewels; through one finding each, or
    (shared) all through the same one."""
    assets = [asset(j, crown_jewel=True) for j in JEWELS] + [asset("ws")]
    findings = []
    if shared:
        findings.append(finding("GU-02", step("S1", "workstation", "control", JEWELS)))
    else:
        for i, jewel in enumerate(JEWELS, start=1):
            findings.append(finding(f"GU-0{i}", step(f"S{i}", "workstation", "control", jewel)))
    return write_review(
        "shared" if shared else "separate",
        assets=assets,
        findings=findings,
        entry_points=[{"id": "workstation", "title": "Clinician workstation"}],
    )


def test_jewels_reached_through_different_findings_name_no_single_route(
    write_review: Callable[..., Path],
) -> None:
    review = load_review(_workstation_review(write_review, shared=False))
    reach = reach_of(review, compare(review), "post", "workstation")
    assert reach.sentence.text == (
        "control of 4 of 5 services; every crown jewel within one finding, by 4 different routes"
    )
    assert "GU-02" not in reach.sentence.text
    assert check_review(review) == 2


def test_jewels_reached_through_one_finding_name_it(
    write_review: Callable[..., Path],
) -> None:
    review = load_review(_workstation_review(write_review, shared=True))
    reach = reach_of(review, compare(review), "post", "workstation")
    assert reach.sentence.text.endswith("every crown jewel within one finding: GU-02")
    assert check_review(review) == 2


def test_routes_of_different_lengths_say_at_most(write_review: Callable[..., Path]) -> None:
    root = write_review(
        assets=[asset("a", crown_jewel=True), asset("b", crown_jewel=True), asset("web")],
        findings=[
            finding("WB-01", step("S1", "internet", "control", "web")),
            finding("WB-02", step("S2", "control:web", "control", "a")),
            finding("WB-03", step("S3", "internet", "control", "b")),
        ],
    )
    review = load_review(root)
    reach = reach_of(review, compare(review), "post", "internet")
    assert reach.sentence.text == (
        "full control of every service (3); every crown jewel within at most two findings, "
        "by 2 different routes"
    )
    check_review(review)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_sentences_agree_with_figures_on_generated_reviews(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    root = generate(tmp_path_factory.mktemp("gen") / "review", findings=40, assets=30, seed=seed)
    assert check_review(load_review(root)) > 0


def _direction(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Worse or better, worked out from the published figures of one entry point."""

    def jewels(reach: dict[str, Any]) -> int:
        return sum(n is not None for n in reach["min_findings"].values())

    b = (len(before["controlled"]), jewels(before), len(before["read"]), len(before["denied"]))
    a = (len(after["controlled"]), jewels(after), len(after["read"]), len(after["denied"]))
    if a[0] > b[0] or a[1] > b[1] or (a[0] == b[0] and (a[2], a[3]) > (b[2], b[3])):
        return "worse"
    if a[0] < b[0] or a[1] < b[1] or (a[0] == b[0] and (a[2], a[3]) < (b[2], b[3])):
        return "better"
    return "same"


def check_summary_sentences(review: Review) -> None:
    figures = compare(review)
    data = figures.to_json()
    summary = executive_summary(review, figures)
    baseline, current = review.baseline, review.current
    titles = {e.id: e.title for e in review.spec.entry_points}
    directions = {
        e: _direction(
            data["states"][baseline]["entry_points"][e], data["states"][current]["entry_points"][e]
        )
        for e in titles
    }
    worse = [titles[e] for e, d in directions.items() if d == "worse"]
    better = [titles[e] for e, d in directions.items() if d == "better"]
    assert list(summary.worse) == worse and list(summary.better) == better
    if worse and not better:
        assert summary.verdict.startswith("The estate is more exposed")
    elif better and not worse:
        assert summary.verdict.startswith("The estate is less exposed")
    elif not worse and not better:
        assert summary.verdict.startswith("Reach from the modelled entry points is the same")
    if worse:
        assert summary.exposure is not None
        assert f"({', '.join(worse)})" in summary.exposure
    # Top risks: a stated cut is the choke point's own figures.
    chokes = {c["finding"]: c for c in data["states"][current]["choke_points"]}
    for risk in summary.top_risks:
        text = risk.reason.text
        if risk.finding.id in chokes:
            c = chokes[risk.finding.id]
            match = re.search(r"control of (\d+) services?.*read access to (\d+)", text)
            assert match and (int(match.group(1)), int(match.group(2))) == (
                c["services_cut"],
                c["reads_cut"],
            )
            routes = re.search(r"cuts (\d+) crown-jewel routes?", text)
            assert (int(routes.group(1)) if routes else 0) == c["crown_jewels_cut"]
        assert ("Known to be exploited" in text) == risk.finding.finding.known_exploited.cisa_kev
    # The decision's table and the phase sentence are the first phase's what-if figures.
    if review.spec.roadmap:
        first = review.spec.roadmap[0].id
        after = data["what_if"][first]["states"][current]["entry_points"]
        now = data["states"][current]["entry_points"]
        assert summary.decision is not None
        assert [(r[1], r[2]) for r in summary.decision.rows] == [
            (len(now[e]["controlled"]), len(after[e]["controlled"])) for e in titles
        ]
        base = data["states"][baseline]["entry_points"]
        left = [e for e in titles if len(after[e]["controlled"]) > len(base[e]["controlled"])]
        if summary.phase_sentence:
            if left:
                assert f"{len(left)} entry point" in summary.phase_sentence
            else:
                assert "brings every modelled entry point back" in summary.phase_sentence


def test_the_summary_sentences_of_the_example_agree_with_the_figures(example_dir: Path) -> None:
    check_summary_sentences(load_review(example_dir))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_summary_sentences_agree_on_generated_reviews(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    root = generate(tmp_path_factory.mktemp("gen") / "review", findings=40, assets=30, seed=seed)
    check_summary_sentences(load_review(root))


def test_each_top_risk_has_its_own_reason_and_the_order_follows_the_rule(
    example_dir: Path,
) -> None:
    review = load_review(example_dir)
    figures = compare(review)
    summary = executive_summary(review, figures)
    reasons = [r.reason.text for r in summary.top_risks]
    assert len(set(reasons)) == len(reasons) == 5
    data = figures.to_json()
    chokes = {c["finding"]: c for c in data["states"]["post"]["choke_points"]}
    keys = []
    for risk in summary.top_risks:
        c = chokes[risk.finding.id]
        head = risk.finding.headline(review.primary_version)
        score = head.score if head is not None else -1.0  # not CVSS-scored: last among equals
        keys.append((-c["crown_jewels_cut"], -c["services_cut"], -c["reads_cut"], -score))
    assert keys == sorted(keys)
    # MP-01 (9.8) and GU-01 (8.8) cut the same; the rule puts the higher score first.
    assert [r.finding.id for r in summary.top_risks][:2] == ["MP-01", "GU-01"]
    assert "ties go to the higher CVSS score" in summary.ranking_rule


def test_read_access_has_its_own_row(example_dir: Path) -> None:
    review = load_review(example_dir)
    rows = {
        r.label: (r.before, r.after) for r in executive_summary(review, compare(review)).figure_rows
    }
    # The oracle: the helpdesk account reads ldap and db after consolidation, nothing before.
    assert rows["Services controlled from Helpdesk account"] == (0, 0)
    assert rows["Services read from Helpdesk account"] == (0, 2)


def test_a_component_that_already_controlled_most_services_is_not_new(
    write_review: Callable[..., Path],
) -> None:
    """Three of four services before, all four after: it grew, it is not new."""
    services = [asset(f"s{i}", states=("pre", "post")) for i in range(1, 5)]
    root = write_review(
        assets=[
            *services,
            asset("dc", "management"),
            asset("hv", "hypervisor-host", states=("post",)),
        ],
        dominance=[
            {"from": "dc", "to": ["s1", "s2", "s3"], "grants": ["C", "I", "A"],
             "via": "domain admin", "states": ["pre", "post"]},
            {"from": "dc", "to": ["s4"], "grants": ["C", "I", "A"],
             "via": "domain admin", "states": ["post"]},
            {"from": "hv", "to": ["s1", "s2", "s3", "s4", "dc"], "grants": ["C", "I", "A"],
             "via": "hypervisor", "states": ["post"]},
        ],
    )  # fmt: skip
    review = load_review(root)
    summary = executive_summary(review, compare(review))
    assert summary.new_single_points == ("hv",)
    assert summary.spotc_grown == (
        "Not new, though they control more now: dc controlled 3 of 4 services before."
    )
