"""The roadmap as an order of work: numbered steps, each with an owner and a due date.

The reviewer assigns findings and roadmap items to phases; this module turns that into
the order an engineer works in:

1. interim mitigations first, then findings known to be exploited, in a "this week" tier;
2. then each phase in turn;
3. a step that another step depends on (`depends_on:`) is brought forward into the
   dependent's tier when it was scheduled later, and always comes before it;
4. within a tier, the steps that cut the most routes to crown jewels come first (the
   choke-point figures), then lower effort, then higher severity, then by id.

Scheduling (which tier a step falls in) needs no figures, so the comparison's what-if
figures use it too; ordering within a tier uses the choke points of the current state.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from .figures import Comparison
from .review import Review, ScoredFinding

THIS_WEEK = "this-week"
THIS_WEEK_DAYS = 7
UNSCHEDULED = "unscheduled"

ORDER_RULE = (
    "Interim mitigations come first, then findings known to be exploited, this week; then "
    "each phase in turn. A step that another depends on always comes before it, and is "
    "brought forward when it was planned for a later phase. Within a tier, the fixes that "
    "cut the most routes to crown jewels and services come first, then the lower effort, "
    "then the higher severity."
)

_EFFORT_RANK = {"low": 0, "medium": 1, "high": 2, None: 3}

StepKind = Literal["interim", "finding", "item"]


def is_open(scored: ScoredFinding) -> bool:
    """Work is still to do: open, and not a risk the change removed from the current state
    (a `removed` finding affects nothing there)."""
    return scored.finding.status == "open" and scored.finding.delta != "removed"


def known_exploited(scored: ScoredFinding) -> bool:
    """Exploited in the wild: the finding-level mark or any of its CVEs' marks, by the
    CISA KEV catalogue or a cited source (see exploitation.py)."""
    from .exploitation import finding_exploited

    return finding_exploited(scored.finding)


def dependency_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle in `depends_on` edges (node → prerequisites), as a closed path, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for needed in edges.get(node, ()):
            if state.get(needed) == 1:
                return [*stack[stack.index(needed) :], needed]
            if needed not in state and (found := visit(needed)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


@dataclass(frozen=True)
class Work:
    """A unit of work before ordering: an open finding or a roadmap item not yet done."""

    id: str
    kind: Literal["finding", "item"]
    title: str
    planned: str
    """The tier the reviewer planned: a phase id, THIS_WEEK or UNSCHEDULED."""
    depends_on: tuple[str, ...]
    owner: str | None
    due: dt.date | None
    effort: str | None
    effort_days: float | None
    known_exploited: bool


def _work(review: Review) -> dict[str, Work]:
    work: dict[str, Work] = {}
    for scored in review.findings:
        if not is_open(scored):
            continue
        f = scored.finding
        exploited = known_exploited(scored)
        work[f.id] = Work(
            f.id,
            "finding",
            f.title,
            THIS_WEEK if exploited else (f.roadmap or UNSCHEDULED),
            tuple(f.depends_on),
            f.owner,
            f.due,
            f.effort,
            f.effort_days,
            exploited,
        )
    for item in review.spec.roadmap_items:
        if item.status == "done":
            continue
        work[item.id] = Work(
            item.id,
            "item",
            item.title,
            item.phase,
            tuple(item.depends_on),
            item.owner,
            item.due,
            None,
            item.effort_days,
            False,
        )
    return work


def tier_ids(review: Review) -> list[str]:
    return [THIS_WEEK, *(p.id for p in review.spec.roadmap), UNSCHEDULED]


def schedule(review: Review) -> dict[str, str]:
    """The tier each open finding and roadmap item falls in, dependencies brought forward.

    A prerequisite takes the earliest tier of anything that depends on it, directly or
    through others; dependencies that are already done (remediated, accepted, or an item
    with status done) do not hold anything back.
    """
    work = _work(review)
    rank = {tier: i for i, tier in enumerate(tier_ids(review))}
    tier = {w.id: w.planned for w in work.values()}
    changed = True
    while changed:  # terminates: tiers only move earlier, and there are finitely many
        changed = False
        for w in work.values():
            for needed in w.depends_on:
                if needed in tier and rank[tier[w.id]] < rank[tier[needed]]:
                    tier[needed] = tier[w.id]
                    changed = True
    return tier


def fixed_by_phase(review: Review) -> dict[str, frozenset[str]]:
    """Findings fixed once each phase is done, cumulatively, for the what-if figures.

    The this-week tier is done before the first phase ends; a roadmap item fixes the
    findings it `resolves`. Findings accepted or left unscheduled are never fixed.
    """
    tiers = schedule(review)
    items = {item.id: item for item in review.spec.roadmap_items}
    result: dict[str, frozenset[str]] = {}
    done: set[str] = set()
    for i, phase in enumerate(review.spec.roadmap):
        for work_id, tier in tiers.items():
            if tier == phase.id or (i == 0 and tier == THIS_WEEK):
                if work_id in items:
                    done.update(items[work_id].resolves)
                else:
                    done.add(work_id)
        result[phase.id] = frozenset(done)
    return result


@dataclass(frozen=True)
class Step:
    number: int
    kind: StepKind
    ref: str
    """The finding id or roadmap item id."""
    title: str
    owner: str | None
    due: dt.date | None
    effort_days: float | None
    effort: str | None
    depends_on: tuple[str, ...]
    """Prerequisites still to do (done ones are left out)."""
    brought_forward_from: str | None
    """The tier the reviewer planned, when a dependency brought the step forward."""
    needed_by: tuple[str, ...]
    known_exploited: bool


@dataclass(frozen=True)
class Tier:
    id: str
    title: str
    due: dt.date | None
    owner: str | None
    steps: tuple[Step, ...]

    @property
    def effort_days(self) -> float:
        return sum(s.effort_days or 0 for s in self.steps)

    @property
    def unestimated(self) -> int:
        return sum(s.effort_days is None for s in self.steps)


@dataclass(frozen=True)
class Plan:
    tiers: tuple[Tier, ...]
    accepted: tuple[ScoredFinding, ...]
    rule: str = ORDER_RULE

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for t in self.tiers for s in t.steps)

    @cached_property
    def _by_ref(self) -> dict[str, Step]:
        return {s.ref: s for s in self.steps if s.kind != "interim"}

    def step_of(self, ref: str) -> Step | None:
        """The step of a finding or roadmap item (not its interim mitigation)."""
        return self._by_ref.get(ref)

    # Indexes for the finding pages: scanning every tier's steps once per page made
    # rendering grow with the square of the findings.

    @cached_property
    def _tier_by_number(self) -> dict[int, Tier]:
        return {s.number: t for t in self.tiers for s in t.steps}

    @cached_property
    def _interim_by_ref(self) -> dict[str, Step]:
        return {s.ref: s for s in self.steps if s.kind == "interim"}

    def tier_of(self, step: Step) -> Tier | None:
        """The tier a step of this plan is in."""
        return self._tier_by_number.get(step.number)

    def interim_of(self, ref: str) -> Step | None:
        """The interim mitigation step of a finding, if it has one."""
        return self._interim_by_ref.get(ref)


def phase_due(review: Review, phase_id: str) -> dt.date | None:
    report = review.spec.review.report_date
    if phase_id == THIS_WEEK:
        return report + dt.timedelta(days=THIS_WEEK_DAYS)
    phase = next((p for p in review.spec.roadmap if p.id == phase_id), None)
    if phase is None:
        return None
    if phase.due is not None:
        return phase.due
    if phase.within_days is not None:
        return report + dt.timedelta(days=phase.within_days)
    return None


def _tier_title(review: Review, tier: str) -> str:
    if tier == THIS_WEEK:
        return "This week"
    if tier == UNSCHEDULED:
        return "Not scheduled"
    return next(p.title for p in review.spec.roadmap if p.id == tier)


def plan(review: Review, figures: Comparison) -> Plan:
    """Every open finding and roadmap item as a numbered step, in the order of work."""
    current = review.current
    work = _work(review)
    tiers = schedule(review)
    primary = review.primary_version
    chokes = {c.finding: c for c in figures.states[current].choke_points or ()}
    phases = {p.id: p for p in review.spec.roadmap}
    needed_by: dict[str, list[str]] = {}
    for w in work.values():
        for needed in w.depends_on:
            if needed in work:
                needed_by.setdefault(needed, []).append(w.id)

    def priority(w: Work) -> tuple[int, int, int, int, int, float, str]:
        choke = chokes.get(w.id)
        headline = review.finding_by_id[w.id].headline(primary) if w.kind == "finding" else None
        return (
            0 if w.known_exploited else 1,
            -(choke.crown_jewels_cut if choke else 0),
            -(choke.services_cut if choke else 0),
            -(choke.reads_cut if choke else 0),
            _EFFORT_RANK.get(w.effort, 3),
            -(headline.score if headline else 0.0),
            w.id,
        )

    result: list[Tier] = []
    number = 0
    for tier_id in tier_ids(review):
        members = {w.id: w for w in work.values() if tiers[w.id] == tier_id}
        interims = []
        if tier_id == THIS_WEEK:
            interims = [
                f for f in review.findings if is_open(f) and f.finding.fix.interim is not None
            ]
            interims.sort(key=lambda f: priority(work[f.id]))
        if not members and not interims:
            continue
        steps: list[Step] = []
        tier_due = phase_due(review, tier_id)
        tier_owner = phases[tier_id].owner if tier_id in phases else None
        for scored in interims:
            number += 1
            w = work[scored.id]
            steps.append(
                Step(
                    number,
                    "interim",
                    scored.id,
                    f"Interim mitigation for {scored.id}",
                    w.owner or _planned_owner(review, w),
                    tier_due,
                    None,
                    None,
                    (),
                    None,
                    (),
                    w.known_exploited,
                )
            )
        # Kahn's algorithm over the tier's steps: a step is ready once its prerequisites
        # in this tier are placed (earlier tiers are placed already); the heap picks the
        # ready step of highest priority.
        waiting = {w.id: {d for d in w.depends_on if d in members} for w in members.values()}
        # Who waits on each step, so placing one visits its dependents only (not every
        # step of the tier, which grew with the square of the tier's size).
        dependents: dict[str, list[str]] = {}
        for waiter, needs in waiting.items():
            for needed in needs:
                dependents.setdefault(needed, []).append(waiter)
        ready = [(priority(w), w.id) for w in members.values() if not waiting[w.id]]
        heapq.heapify(ready)
        while ready:
            _, work_id = heapq.heappop(ready)
            w = members[work_id]
            number += 1
            steps.append(
                Step(
                    number,
                    w.kind,
                    w.id,
                    w.title,
                    w.owner or tier_owner or _planned_owner(review, w),
                    w.due or tier_due,
                    w.effort_days,
                    w.effort,
                    tuple(d for d in w.depends_on if d in work),
                    w.planned if w.planned != tier_id else None,
                    tuple(sorted(needed_by.get(w.id, ()))),
                    w.known_exploited,
                )
            )
            for other in dependents.get(work_id, ()):
                needs = waiting[other]
                needs.discard(work_id)
                if not needs:  # the heap orders by (priority, id): push order is moot
                    heapq.heappush(ready, (priority(members[other]), other))
        result.append(
            Tier(tier_id, _tier_title(review, tier_id), tier_due, tier_owner, tuple(steps))
        )
    accepted = tuple(
        f
        for f in review.findings
        if f.finding.status == "risk-accepted" and f.finding.affected.get(current)
    )
    return Plan(tuple(result), accepted)


def _planned_owner(review: Review, w: Work) -> str | None:
    """The owner of the phase the reviewer planned the work for."""
    return next((p.owner for p in review.spec.roadmap if p.id == w.planned), None)
