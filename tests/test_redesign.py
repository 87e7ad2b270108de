"""States with roles, and the proposed redesign compared with the current state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from reviewbuilder import asset, edge
from test_exploitation_pages import page

from reviewgen.compare import compare
from reviewgen.errors import ReviewError
from reviewgen.glance import at_a_glance
from reviewgen.load import load_review
from reviewgen.plan import plan
from reviewgen.redesign import redesigns

WriteReview = Callable[..., Path]


def test_the_example_redesign_removes_five_of_six_single_points(example_dir: Path) -> None:
    review = load_review(example_dir)
    assert (review.baseline, review.current, review.proposed) == ("pre", "post", ["redesign"])
    figures = compare(review)
    (redesign,) = redesigns(review, figures)
    # Hand-worked: with the DMZ on its own hosts, storage, logins and backups, the
    # directory, the backup server, the two production hosts and their storage control
    # the 11 internal services only; vCenter still manages both clusters, and the host it
    # runs on controls it.
    assert redesign.removed == ("ldap", "backup", "esx01", "esx02", "nfs01")
    assert redesign.remaining == ("vcsa01",)
    assert redesign.added == ("mgmt01",)
    assert redesign.sentence(review, 6).startswith(
        "The redesign removes 5 of the 6 single points of total compromise"
    )
    glance = at_a_glance(review, figures, plan(review, figures))
    dmz = next(f for f in glance.decisions.fund if f.item.id == "dmz-hosts")
    assert "it removes 5 of the 6 single points of total compromise" in dmz.sentence.text
    assert glance.decisions.accept.residual.text.endswith(
        "(the redesign “Proposed: DMZ and management on their own hosts” removes 5 of them)."
    )
    text = page(example_dir, "redesign.md.j2", "comparison/redesign.md")
    assert "## Proposed&#58; DMZ and management on their own hosts { #redesign }" in text
    assert "&#59; 1 remains &#40;vCenter Server&#41;" in text
    assert "| Single points of total compromise | 6 | 2 |" in text


def _states(write_review: WriteReview, name: str, roles: list[str | None]) -> Path:
    ids = [f"s{i}" for i in range(len(roles))]
    root = write_review(
        name,
        assets=[asset("a", states=ids), asset("h", "hypervisor-host", states=ids)],
        dominance=[edge("h", "a", states=ids)],
        states=ids,
    )
    data = yaml.safe_load((root / "review.yaml").read_text("utf-8"))
    for state, role in zip(data["states"], roles, strict=True):
        if role:
            state["role"] = role
    (root / "review.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return root


def test_roles_choose_the_baseline_and_current_state(write_review: WriteReview) -> None:
    default = load_review(_states(write_review, "d", [None, None, "proposed"]))
    assert (default.baseline, default.current, default.proposed) == ("s0", "s1", ["s2"])
    marked = load_review(_states(write_review, "m", ["proposed", "baseline", "current"]))
    assert (marked.baseline, marked.current, marked.proposed) == ("s1", "s2", ["s0"])


def test_two_current_states_are_refused(write_review: WriteReview) -> None:
    with pytest.raises(ReviewError) as caught:
        load_review(_states(write_review, "t", ["current", "current"]))
    assert [p.message for p in caught.value.problems] == [
        "only one state can be the current ('s0' is)"
    ]
