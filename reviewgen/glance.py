"""The first screen of the executive summary: four questions, answered from the figures.

1. How exposed are we, compared with before? A rating on a stated scale, by a stated rule.
2. What happens if we do nothing? In business terms: the services and crown jewels one
   intrusion takes, with their data classification.
3. What must be decided, and by when? Approve the first phase, fund the design changes,
   or accept the residual risk.
4. What caused it? The review's root causes, each with the findings it explains.

No host name, asset id or vector appears here: assets are named by their descriptive
names, and figures link to the pages that give the detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .figures import Comparison
from .model import RoadmapItem, RootCause
from .plan import THIS_WEEK, Plan
from .registry import SEVERITY_BANDS
from .report import (
    Piece,
    Ref,
    Sentence,
    Term,
    count,
    joined,
    number_word,
    reach_of,
    say,
    with_terms,
)
from .retest import retest_summary
from .review import Review, ScoredFinding

# ----- the rating ---------------------------------------------------------------------

RATING_SCALE: tuple[tuple[str, str], ...] = (
    (
        "Critical",
        "from an entry point that assumes no prior access, an attacker can take control of "
        "every service",
    ),
    (
        "High",
        "from an entry point that assumes no prior access, an attacker can take control of a "
        "crown jewel; or, from an assumed breach, of every service",
    ),
    (
        "Medium",
        "from some modelled entry point, an attacker can take control of, or read, a service "
        "they did not start with",
    ),
    ("Low", "no modelled entry point reaches any service beyond where it starts"),
)
RATING_RULE = (
    "The rating is the first level of the scale whose condition holds in the state rated, "
    "using only the findings of this review. It does not use CVSS scores, which rate one "
    "finding each and are never added up."
)


@dataclass(frozen=True)
class Rating:
    level: str
    reason: Sentence
    """The condition met, and by which entry points, in words."""


def _starting_services(review: Review, entry_id: str) -> set[str]:
    """Services an assumed-breach entry point controls before any finding is used."""
    entry = next(e for e in review.spec.entry_points if e.id == entry_id)
    if entry.assumes is None:
        return set()
    kind, _, subject = entry.assumes.partition(":")
    if kind != "control":
        return set()
    members = (
        review.spec.groups.get(subject.removeprefix("group:"), [])
        if subject.startswith("group:")
        else [subject]
    )
    return {m for m in members if m in review.assets and review.assets[m].kind == "service"}


def rating(review: Review, figures: Comparison, state: str) -> Rating:
    """The level of RATING_SCALE that `state` meets, with the entry point that meets it."""
    services = {a.id for a in review.spec.assets if a.kind == "service" and state in a.placement}
    jewels = {a for a in services if review.assets[a].crown_jewel}
    met: dict[str, list[str]] = {"Critical": [], "High": [], "Medium": []}
    for entry in review.spec.entry_points:
        reach = figures.states[state].entry_points[entry.id]
        start = _starting_services(review, entry.id)
        controlled = set(reach.controlled) & services
        read = set(reach.read) & services
        everything = bool(services) and controlled >= services
        if entry.assumes is None:
            if everything:
                met["Critical"].append(entry.title)
            elif (controlled - start) & jewels:
                met["High"].append(entry.title)
        elif everything:
            met["High"].append(entry.title)
        if (controlled | read) - start:
            met["Medium"].append(entry.title)
    for level, condition in RATING_SCALE[:-1]:
        if met[level]:
            met_by = joined(met[level])
            return Rating(level, with_terms(f"{condition[0].upper()}{condition[1:]} ({met_by})."))
    return Rating("Low", with_terms(RATING_SCALE[-1][1].capitalize() + "."))


# ----- if nothing is done --------------------------------------------------------------


def do_nothing(review: Review, figures: Comparison) -> Sentence:
    """What one intrusion takes if nothing is done, from the worst entry point."""
    current = review.current
    entries = review.spec.entry_points
    if not entries:
        return say(
            "No entry points are modelled, so the review does not say what one intrusion takes."
        )
    reaches = [reach_of(review, figures, current, e.id) for e in entries]
    worst = max(reaches, key=lambda r: (r.controlled, r.jewels_controlled, r.read))
    if not worst.controlled and not worst.read:
        return with_terms(
            "No modelled entry point reaches any service: the findings weaken individual "
            "components without opening a route between them."
        )
    state_figures = figures.states[current].entry_points[worst.entry]
    taken = [a for a in state_figures.controlled if review.assets[a].crown_jewel]
    read_only = [
        a
        for a in state_figures.read
        if review.assets[a].crown_jewel and a not in state_figures.controlled
    ]
    what = (
        f"all {worst.services} services"
        if worst.controlled == worst.services
        else f"{worst.controlled} of the {worst.services} services"
    )
    start = f"One intrusion from the {worst.title} entry point is enough to "
    pieces: list[Piece | Sentence] = [
        with_terms(
            start + f"take control of {what}"
            if worst.controlled
            else start + f"read {worst.read} of the {worst.services} services"
        )
    ]
    if taken:
        pieces += [", including ", _jewel_list(review, taken)]
    if worst.controlled:
        pieces.append(
            " — to read their data, change it, or stop them"
            if worst.controlled > 1
            else " — to read its data, change it, or stop it"
        )
    if read_only:
        pieces += ["; and to read ", _jewel_list(review, read_only)]
    pieces.append(".")
    return say(*pieces)


def _jewel_list(review: Review, assets: list[str]) -> Sentence:
    """ "the Database server (restricted data) and the Backup server (restricted data)"."""
    described = []
    for asset_id in assets:
        asset = review.assets[asset_id]
        data = f" ({asset.data_classification} data)" if asset.data_classification else ""
        described.append(f"the {asset.name}{data}")
    jewel = Term("crown jewel" if len(assets) == 1 else "crown jewels", "crown-jewel")
    return say(
        number_word(len(assets)) if len(assets) > 1 else "the", " ", jewel, ": ", joined(described)
    )


# ----- decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Approve:
    """Approve the first phase: what, from when to when, who, how much work."""

    phase_title: str
    starts: dt.date
    due: dt.date | None
    owner: str | None
    steps: int
    effort_days: float
    unestimated: int
    sentence: Sentence


@dataclass(frozen=True)
class Fund:
    item: RoadmapItem
    sentence: Sentence
    """Its cost and effort, what it buys, and the findings it resolves."""


def _fund(review: Review, figures: Comparison, item: RoadmapItem) -> Fund:
    costs = [item.cost] if item.cost else []
    if item.effort_days:
        costs.append(_days(item.effort_days))
    pieces: list[Piece | Sentence] = []
    if costs:
        pieces.append("; ".join(costs) + ".")
    elif item.status != "funded":
        pieces.append("Not yet costed.")
    if item.buys:
        pieces += [" ", with_terms(" ".join(item.buys.split()))]
    if item.realizes is not None:
        now = figures.states[review.current].single_points_of_total_compromise
        then = figures.states[item.realizes].single_points_of_total_compromise
        removed = sum(a not in then for a in now)
        title = next(s.title for s in review.spec.states if s.id == item.realizes)
        pieces += [
            " ",
            with_terms(
                f"In the proposed state (“{title}”) it removes {removed} of the {len(now)} "
                "single points of total compromise."
            ),
        ]
    if item.resolves:
        pieces.append(" Resolves ")
        for i, finding in enumerate(item.resolves):
            pieces += [", " if i else "", Ref(finding)]
        pieces.append(".")
    return Fund(item, say(*pieces))


@dataclass(frozen=True)
class Accept:
    accepted: tuple[ScoredFinding, ...]
    residual: Sentence
    """What the plan leaves: the risk there is to accept once every phase is done."""


@dataclass(frozen=True)
class Decisions:
    approve: Approve | None
    fund: tuple[Fund, ...]
    accept: Accept


def _days(value: float) -> str:
    return f"{value:g} person-day" + ("" if value == 1 else "s")


def decisions(review: Review, figures: Comparison, plan: Plan) -> Decisions:
    spec = review.spec
    baseline, current = review.baseline, review.current
    approve = None
    if spec.roadmap:
        first = spec.roadmap[0]
        tiers = [t for t in plan.tiers if t.id in (THIS_WEEK, first.id)]
        steps = [s for t in tiers for s in t.steps if s.kind != "interim"]
        interims = sum(s.kind == "interim" for t in tiers for s in t.steps)
        effort = sum(s.effort_days or 0 for s in steps)
        unestimated = sum(s.effort_days is None for s in steps)
        due = next((t.due for t in tiers if t.id == first.id), None)
        starts = spec.review.report_date
        pieces: list[Piece | Sentence] = [
            f"Approve “{first.title}”: {count(len(steps), 'step', 'steps')}"
        ]
        if interims:
            pieces.append(f" and {count(interims, 'interim mitigation', 'interim mitigations')}")
        week = next((t for t in tiers if t.id == THIS_WEEK), None)
        pieces.append(f", from {starts.isoformat()}")
        pieces.append(f" to {due.isoformat()}" if due else " (no due date is set for the phase)")
        if week is not None and week.due is not None:
            pieces.append(
                f" ({count(len(week.steps), 'step', 'steps')} of them, for findings known to be "
                f"exploited and interim mitigations, by {week.due.isoformat()})"
            )
        if first.owner:
            pieces.append(f", owned by the {first.owner[0].lower() + first.owner[1:]}")
        pieces.append(f"; about {_days(effort)} of work")
        if unestimated:
            pieces.append(f", with {count(unestimated, 'step', 'steps')} not yet estimated")
        pieces.append(".")
        approve = Approve(
            first.title,
            starts,
            due,
            first.owner,
            len(steps),
            effort,
            unestimated,
            say(*pieces),
        )
    fund = tuple(
        _fund(review, figures, item) for item in spec.roadmap_items if item.status != "done"
    )
    accepted = plan.accepted
    residual: Sentence
    if spec.roadmap:
        last = figures.what_if[spec.roadmap[-1].id].states[current]
        before = figures.states[baseline]
        still = [
            e.title
            for e in spec.entry_points
            if len(last.entry_points[e.id].controlled) > len(before.entry_points[e.id].controlled)
        ]
        spotc = len(last.single_points_of_total_compromise)
        parts: list[Piece | Sentence] = ["Once every phase is done, "]
        if still and baseline != current:
            parts.append(
                with_terms(
                    f"{count(len(still), 'entry point still reaches', 'entry points still reach')} "
                    f"more than before the change ({joined(still)})"
                )
            )
        else:
            parts.append(with_terms("no modelled entry point reaches more than before the change"))
        if spotc:
            parts += [
                f", and {number_word(spotc)} ",
                Term(
                    "single point of total compromise"
                    if spotc == 1
                    else "single points of total compromise",
                    "single-point-of-total-compromise",
                ),
                " remain" + ("s" if spotc == 1 else ""),
                " until the design changes are made",
            ]
            points = last.single_points_of_total_compromise
            for proposed in review.proposed:
                after = figures.states[proposed].single_points_of_total_compromise
                removed = sum(a not in after for a in points)
                title = next(s.title for s in spec.states if s.id == proposed)
                parts.append(f" (the redesign “{title}” removes {removed} of them)")
        parts.append(".")
        residual = say(*parts)
    else:
        residual = say("No roadmap is defined, so every finding is residual risk until one is.")
    return Decisions(approve, fund, Accept(accepted, residual))


# ----- root causes, context, caveat ----------------------------------------------------


@dataclass(frozen=True)
class Cause:
    cause: RootCause
    findings: Sentence


def root_causes(review: Review) -> tuple[Cause, ...]:
    result = []
    for cause in review.spec.root_causes:
        pieces: list[Piece] = []
        present = [f for f in cause.findings if f in review.finding_by_id]
        for i, finding in enumerate(present):
            pieces += [", " if i else "", Ref(finding)]
        result.append(Cause(cause, say(*pieces)))
    return tuple(result)


def context(review: Review) -> str:
    """Who, what, when, and how much effort."""
    meta = review.spec.review
    who = joined([p.name for p in meta.reviewers]) if meta.reviewers else "the review team"
    sentence = (
        f"{meta.organisation.name} asked for this review: {meta.title}. It was carried out by "
        f"{who} from {meta.period.start.isoformat()} to {meta.period.end.isoformat()}"
    )
    if meta.effort_days:
        sentence += f", {_days(meta.effort_days)} in all"
    sentence += f", and reported on {meta.report_date.isoformat()}"
    retested = retest_summary(review)
    if retested.last_date is not None:
        # A later version reports a retest: say so, or the report date reads as a delay.
        sentence += (
            f" (version {meta.version}, with the retest of {retested.last_date.isoformat()})"
        )
    return sentence + "."


def status(review: Review) -> str:
    """Remediation and accepted-risk status of every finding; the parts add up."""
    findings = review.findings
    tally = {
        key: sum(f.finding.status == key for f in findings)
        for key in ("open", "risk-accepted", "remediated")
    }
    parts = [
        f"{tally['open']} open",
        count(tally["risk-accepted"], "risk formally accepted", "risks formally accepted"),
        f"{tally['remediated']} remediated",
    ]
    return f"Of the {count(len(findings), 'finding', 'findings')}: {joined(parts)}."


def caveat(review: Review) -> str:
    end = review.spec.review.period.end.isoformat()
    return (
        f"The review describes the estate as it stood when it ended, on {end}. Changes made "
        "since then, and vulnerabilities published since then, are not reflected: the "
        "figures are a point-in-time view."
    )


@dataclass(frozen=True)
class Glance:
    rating: Rating
    rating_before: Rating | None
    do_nothing: Sentence
    decisions: Decisions
    causes: tuple[Cause, ...]
    context: str
    status: str
    caveat: str
    scale: tuple[tuple[str, str], ...] = RATING_SCALE
    rule: str = RATING_RULE
    severity_scale: str = ", ".join(
        f"{band.name} {band.low:.1f}" + (f"–{band.high:.1f}" if band.high != band.low else "")
        for band in SEVERITY_BANDS
    )


def at_a_glance(review: Review, figures: Comparison, plan: Plan) -> Glance:
    baseline, current = review.baseline, review.current
    return Glance(
        rating=rating(review, figures, current),
        rating_before=rating(review, figures, baseline) if baseline != current else None,
        do_nothing=do_nothing(review, figures),
        decisions=decisions(review, figures, plan),
        causes=root_causes(review),
        context=context(review),
        status=status(review),
        caveat=caveat(review),
    )
