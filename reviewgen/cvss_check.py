"""Scoring of a finding's CVSS vectors, with the problems the scoring finds.

A vector under the wrong version key, a vector the library refuses, a stated score
that disagrees with the computed one, `severity` set next to vectors: each is a
problem at the value that causes it.
"""

from __future__ import annotations

from .errors import Problem
from .model import Finding, ReviewFile
from .registry import VERSION_KEYS
from .scoring import Score, VectorError, score_vector, version_of, with_requirements
from .yamlsource import Document, PathKey

SCORE_TOLERANCE = 0.05


def requirements(review: ReviewFile, finding: Finding) -> dict[str, str]:
    """Highest CIA requirement over the affected assets, current state first."""
    order = ["low", "medium", "high"]
    assets = {a.id: a for a in review.assets}
    for state in reversed([s.id for s in review.states]):
        affected = [assets[a] for a in finding.affected.get(state, []) if a in assets]
        if affected:
            return {
                "CR": max((a.requirements.confidentiality for a in affected), key=order.index),
                "IR": max((a.requirements.integrity for a in affected), key=order.index),
                "AR": max((a.requirements.availability for a in affected), key=order.index),
            }
    return {}


def score_finding(
    doc: Document, spec: ReviewFile, finding: Finding, problems: list[Problem]
) -> tuple[tuple[Score, ...], dict[str, str] | None]:
    """The finding's scores and derived requirements; problems go to `problems`."""
    if finding.cvss is None:
        missing = [k for k in ("severity", "severity_rationale") if getattr(finding, k) is None]
        if missing:
            problems.append(
                doc.problem(
                    ("cvss",),
                    "cvss: null needs a qualitative 'severity' and a "
                    f"'severity_rationale' (missing: {', '.join(missing)})",
                    key=True,
                )
            )
        return (), None
    if finding.severity is not None:
        problems.append(
            doc.problem(
                ("severity",),
                "severity comes from the CVSS vectors; set it only with cvss: null",
                key=True,
            )
        )
    derived = requirements(spec, finding) if finding.cvss.derive_requirements else None
    scores = []
    for version, key in VERSION_KEYS.items():
        entry = getattr(finding.cvss, key)
        if entry is None:
            continue
        where: PathKey = ("cvss", key, "vector")
        try:
            declared = version_of(entry.vector.strip())
            if declared != version:
                raise VectorError(
                    f"a CVSS {declared} vector under {key}; move it under {VERSION_KEYS[declared]}"
                )
            written = score_vector(entry.vector.strip())
            result = written
            if derived:
                result = score_vector(with_requirements(written.vector, derived))
        except VectorError as err:
            problems.append(doc.problem(where, str(err)))
            continue
        if entry.score is not None:
            # The stated score is checked against the vector as written, not against the
            # one with derived requirements appended (for v4 those change the score).
            stated_against = written.base if written.nomenclature is None else written.score
            if abs(entry.score - stated_against) > SCORE_TOLERANCE:
                what = "base score" if written.nomenclature is None else written.label + " score"
                problems.append(
                    doc.problem(
                        ("cvss", key, "score"),
                        f"stated score {entry.score} disagrees with the computed {what} "
                        f"{stated_against:.1f} for {entry.vector.strip()}",
                    )
                )
        scores.append(result)
    if not any(getattr(finding.cvss, key) for key in VERSION_KEYS.values()):
        problems.append(
            doc.problem(
                ("cvss",),
                "cvss needs at least one vector ("
                + ", ".join(VERSION_KEYS.values())
                + "), or write cvss: null",
                key=True,
            )
        )
    return tuple(scores), derived
