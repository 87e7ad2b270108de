"""What the report's pages say, computed in Python from the comparison.

Templates present what this module gives them; they do not rank, group or decide. Every
sentence that states a figure is built here, next to the figure, and tested against it
(tests/test_report.py). Sentences are made of text and finding references, so the site
can link a finding id and the PDF can print it, and a test can read the plain text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from .exploitation import evidence_text, finding_evidence, finding_exploited
from .figures import ChokePoint, Comparison, EntryReach
from .registry import BAND_NAMES, versions_in_order
from .review import Review, ScoredFinding

Ids = tuple[str, ...]

NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def findings_word(n: int) -> str:
    return f"{number_word(n)} {'finding' if n == 1 else 'findings'}"


# ----- sentences ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A finding named in a sentence: the site links it."""

    finding: str


@dataclass(frozen=True)
class Term:
    """A term of the glossary: the site links its first use on a page."""

    text: str
    anchor: str
    """The term's id on the glossary page ("crown-jewel")."""


Piece = str | Ref | Term


def _piece_text(piece: Piece) -> str:
    if isinstance(piece, str):
        return piece
    return piece.finding if isinstance(piece, Ref) else piece.text


@dataclass(frozen=True)
class Sentence:
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        return "".join(_piece_text(p) for p in self.pieces)

    def __add__(self, other: Sentence) -> Sentence:
        return Sentence(self.pieces + other.pieces)


#: Glossary terms a sentence links where they first appear on a page, longest first so
#: that "single points of total compromise" wins over a shorter term inside it.
GLOSSARY_TERMS: dict[str, str] = {
    "single points of total compromise": "single-point-of-total-compromise",
    "single point of total compromise": "single-point-of-total-compromise",
    "crown jewels": "crown-jewel",
    "crown jewel": "crown-jewel",
    "choke points": "choke-point",
    "choke point": "choke-point",
    "blast radius": "blast-radius",
    "assumed breach": "assumed-breach",
    "entry points": "entry-point",
    "entry point": "entry-point",
}
_TERM_PATTERN = re.compile(
    "|".join(re.escape(t) for t in sorted(GLOSSARY_TERMS, key=len, reverse=True)), re.IGNORECASE
)


def with_terms(text: str) -> Sentence:
    """`text` with every glossary term in it marked, so the page can link the first use."""
    pieces: list[Piece] = []
    last = 0
    for match in _TERM_PATTERN.finditer(text):
        pieces += [
            text[last : match.start()],
            Term(match.group(0), GLOSSARY_TERMS[match.group(0).lower()]),
        ]
        last = match.end()
    pieces.append(text[last:])
    return Sentence(tuple(p for p in pieces if p != ""))


def say(*pieces: Piece | Sentence) -> Sentence:
    flat: list[Piece] = []
    for piece in pieces:
        flat.extend(piece.pieces if isinstance(piece, Sentence) else (piece,))
    return Sentence(tuple(p for p in flat if p != ""))


def joined(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


# ----- routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteStep:
    step: str
    finding: str
    also_requires: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """One sequence of findings, and the crown jewels it reaches (control or read)."""

    gains: Literal["control", "read"]
    steps: tuple[RouteStep, ...]
    jewels: tuple[str, ...]

    @property
    def findings(self) -> int:
        return len(self.steps)

    def chain(self) -> Sentence:
        """GU-01 → GU-02 (with MP-02) → HV-01"""
        pieces: list[Piece | Sentence] = []
        for i, step in enumerate(self.steps):
            if i:
                pieces.append(" → ")
            pieces.append(Ref(step.finding))
            if step.also_requires:
                pieces.append(" (with ")
                for j, other in enumerate(step.also_requires):
                    pieces += [", " if j else "", Ref(other)]
                pieces.append(")")
        return say(*pieces)


def routes(figures: EntryReach, gains: Literal["control", "read"]) -> tuple[Route, ...]:
    """Crown jewels grouped by the route that reaches them, fewest findings first.

    `figures` is one entry point in one state. Jewels reached by the same sequence of
    steps share a route; a sentence may name one route only when there is one.
    """
    distances = figures.min_findings if gains == "control" else figures.min_findings_read
    grouped: dict[tuple[RouteStep, ...], list[str]] = {}
    for jewel, distance in distances.items():
        if distance is None or (gains == "read" and figures.min_findings[jewel] is not None):
            continue
        path = tuple(
            RouteStep(p.step, p.finding, p.also_requires) for p in figures.paths.get(jewel, [])
        )
        grouped.setdefault(path, []).append(jewel)
    found = [Route(gains, path, tuple(jewels)) for path, jewels in grouped.items()]
    return tuple(sorted(found, key=lambda r: (r.findings, r.jewels)))


# ----- what one entry point reaches ----------------------------------------------------


@dataclass(frozen=True)
class Reach:
    entry: str
    title: str
    state: str
    services: int
    """Services present in the state."""
    controlled: int
    read: int
    """Services read (controlled ones included)."""
    denied: int
    """Services the attacker can take down (controlled ones included)."""
    jewels: int
    """Crown jewels present in the state."""
    control_routes: tuple[Route, ...]
    read_routes: tuple[Route, ...]
    instances: bool = False
    """The state has pooled services (`count` above 1): services, controlled, read and
    denied count service instances, and the sentence says so."""

    @property
    def jewels_controlled(self) -> int:
        return sum(len(r.jewels) for r in self.control_routes)

    @property
    def jewels_read_only(self) -> int:
        return sum(len(r.jewels) for r in self.read_routes)

    @property
    def sentence(self) -> Sentence:
        """ "control of 3 of 15 services; every crown jewel within three findings: A → B";
        with pooled services, "control of 3 of 132 service instances"."""
        total, nc, nr = self.services, self.controlled, self.read
        noun = "service instance" if self.instances else "service"
        services = noun if total == 1 else noun + "s"
        if total and nc == total:
            head = f"full control of every {noun} ({total})"
        elif nc:
            head = f"control of {nc} of {total} {services}"
            if nr > nc:
                head += f", read access to {nr - nc} more"
        elif nr:
            head = f"read access to {nr} of {total} {services}"
        else:
            head = f"no {noun}"
        if self.denied > nc:
            head += f"; can take down {self.denied - nc} more"
        parts: list[Piece | Sentence] = [head]
        jewel_word = "jewel" if self.jewels == 1 else "jewels"
        if self.control_routes:
            reached = self.jewels_controlled
            whom = (
                ("the crown jewel" if self.jewels == 1 else "every crown jewel")
                if reached == self.jewels
                else f"{reached} of {self.jewels} crown {jewel_word}"
            )
            parts += ["; ", whom, self._within(self.control_routes)]
        if self.read_routes:
            parts += [
                f"; reads {self.jewels_read_only} of {self.jewels} crown {jewel_word}",
                self._within(self.read_routes),
            ]
        if self.jewels and not self.control_routes and not self.read_routes:
            parts.append("; no crown jewel")
        return say(*parts)

    @staticmethod
    def _within(found: tuple[Route, ...]) -> Sentence:
        longest = max(r.findings for r in found)
        if len(found) == 1:
            return say(f" within {findings_word(longest)}: ", found[0].chain())
        at_most = "at most " if min(r.findings for r in found) != longest else ""
        return say(f" within {at_most}{findings_word(longest)}, by {len(found)} different routes")


def reach_of(review: Review, figures: Comparison, state: str, entry: str) -> Reach:
    data = figures.states[state].entry_points[entry]
    spec = review.spec
    present = [a for a in spec.assets if state in a.placement]
    # Services are counted as instances: a pool of 120 desktops is 120 (see compare.py).
    return Reach(
        entry=entry,
        title=next(e.title for e in spec.entry_points if e.id == entry),
        state=state,
        services=sum(a.count for a in present if a.kind == "service"),
        controlled=data.controlled_instances,
        read=data.read_instances,
        denied=data.denied_instances,
        jewels=len(data.min_findings),
        control_routes=routes(data, "control"),
        read_routes=routes(data, "read"),
        instances=any(a.count > 1 for a in present if a.kind == "service"),
    )


# ----- the executive summary -----------------------------------------------------------


@dataclass(frozen=True)
class EntryComparison:
    before: Reach
    after: Reach

    @property
    def direction(self) -> Literal["worse", "better", "same"]:
        """Worse when more services or crown jewels are controlled, or, with control
        unchanged, more services read, or, with both unchanged, more services that can
        be taken down; better the other way round."""
        b, a = self.before, self.after
        if (
            a.controlled > b.controlled
            or a.jewels_controlled > b.jewels_controlled
            or (a.controlled == b.controlled and a.read > b.read)
            or (a.controlled == b.controlled and a.read == b.read and a.denied > b.denied)
        ):
            return "worse"
        if (
            a.controlled < b.controlled
            or a.jewels_controlled < b.jewels_controlled
            or (a.controlled == b.controlled and a.read < b.read)
            or (a.controlled == b.controlled and a.read == b.read and a.denied < b.denied)
        ):
            return "better"
        return "same"


@dataclass(frozen=True)
class TopRisk:
    finding: ScoredFinding
    reason: Sentence


@dataclass(frozen=True)
class FigureRow:
    label: str
    before: int
    after: int


@dataclass(frozen=True)
class Decision:
    """The first phase's effect; its steps, dates and effort are the plan's (glance.py)."""

    phase_id: str
    phase_title: str
    description: str | None
    rows: tuple[tuple[str, int, int], ...]
    """(entry point, services controlled now, after this phase)"""


@dataclass(frozen=True)
class SeverityTable:
    versions: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    """(version, state) per column."""
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]
    """(band, counts per column; None where a version has no such band)."""
    scored: tuple[int, ...]
    not_scored: tuple[int, ...]


@dataclass(frozen=True)
class ExecutiveSummary:
    compared: bool
    verdict: str
    worse: tuple[str, ...]
    better: tuple[str, ...]
    exposure: str | None
    spotc_sentence: str
    new_single_points: tuple[str, ...]
    """Single points that did not exist before or controlled less than half the services."""
    spotc_grown: str | None
    counts_sentence: str
    counts: dict[str, int]
    ledger_sentence: str
    phase_sentence: str | None
    entries: tuple[EntryComparison, ...]
    figure_rows: tuple[FigureRow, ...]
    top_risks: tuple[TopRisk, ...]
    ranking_rule: str
    improved_findings: tuple[ScoredFinding, ...]
    decision: Decision | None
    severity: SeverityTable
    notes: dict[str, Any] = field(default_factory=dict)


def _open_in(review: Review, state: str) -> list[ScoredFinding]:
    return [
        f
        for f in review.findings
        if f.finding.affected.get(state) and f.finding.status != "remediated"
    ]


def _services_by_design(figures: Comparison, state: str, assets: list[str]) -> int:
    radius = figures.states[state].blast_radius
    return len({s for a in assets for s in radius.get(a, [])})


RANKING_RULE = (
    "Ranked by structure first: the findings whose fix alone cuts the most routes to crown "
    "jewels, then the most services controlled, then the most services read, then the "
    "most services it could take down (choke points); ties go to the higher CVSS score of "
    "the review's primary version. Open "
    "findings that are not choke points follow, most severe first."
)


def _route_position(figures: Comparison, current: str, finding: str) -> str | None:
    """Where a finding sits on the shortest routes shown: "step 2 of 3 on the route from
    Internet", "needed with MP-01 ..." — different for each finding of a route."""
    for entry, reach in figures.states[current].entry_points.items():
        for path in reach.paths.values():
            for i, step in enumerate(path, start=1):
                place = (
                    "the only step"
                    if len(path) == 1
                    else ("the first step" if i == 1 else f"step {i}") + f" of {len(path)}"
                )
                if step.finding == finding:
                    return f"{place} on the shortest route from {{{entry}}}"
                if finding in step.also_requires:
                    return (
                        f"needed with {step.finding} for {place} on the shortest route "
                        f"from {{{entry}}}"
                    )
    return None


def top_risks(
    review: Review, figures: Comparison, current: str, limit: int = 5
) -> tuple[TopRisk, ...]:
    """The ranking of `RANKING_RULE`, each risk with the reason taken from its figures."""
    titles = {e.id: e.title for e in review.spec.entry_points}
    primary = review.primary_version

    def structure(choke: ChokePoint) -> tuple[int, int, int, int, float, str]:
        head = review.finding_by_id[choke.finding].headline(primary)
        score = head.score if head is not None and head.version == primary else -1.0
        return (
            -choke.crown_jewels_cut,
            -choke.services_cut,
            -choke.reads_cut,
            -choke.denials_cut,
            -score,
            choke.finding,
        )

    ranked = sorted(figures.states[current].choke_points or (), key=structure)
    chokes = {c.finding: c for c in ranked}
    chosen = [
        c.finding for c in ranked if review.finding_by_id[c.finding].finding.status != "remediated"
    ]
    open_ids = {f.id for f in _open_in(review, current)}
    for scored in review.by_severity():
        if scored.id not in chosen and scored.id in open_ids:
            chosen.append(scored.id)
    result = []
    for finding_id in chosen[:limit]:
        scored = review.finding_by_id[finding_id]
        choke = chokes.get(finding_id)
        pieces: list[Piece | Sentence] = []
        if choke:
            cut = []
            if choke.crown_jewels_cut:
                cut.append(count(choke.crown_jewels_cut, "crown-jewel route", "crown-jewel routes"))
            cut.append(f"control of {count(choke.services_cut, 'service', 'services')}")
            cut.append(f"read access to {choke.reads_cut}")
            if choke.denials_cut:
                cut.append(f"the power to take down {choke.denials_cut}")
            where = ", ".join(titles.get(e, e) for e in choke.entry_points)
            position = _route_position(figures, current, finding_id)
            if position:
                for entry, title in titles.items():
                    position = position.replace("{" + entry + "}", title)
                pieces.append(position[0].upper() + position[1:] + ". ")
            pieces.append(f"Fixing it alone cuts {joined(cut)} (from {where}).")
        else:
            affected = scored.finding.affected.get(current, [])
            radius = _services_by_design(figures, current, affected)
            pieces.append(
                f"{scored.finding.delta.capitalize()}; its affected components control "
                f"{count(radius, 'service', 'services')} by design."
            )
        if finding_exploited(scored.finding):
            evidence = evidence_text(finding_evidence(scored.finding))
            pieces.append(f" Known to be exploited in the wild ({evidence}).")
        result.append(TopRisk(scored, say(*pieces)))
    return tuple(result)


@dataclass(frozen=True)
class SinglePoint:
    """A single point of total compromise of the current state, and what it was before."""

    asset: str
    before: int | None
    """Services it controlled by design in the baseline (None: it did not exist)."""
    services_before: int

    @property
    def new(self) -> bool:
        """New: absent before, or controlling less than half of the services then."""
        return self.before is None or 2 * self.before < self.services_before


def single_points(review: Review, figures: Comparison) -> tuple[SinglePoint, ...]:
    baseline, current = review.baseline, review.current
    radius = figures.states[baseline].blast_radius
    services_before = sum(
        a.kind == "service" and baseline in a.placement for a in review.spec.assets
    )
    return tuple(
        SinglePoint(a, len(radius[a]) if a in radius else None, services_before)
        for a in figures.states[current].single_points_of_total_compromise
        if a not in figures.states[baseline].single_points_of_total_compromise
    )


def severity_table(review: Review, figures: Comparison) -> SeverityTable:
    states = review.state_ids
    scoring = review.spec.review.scoring
    # One version only, the review's primary one, so that no reader sets the counts of two
    # versions side by side; the others are in the CVSS appendix.
    present = [
        v
        for v in versions_in_order([scoring.primary])[:1]
        if any(v in figures.states[s].severity_counts.by_version for s in states)
    ]
    columns = tuple((v, s) for v in present for s in states)
    rows = []
    for band in BAND_NAMES:
        cells: list[int | None] = []
        for version, state in columns:
            counts = figures.states[state].severity_counts.by_version.get(version, {})
            cells.append(counts.get(band) if band in counts else None)
        rows.append((band, tuple(cells)))
    scored = tuple(
        sum(figures.states[s].severity_counts.by_version.get(v, {}).values()) for v, s in columns
    )
    not_scored = tuple(
        sum(figures.states[s].severity_counts.not_scored.values()) for _, s in columns
    )
    return SeverityTable(tuple(present), columns, tuple(rows), scored, not_scored)


def executive_summary(review: Review, figures: Comparison) -> ExecutiveSummary:
    spec = review.spec
    baseline, current = review.baseline, review.current
    before, after = figures.states[baseline], figures.states[current]
    compared = baseline != current
    entries = tuple(
        EntryComparison(
            reach_of(review, figures, baseline, e.id), reach_of(review, figures, current, e.id)
        )
        for e in spec.entry_points
    )
    worse = tuple(e.after.title for e in entries if e.direction == "worse")
    better = tuple(e.after.title for e in entries if e.direction == "better")
    if worse and not better:
        verdict = "The estate is more exposed after the change than before it."
    elif better and not worse:
        verdict = "The estate is less exposed after the change than before it."
    elif worse and better:
        verdict = (
            "The change made the estate more exposed from some entry points and less "
            "exposed from others."
        )
    else:
        verdict = "Reach from the modelled entry points is the same before and after the change."
    exposure = None
    if worse:
        who = (
            "the one modelled entry point"
            if len(entries) == 1
            else f"{number_word(len(worse))} of the {len(entries)} modelled entry points"
        )
        exposure = f"From {who} ({', '.join(worse)}) an attacker now reaches more than before"
        if better:
            exposure += f", from {number_word(len(better))} less ({', '.join(better)})"
        exposure += "."
    spotc_before = before.single_points_of_total_compromise
    spotc_after = after.single_points_of_total_compromise
    points = single_points(review, figures)
    new_single_points = tuple(p.asset for p in points if p.new)
    spotc_sentence = (
        "The number of components whose compromise alone controls every service (single "
        f"points of total compromise) went from {len(spotc_before)} to {len(spotc_after)}"
    )
    grown = [
        p for p in points if not p.new and p.before is not None and p.asset not in spotc_before
    ]
    if grown:
        spotc_grown = (
            "Not new, though they control more now: "
            + "; ".join(
                f"{p.asset} controlled {p.before} of {p.services_before} services before"
                for p in grown
            )
            + "."
        )
    else:
        spotc_grown = None

    open_now = _open_in(review, current)
    tally = Counter(f.finding.delta for f in open_now)
    counts = {
        "open": len(open_now),
        "new_or_amplified": tally["new"] + tally["amplified"],
        "carried_over": tally["carried-over"],
        "reduced": tally["reduced"],
        "removed": tally["removed"],
    }
    parts = [f"{counts['new_or_amplified']} new or amplified by the change"]
    parts.append(f"{counts['carried_over']} carried over unchanged")
    if counts["reduced"]:
        parts.append(f"{counts['reduced']} whose risk the change reduced")
    if counts["removed"]:
        parts.append(f"{counts['removed']} whose risk the change removed")
    counts_sentence = (
        f"{count(counts['open'], 'finding applies', 'findings apply')} to the current state: "
        f"{joined(parts)}."
    )
    improved = tuple(f for f in review.findings if f.finding.delta in ("reduced", "removed"))
    ledger = (
        "On the other side of the ledger, the change brought "
        f"{count(len(spec.observations), 'positive observation', 'positive observations')}"
    )
    if improved:
        ledger += " and " + count(
            len(improved),
            "finding whose risk it reduced or removed",
            "findings whose risk it reduced or removed",
        )
    ledger += "."

    phase_sentence = None
    decision = None
    if spec.roadmap:
        first = spec.roadmap[0]
        what_if = figures.what_if[first.id].states[current]
        left = [
            e.id
            for e in spec.entry_points
            if len(what_if.entry_points[e.id].controlled)
            > len(before.entry_points[e.id].controlled)
        ]
        if compared:
            if not left:
                phase_sentence = (
                    f"Completing the first roadmap phase, “{first.title}”, brings every "
                    "modelled entry point back to or below its baseline reach."
                )
            else:
                phase_sentence = (
                    f"After the first roadmap phase, “{first.title}”, "
                    f"{count(len(left), 'entry point still reaches', 'entry points still reach')}"
                    " more than in the baseline."
                )
        decision = Decision(
            first.id,
            first.title,
            first.description,
            tuple(
                (
                    e.title,
                    len(after.entry_points[e.id].controlled),
                    len(what_if.entry_points[e.id].controlled),
                )
                for e in spec.entry_points
            ),
        )

    figure_rows = [
        FigureRow("Single points of total compromise", len(spotc_before), len(spotc_after)),
        FigureRow(
            "Components controlling more than one service by design",
            sum(len(r) > 1 for r in before.blast_radius.values()),
            sum(len(r) > 1 for r in after.blast_radius.values()),
        ),
    ]
    for e in entries:
        figure_rows.append(
            FigureRow(
                f"Services controlled from {e.after.title}", e.before.controlled, e.after.controlled
            )
        )
        figure_rows.append(
            FigureRow(f"Services read from {e.after.title}", e.before.read, e.after.read)
        )
        figure_rows.append(
            FigureRow(
                f"Services that can be taken down from {e.after.title}",
                e.before.denied,
                e.after.denied,
            )
        )
    figure_rows.append(
        FigureRow(
            "Findings that apply",
            before.severity_counts.findings,
            after.severity_counts.findings,
        )
    )
    return ExecutiveSummary(
        compared=compared,
        verdict=verdict,
        worse=worse,
        better=better,
        exposure=exposure,
        spotc_sentence=spotc_sentence,
        new_single_points=new_single_points,
        spotc_grown=spotc_grown,
        counts_sentence=counts_sentence,
        counts=counts,
        ledger_sentence=ledger,
        phase_sentence=phase_sentence,
        entries=entries,
        figure_rows=tuple(figure_rows),
        top_risks=top_risks(review, figures, current),
        ranking_rule=RANKING_RULE,
        improved_findings=improved,
        decision=decision,
        severity=severity_table(review, figures),
    )


# ----- attack paths --------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPaths:
    reach: Reach
    figures: EntryReach

    @property
    def groups(self) -> tuple[Route, ...]:
        """Every route to a crown jewel, control routes first."""
        return self.reach.control_routes + self.reach.read_routes


def attack_paths(review: Review, figures: Comparison) -> dict[str, tuple[EntryPaths, ...]]:
    return {
        state: tuple(
            EntryPaths(
                reach_of(review, figures, state, e.id),
                figures.states[state].entry_points[e.id],
            )
            for e in review.spec.entry_points
        )
        for state in review.state_ids
    }


# ----- availability --------------------------------------------------------------------

_IMPACT_RANK = {"N": 0, "L": 1, "P": 1, "H": 2, "C": 2}
# The impact metrics of each version: (confidentiality, integrity, availability).
_IMPACT_TRIPLES = (("C", "I", "A"), ("VC", "VI", "VA"), ("SC", "SI", "SA"))


def _impacts(scored: ScoredFinding) -> list[tuple[int, int, int]]:
    triples = []
    for score in scored.scores:
        values = {m.key: m.value for m in score.metrics}
        for keys in _IMPACT_TRIPLES:
            if all(k in values for k in keys):
                triples.append(tuple(_IMPACT_RANK.get(values[k], 0) for k in keys))
    return triples  # type: ignore[return-value]


def rates_availability(scored: ScoredFinding) -> bool:
    """A vector of the finding rates an availability impact (A, VA or SA above None)."""
    return any(a > 0 for _, _, a in _impacts(scored))


def availability_first(scored: ScoredFinding) -> bool:
    """A vector rates the availability impact above both confidentiality and integrity:
    the finding is mainly about stopping things, not taking them over."""
    return any(a > max(c, i) for c, i, a in _impacts(scored))


@dataclass(frozen=True)
class AvailabilityFindings:
    mainly: tuple[ScoredFinding, ...]
    """Open findings mainly about availability, or not CVSS-scored and affecting a
    component other services depend on."""
    also: tuple[ScoredFinding, ...]
    """Other open findings that rate an availability impact alongside full compromise."""


def availability_findings(
    review: Review, figures: Comparison, current: str
) -> AvailabilityFindings:
    radius = figures.states[current].availability_radius
    mainly, also = [], []
    for scored in review.by_severity():
        affected = scored.finding.affected.get(current, [])
        if not affected or scored.finding.status == "remediated":
            continue
        shared = any(len(radius.get(a, [])) > 1 for a in affected)
        if availability_first(scored) or (not scored.scores and shared):
            mainly.append(scored)
        elif rates_availability(scored):
            also.append(scored)
    return AvailabilityFindings(tuple(mainly), tuple(also))


# ----- what changed --------------------------------------------------------------------


@dataclass(frozen=True)
class SinglePointsChange:
    new: Ids
    gone: Ids
    kept: Ids


@dataclass(frozen=True)
class BlastRow:
    asset: str
    cells: tuple[tuple[int, Ids] | None, ...]
    """Per state: (services controlled by design, infrastructure also controlled), or
    None where the asset is absent."""


@dataclass(frozen=True)
class ReachRow:
    entry: str
    state: str
    controlled: int
    read: int
    services: int
    jewels: tuple[tuple[str, int | None, int | None], ...]
    """(crown jewel, fewest findings to control, to read) for each jewel reachable."""


@dataclass(frozen=True)
class WhatChanged:
    single_points: SinglePointsChange | None
    blast_rows: tuple[BlastRow, ...]
    reach_rows: tuple[ReachRow, ...]
    crown_jewels: Ids


def what_changed(review: Review, figures: Comparison) -> WhatChanged:
    states = review.state_ids
    baseline, current = review.baseline, review.current
    change = None
    if baseline != current:
        before = figures.states[baseline].single_points_of_total_compromise
        after = figures.states[current].single_points_of_total_compromise
        change = SinglePointsChange(
            new=tuple(a for a in after if a not in before),
            gone=tuple(a for a in before if a not in after),
            kept=tuple(a for a in before if a in after),
        )
    wide = [
        a.id
        for a in review.spec.assets
        if any(len(figures.states[s].blast_radius.get(a.id, ())) > 1 for s in states)
    ]
    blast_rows = tuple(
        BlastRow(
            asset,
            tuple(
                (
                    len(figures.states[s].blast_radius[asset]),
                    figures.states[s].blast_radius_infrastructure.get(asset, ()),
                )
                if asset in figures.states[s].blast_radius
                else None
                for s in states
            ),
        )
        for asset in wide
    )
    jewels = tuple(a.id for a in review.spec.assets if a.crown_jewel)
    rows = []
    for entry in review.spec.entry_points:
        for state in states:
            data = figures.states[state].entry_points[entry.id]
            reach = reach_of(review, figures, state, entry.id)
            rows.append(
                ReachRow(
                    entry.id,
                    state,
                    len(data.controlled),
                    len(data.read),
                    reach.services,
                    tuple(
                        (j, data.min_findings[j], data.min_findings_read[j])
                        for j in jewels
                        if j in data.min_findings
                        and (
                            data.min_findings[j] is not None
                            or data.min_findings_read[j] is not None
                        )
                    ),
                )
            )
    return WhatChanged(change, blast_rows, tuple(rows), jewels)
