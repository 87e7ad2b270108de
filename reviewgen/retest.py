"""Retests: the checks on a finding's `retests:` and the figures the report gives.

A finding's `status` stays the truth; its retests are the record of how it got there.
Nothing here changes a status: a retest that contradicts the status is a problem for
the reviewer to resolve, at its line.

* `check_retests(doc, finding, spec)`: retests in date order, none before the review
  period starts, and the latest retest agreeing with `status`;
* `retest_summary(review)`: counts per latest result, for the retests page and the
  executive summary (only when some finding has a retest).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from .errors import Problem
from .model import Finding, Retest, ReviewFile
from .review import Review, ScoredFinding
from .textreport import plural
from .yamlsource import Document

#: The results, in the order the report counts them, and how a sentence says each.
RESULTS = ("fixed", "partial", "not-fixed")
RESULT_WORDS = {"fixed": "fixed", "partial": "partly fixed", "not-fixed": "not fixed"}


def latest(finding: Finding) -> Retest | None:
    """The finding's latest retest (the last listed; they are in date order)."""
    return finding.retests[-1] if finding.retests else None


def check_retests(doc: Document, finding: Finding, spec: ReviewFile) -> list[Problem]:
    """The problems of one finding's retests, each at its line."""
    problems: list[Problem] = []
    start = spec.review.period.start
    previous: Retest | None = None
    for index, retest in enumerate(finding.retests):
        at = ("retests", index, "date")
        if retest.date < start:
            problems.append(
                doc.problem(
                    at,
                    f"retest date {retest.date.isoformat()} is before the review period "
                    f"starts ({start.isoformat()})",
                )
            )
        if previous is not None and retest.date < previous.date:
            problems.append(
                doc.problem(
                    at,
                    f"retests must be in date order, oldest first: {retest.date.isoformat()} "
                    f"comes after {previous.date.isoformat()}",
                )
            )
        previous = retest
    last = latest(finding)
    if last is None:
        return problems
    has_status = isinstance(doc.data, dict) and "status" in doc.data
    # Point at the status when the file states it; else at what the latest retest found.
    where = ("status",) if has_status else ("retests", len(finding.retests) - 1, "result")
    found = f"the latest retest ({last.date.isoformat()}) found it {last.result}"
    if finding.status == "remediated" and last.result != "fixed":
        problems.append(
            doc.problem(
                where,
                f"status: remediated contradicts the retests: {found}; set status: open, "
                "or record the retest that found it fixed",
            )
        )
    elif finding.status == "open" and last.result == "fixed":
        problems.append(
            doc.problem(where, "set status: remediated (the latest retest found it fixed)")
        )
    return problems


@dataclass(frozen=True)
class RetestSummary:
    """What the retests found, counted per finding by its latest retest.

    `fixed + partial + not_fixed == len(retested)` and
    `len(retested) + len(not_retested) == ` the review's findings."""

    retested: tuple[ScoredFinding, ...]
    """Findings with at least one retest, in id order."""
    not_retested: tuple[ScoredFinding, ...]
    """Findings without a retest, in id order."""
    latest: dict[str, int]
    """Findings per latest result: fixed, partial, not-fixed (every key present)."""
    first_date: dt.date | None
    """The earliest retest of any finding (None: no retests)."""
    last_date: dt.date | None
    """The latest retest of any finding (None: no retests)."""

    @property
    def exists(self) -> bool:
        return bool(self.retested)

    @property
    def fixed(self) -> int:
        return self.latest["fixed"]

    @property
    def partial(self) -> int:
        return self.latest["partial"]

    @property
    def not_fixed(self) -> int:
        return self.latest["not-fixed"]

    @property
    def sentence(self) -> str:
        """E.g. "Retested on 2025-07-15: 5 findings fixed, 1 partly fixed, 2 not fixed;
        18 not retested." Empty when nothing was retested."""
        if self.first_date is None or self.last_date is None:
            return ""
        if self.first_date == self.last_date:
            when = f"Retested on {self.last_date.isoformat()}"
        else:
            when = f"Retested from {self.first_date.isoformat()} to {self.last_date.isoformat()}"
        counts = [(self.latest[r], RESULT_WORDS[r]) for r in RESULTS if self.latest[r]]
        parts = [
            f"{plural(n, 'finding') if i == 0 else n} {words}"
            for i, (n, words) in enumerate(counts)
        ]
        tail = f"; {len(self.not_retested)} not retested" if self.not_retested else ""
        return f"{when}: {', '.join(parts)}{tail}."


def retest_summary(review: Review) -> RetestSummary:
    """Counts per latest retest result over the review's (triaged) findings."""
    findings = sorted(review.findings, key=lambda f: f.id)
    retested = tuple(f for f in findings if f.finding.retests)
    not_retested = tuple(f for f in findings if not f.finding.retests)
    counts: Counter[str] = Counter(f.finding.retests[-1].result for f in retested)
    dates = [r.date for f in retested for r in f.finding.retests]
    return RetestSummary(
        retested=retested,
        not_retested=not_retested,
        latest={r: counts[r] for r in RESULTS},
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
    )
