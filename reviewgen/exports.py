"""Machine-readable exports of a review: scored findings (JSON, CSV) and the comparison.

The findings exports are made to drive work: each finding carries what to do
(recommendation, fix target, interim mitigation), how to check it (verify, done_when),
who does it by when (owner and due date of its step in the order of work, as the roadmap
page shows them) and where its page is. The CSV loads into Jira's CSV importer as it is
(README, "Loading findings.csv into Jira or GitHub issues"); it leaves out every column
that no finding of the review fills, so its columns depend on the review but never
change order.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
from typing import Any
from urllib.parse import quote

from .exploitation import evidence_text, finding_evidence, finding_exploited
from .figures import Comparison
from .plan import Plan, Step, plan
from .registry import VERSION_ORDER
from .render import finding_path
from .review import Review, ScoredFinding

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: The CSV's columns before the CVSS ones, in order. `id` to `severity` are never empty.
CSV_COLUMNS = (
    "id",
    "title",
    "category",
    "delta",
    "status",
    "severity",
    "known_exploited",
    "cves",
    "affected_assets",
    "recommendation",
    "verify",
    "owner",
    "due",
    "roadmap",
    "roadmap_step",
    "effort",
    "url",
)
#: Kept even when a review has no findings, so the header is never empty.
_ALWAYS = frozenset(CSV_COLUMNS[:6])
CVSS_PARTS = ("vector", "score", "severity", "label")


def page_url(review: Review, finding_id: str, site_url: str | None = None) -> str:
    """The address of a finding's page as MkDocs publishes it (`use_directory_urls`):
    absolute under `site_url` when given, else relative to the site's root
    ("northwind-consolidation/findings/hv-01/")."""
    source = f"{review.slug}/{finding_path(finding_id)}"
    stem = source.removesuffix(".md")
    folder = posixpath.dirname(stem) if posixpath.basename(stem) == "index" else stem
    path = quote(folder + "/")
    if site_url:
        return site_url.rstrip("/") + "/" + path
    return path


def _current_affected(review: Review, scored: ScoredFinding) -> list[str]:
    return list(scored.finding.affected.get(review.current, []))


def finding_record(
    review: Review, scored: ScoredFinding, order: Plan, site_url: str | None = None
) -> dict[str, Any]:
    finding = scored.finding
    step: Step | None = order.step_of(finding.id)
    owner = step.owner if step else finding.owner
    due = step.due if step else finding.due
    acceptance = finding.acceptance
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
        # Exploited in the wild: a CISA KEV mark or a cited source, per CVE or for the
        # finding as a whole; `exploited_sources` says which.
        "known_exploited": finding_exploited(finding),
        "exploited_sources": evidence_text(finding_evidence(finding)) or None,
        "affected": finding.affected,
        "affected_current": _current_affected(review, scored),
        "recommendation": finding.recommendation,
        "fix_target": finding.fix.target,
        "interim_mitigation": finding.fix.interim,
        "verify": finding.verify,
        "done_when": finding.done_when,
        "owner": owner,
        "due": due.isoformat() if due else None,
        "roadmap": finding.roadmap,
        "roadmap_step": step.number if step else None,
        "effort": finding.effort,
        "effort_days": finding.effort_days,
        "depends_on": finding.depends_on,
        "acceptance": {
            "accepted_by": acceptance.accepted_by,
            "until": acceptance.until.isoformat(),
            "reason": acceptance.reason,
        }
        if acceptance
        else None,
        "url": page_url(review, finding.id, site_url),
    }


def findings_json(review: Review, order: Plan, site_url: str | None = None) -> bytes:
    records = [finding_record(review, f, order, site_url) for f in review.findings]
    return (json.dumps({"review": review.slug, "findings": records}, indent=2) + "\n").encode()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_value(record: dict[str, Any], column: str) -> object:
    if column == "cves":
        return " ".join(record["cves"])
    if column == "affected_assets":
        return " ".join(record["affected_current"])
    return record[column]


def findings_csv(review: Review, order: Plan, site_url: str | None = None) -> bytes:
    """One row per finding; a column that is empty in every row is left out."""
    header = list(CSV_COLUMNS) + [f"cvss_{v}_{part}" for v in VERSION_ORDER for part in CVSS_PARTS]
    rows: list[list[str]] = []
    for scored in review.findings:
        record = finding_record(review, scored, order, site_url)
        row = [_csv_value(record, c) for c in CSV_COLUMNS]
        for version in VERSION_ORDER:
            score = scored.score(version)
            row += (
                [score.vector, f"{score.score:.1f}", score.severity, score.label]
                if score
                else ["", "", "", ""]
            )
        rows.append([_cell(v) for v in row])
    kept = [
        i
        for i, column in enumerate(header)
        if column in _ALWAYS or any(cells[i] != "" for cells in rows)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header[i] for i in kept])
    for cells in rows:
        writer.writerow([cells[i] for i in kept])
    return buffer.getvalue().encode()


def comparison_json(figures: Comparison) -> bytes:
    return (json.dumps(figures.to_json(), indent=2) + "\n").encode()


def exports(review: Review, figures: Comparison, site_url: str | None = None) -> dict[str, bytes]:
    """Export files keyed by their path inside the review's section of the site.

    `site_url`, the site's address, makes each finding's `url` absolute; without it the
    `url` is the page's path relative to the site's root.
    """
    order = plan(review, figures)
    return {
        "exports/findings.json": findings_json(review, order, site_url),
        "exports/findings.csv": findings_csv(review, order, site_url),
        "exports/comparison.json": comparison_json(figures),
    }
