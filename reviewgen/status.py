"""A finding's status in each state of the review.

`status:` in a finding file is its status now, in the current state (and any later one):
`open`, `remediated` or `risk-accepted`. The baseline is the estate as it was before
the change, so a finding that affected it was open there, whatever happened since:
remediating it now does not shrink what an attacker could reach before. A finding that
affects nothing in a state, and has no attack step there, is `absent` from it; one the
change removed (`delta: removed`) is absent from the current state, never open.
"""

from __future__ import annotations

from typing import Literal

from .review import Review, ScoredFinding

StateStatus = Literal["open", "remediated", "risk-accepted", "absent"]


def present_in(scored: ScoredFinding, state: str) -> bool:
    finding = scored.finding
    return bool(finding.affected.get(state)) or any(
        state in step.states for step in finding.attack_steps
    )


def status_in(review: Review, scored: ScoredFinding, state: str) -> StateStatus:
    if not present_in(scored, state):
        return "absent"
    if state == review.baseline and review.compared:
        return "open"
    return scored.finding.status


def closed_in(review: Review, state: str) -> frozenset[str]:
    """Findings an attacker can no longer use in `state`: remediated since, except in the
    baseline, which is the estate as it was."""
    if state == review.baseline and review.compared:
        return frozenset()
    return frozenset(f.id for f in review.findings if f.finding.status == "remediated")


def status_now(review: Review, scored: ScoredFinding) -> str:
    """The status a page shows: in the current state, in words."""
    current = review.current
    status = status_in(review, scored, current)
    if status == "absent":
        return "removed by the change" if scored.finding.delta == "removed" else "not present"
    return status
