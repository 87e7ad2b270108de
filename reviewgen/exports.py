"""Machine-readable exports of a review: scored findings (JSON, CSV) and the comparison."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .figures import Comparison
from .registry import VERSION_ORDER
from .review import Review, ScoredFinding

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def finding_record(review: Review, scored: ScoredFinding) -> dict[str, Any]:
    finding = scored.finding
    return {
        "id": finding.id,
        "title": finding.title,
        "category": finding.category,
        "threats": finding.threats,
        "delta": finding.delta,
        "status": finding.status,
        "severity": scored.severity(review.primary_version),
        "cvss": [score.as_json() for score in scored.scores],
        "scored_scenario": finding.cvss.scored_scenario if finding.cvss else None,
        "severity_rationale": finding.severity_rationale,
        "requirements_derived": scored.requirements,
        "cves": [cve.id for cve in finding.cves],
        "known_exploited": finding.known_exploited.cisa_kev,
        "affected": finding.affected,
        "roadmap": finding.roadmap,
        "effort": finding.effort,
    }


def findings_json(review: Review) -> bytes:
    records = [finding_record(review, f) for f in review.findings]
    return (json.dumps({"review": review.slug, "findings": records}, indent=2) + "\n").encode()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def findings_csv(review: Review) -> bytes:
    columns = [
        "id",
        "title",
        "category",
        "delta",
        "status",
        "severity",
        "known_exploited",
        "cves",
        "roadmap",
        "effort",
    ]
    versions = VERSION_ORDER
    header = columns + [
        f"cvss_{v}_{part}" for v in versions for part in ("vector", "score", "severity", "label")
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for scored in review.findings:
        record = finding_record(review, scored)
        row = [record[c] if c != "cves" else " ".join(record["cves"]) for c in columns]
        for version in versions:
            score = scored.score(version)
            row += (
                [score.vector, f"{score.score:.1f}", score.severity, score.label]
                if score
                else ["", "", "", ""]
            )
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode()


def comparison_json(figures: Comparison) -> bytes:
    return (json.dumps(figures.to_json(), indent=2) + "\n").encode()


def exports(review: Review, figures: Comparison) -> dict[str, bytes]:
    """Export files keyed by their path inside the review's section of the site."""
    return {
        "exports/findings.json": findings_json(review),
        "exports/findings.csv": findings_csv(review),
        "exports/comparison.json": comparison_json(figures),
    }
