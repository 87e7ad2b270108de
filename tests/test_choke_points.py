"""The choke-point computation agrees with its definition: a search per fixed finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate
from reviewgen.graph import build_state_graph
from reviewgen.load import load_review
from reviewgen.reach import AttackGraph
from reviewgen.review import Review


def _check_against_brute_force(review: Review) -> int:
    """Compare `losses` with re-running the search once per finding; return cases seen."""
    cases = 0
    findings = {f.id for f in review.findings}
    for state in review.state_ids:
        graph = AttackGraph(build_state_graph(review, state))
        for entry in (e.id for e in review.spec.entry_points):
            fixed = frozenset()
            before = set(graph.attack(entry, fixed).distance)
            losses = graph.losses(graph.attack(entry, fixed), fixed)
            for finding in sorted(findings):
                after = set(graph.attack(entry, fixed | {finding}).distance)
                assert losses.get(finding, set()) == before - after, (state, entry, finding)
                cases += 1
    return cases


def test_losses_match_brute_force_on_the_example(example_dir: Path) -> None:
    assert _check_against_brute_force(load_review(example_dir)) > 100


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_losses_match_brute_force_on_generated_reviews(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    root = generate(tmp_path_factory.mktemp("gen") / "review", findings=60, assets=40, seed=seed)
    assert _check_against_brute_force(load_review(root)) > 0
