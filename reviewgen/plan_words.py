"""Why each step of the order of work sits where it does, in words taken from its figures."""

from __future__ import annotations

from .exploitation import evidence_text, finding_evidence
from .figures import Comparison
from .plan import Plan, Step
from .report import Piece, Ref, Sentence, count, joined, say
from .review import Review


def _refs(review: Review, ids: tuple[str, ...]) -> list[Piece]:
    """Findings as links; roadmap items by their titles."""
    titles = {item.id: item.title for item in review.spec.roadmap_items}
    pieces: list[Piece] = []
    for i, ref in enumerate(ids):
        pieces += [", " if i else "", f"“{titles[ref]}”" if ref in titles else Ref(ref)]
    return pieces


def _tier_title(review: Review, tier: str) -> str:
    return next((p.title for p in review.spec.roadmap if p.id == tier), tier)


def step_reason(review: Review, figures: Comparison, step: Step) -> Sentence:
    current = review.current
    chokes = {c.finding: c for c in figures.states[current].choke_points or ()}
    parts: list[Piece | Sentence] = []
    if step.kind == "interim":
        return say("Limits the exposure at once, before the fix of ", Ref(step.ref), " is in.")
    if step.known_exploited and step.kind == "finding":
        evidence = evidence_text(finding_evidence(review.finding_by_id[step.ref].finding))
        parts.append(f"Known to be exploited in the wild ({evidence}). ")
    if step.brought_forward_from is not None:
        waiting = step.needed_by
        parts += [
            f"Brought forward from “{_tier_title(review, step.brought_forward_from)}”: ",
            *_refs(review, waiting),
            " depend" + ("s" if len(waiting) == 1 else ""),
            " on it. ",
        ]
    elif step.needed_by:
        parts += [
            *_refs(review, step.needed_by),
            " wait" + ("s" if len(step.needed_by) == 1 else ""),
            " for it. ",
        ]
    if step.kind == "item":
        item = next(i for i in review.spec.roadmap_items if i.id == step.ref)
        parts.append("Design change")
        if item.resolves:
            parts += ["; resolves ", *_refs(review, tuple(item.resolves))]
        parts.append(".")
        return say(*parts)
    choke = chokes.get(step.ref)
    if choke is not None:
        cut = []
        if choke.crown_jewels_cut:
            cut.append(count(choke.crown_jewels_cut, "crown-jewel route", "crown-jewel routes"))
        if choke.services_cut:
            cut.append(f"control of {count(choke.services_cut, 'service', 'services')}")
        if choke.reads_cut:
            cut.append(f"read access to {count(choke.reads_cut, 'service', 'services')}")
        if cut:
            parts.append(f"Fixing it alone cuts {joined(cut)}. ")
    scored = review.finding_by_id[step.ref]
    primary = review.primary_version
    headline = scored.headline(primary)
    severity = scored.severity(primary).capitalize()
    if headline is not None:
        parts.append(f"{severity}, {headline.score:.1f} on CVSS v{headline.version}")
    else:
        parts.append(f"{severity}, rated by the reviewer (not CVSS-scored)")
    if step.effort:
        parts.append(f"; {step.effort} effort")
    parts.append(".")
    return say(*parts)


def step_reasons(review: Review, figures: Comparison, plan: Plan) -> dict[int, Sentence]:
    """Each step's reason, keyed by its number."""
    return {step.number: step_reason(review, figures, step) for step in plan.steps}
