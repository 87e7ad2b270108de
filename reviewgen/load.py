"""Load review folders: read the files, make the edition, validate, check, score.

This module orchestrates; each kind of check has its own home:

* `validation.py`: the shape of each file (a pydantic error becomes located problems);
* `checks.py`: references (declared on the model) and the rules of review.yaml and
  the findings;
* `cvss_check.py`: the CVSS vectors and stated scores;
* `secrets_check.py`: the secret scan of the files and their evidence;
* `plan_checks.py`: the order of work (phases, roadmap items, `depends_on`).

Every problem found is collected with its `path:line:column`; one `ReviewError`
carries them all. Nothing here writes to disk.
"""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .checks import POSITION_FORMS, POSITION_KINDS, REVIEW_FILE, Checker, check_steps
from .cvss_check import SCORE_TOLERANCE
from .cvss_check import score_finding as _score_finding
from .errors import Problem, ReviewError, display_path
from .exploitation import check_exploitation
from .model import AttackStep, Finding, ReviewFile
from .plan_checks import check_plan
from .redact import (
    Profile,
    Redactor,
    adjust_finding_data,
    adjust_review_data,
    redact_document,
    redactor_for,
)
from .retest import check_retests
from .review import Review, ScoredFinding
from .secrets_check import MAX_EVIDENCE_SCAN, evidence_secrets, secret_problems
from .validation import valid_items
from .validation import validate as _validate
from .yamlsource import Document, YamlProblem, read_yaml

__all__ = [
    "FINDINGS_DIR",
    "MAX_EVIDENCE_SCAN",
    "POSITION_FORMS",
    "POSITION_KINDS",
    "REVIEW_FILE",
    "SCORE_TOLERANCE",
    "_read",
    "_score_finding",
    "_validate",
    "discover",
    "duplicate_id",
    "load_review",
    "load_reviews",
]

FINDINGS_DIR = "findings"


def finding_files(root: Path, problems: list[Problem]) -> list[Path]:
    """The review's finding files, in name order, that lie inside the review folder;
    a link leading outside is reported in `problems` and left out."""
    folder = root / FINDINGS_DIR
    if not folder.is_dir():
        return []
    files = []
    # A file that is not a link is inside the review exactly when its folder is: one
    # lstat instead of resolving every part of its path (links are checked in full).
    folder_inside = folder.resolve().is_relative_to(root.resolve())
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISLNK(mode):
            if stat.S_ISREG(mode) and (folder_inside or _inside(root, path, problems)):
                files.append(path)
            continue
        if not path.is_file():
            continue
        if not _inside(root, path, problems):
            continue
        files.append(path)
    return files


def _inside(root: Path, path: Path, problems: list[Problem]) -> bool:
    """A review file must really be in the review folder, not a link to somewhere else."""
    if path.resolve().is_relative_to(root.resolve()):
        return True
    problems.append(
        Problem(
            display_path(path),
            1,
            1,
            "this file is a link to a file outside the review folder; "
            "copy the content into the review instead",
        )
    )
    return False


def _read(path: Path, problems: list[Problem]) -> Document | None:
    try:
        return read_yaml(path)
    except YamlProblem as err:
        problems.append(err.problem)
        return None


def load_review(root: Path, profile: Profile | None = None) -> Review:
    """Load, check and score one review folder; raise `ReviewError` with every problem.

    With a redaction profile, the review is checked as it is, then the edition is made
    from its parsed files and checked again exactly as it will be published; a problem
    only the edition has (a replacement that breaks an id) is reported at the original
    line, prefixed with the edition's name.
    """
    review = _load(root)
    if profile is None or not profile.changes_anything:
        return review
    redactor = redactor_for(review.spec, review.slug, profile)
    try:
        return _load(root, redactor)
    except ReviewError as err:
        raise ReviewError(
            [
                dataclasses.replace(p, message=f"in the {profile.name} edition: {p.message}")
                for p in err.problems
            ]
        ) from None


def _edition(
    doc: Document | None,
    redactor: Redactor | None,
    adjust: Callable[[Redactor], Callable[[dict[str, Any]], None]],
    problems: list[Problem],
) -> Document | None:
    """The document as the edition reads it (unchanged without a redactor)."""
    if doc is None or redactor is None:
        return doc
    edition, clashes = redact_document(doc, redactor, adjust(redactor))
    problems.extend(clashes)
    return edition


def _load(root: Path, redactor: Redactor | None = None) -> Review:
    problems: list[Problem] = []
    review_path = root / REVIEW_FILE
    if not review_path.is_file():
        raise ReviewError([Problem(str(review_path), 1, 1, f"no {REVIEW_FILE} in {root}")])
    review_doc = _read(review_path, problems) if _inside(root, review_path, problems) else None
    original_review_doc = review_doc
    review_doc = _edition(review_doc, redactor, adjust_review_data, problems)
    spec = _validate(review_doc, ReviewFile, problems) if review_doc else None
    # The checker needs only review.yaml's raw data for references; its rules need `spec`.
    checker = Checker(root, review_doc, spec) if review_doc else None
    if original_review_doc is not None and redactor is None:
        problems.extend(secret_problems(original_review_doc, frozenset()))
    if checker:
        checker.check_review()
    findings: list[tuple[Document, Finding]] = []
    first_seen: dict[str, Document] = {}
    # Ids of finding files with problems of their own (the id they declare, or for a file
    # that cannot be parsed its name): a reference to one of them is not reported again
    # as an "unknown finding".
    invalid_ids: set[str] = set()
    # Every finding's attack steps that validate: all of a valid finding's, and those of
    # a finding that failed validation that are valid on their own.
    steps: list[tuple[Document, bool, Sequence[tuple[int, AttackStep]]]] = []
    for path in finding_files(root, problems):
        doc = _edition(_read(path, problems), redactor, adjust_finding_data, problems)
        if doc is None:
            invalid_ids.add(path.stem)
            continue
        finding = _validate(doc, Finding, problems)
        if checker:
            checker.check_references(doc, Finding)
        if finding is None:
            declared = doc.data.get("id") if isinstance(doc.data, dict) else None
            invalid_ids.add(declared if isinstance(declared, str) else path.stem)
            draft = isinstance(doc.data, dict) and doc.data.get("draft") is True
            steps.append((doc, draft, valid_items(doc.data, "attack_steps", AttackStep)))
            continue
        if finding.id in first_seen:
            problems.append(duplicate_id(doc, "finding", finding.id, first_seen[finding.id]))
            continue
        first_seen[finding.id] = doc
        findings.append((doc, finding))
        steps.append((doc, finding.draft, list(enumerate(finding.attack_steps))))
    draft_ids = {finding.id for _, finding in findings if finding.draft}
    problems.extend(check_steps(checker, steps, set(first_seen), invalid_ids, draft_ids))
    scored = []
    for doc, finding in findings:
        if checker is None or spec is None:
            continue
        checker.check_finding(doc, finding)
        problems.extend(check_exploitation(doc, finding))
        problems.extend(check_retests(doc, finding, spec))
        if redactor is None:  # the edition's text comes from files already scanned
            allowed = frozenset(finding.redacted)
            problems.extend(secret_problems(doc, allowed))
            for attachment in finding.evidence_files:
                problems.extend(evidence_secrets(root, attachment.path, allowed))
        scores, requirements = _score_finding(doc, spec, finding, problems)
        hidden = redactor is not None and redactor.profile.hide_sources
        source = "" if hidden else doc.path.relative_to(root).as_posix()
        scored.append(ScoredFinding(finding, source, scores, requirements))
    if checker:
        problems.extend(checker.problems)
    if review_doc is not None and spec is not None:
        problems.extend(check_plan(review_doc, spec, findings, invalid_ids))
    if problems or spec is None:
        raise ReviewError(problems)
    scored.sort(key=lambda f: f.id)
    slug = redactor.public_slug if redactor is not None else root.name
    # Drafts (imported, not yet triaged) are checked like the rest but kept apart, so no
    # figure, page or export counts them.
    triaged = tuple(f for f in scored if not f.finding.draft)
    return Review(slug, root, spec, triaged, tuple(f for f in scored if f.finding.draft))


def duplicate_id(doc: Document, what: str, value: str, other: Document) -> Problem:
    """`value` at the top-level `id` of `doc` was already declared in `other`."""
    return doc.problem(
        ("id",), f"duplicate {what} id {value!r} (also in {other.shown}:{other.at(('id',))[0]})"
    )


def discover(reviews_dir: Path) -> list[Path]:
    """Review folders (those holding a review.yaml) directly under `reviews_dir`."""
    if not reviews_dir.is_dir():
        return []
    return sorted(p for p in reviews_dir.iterdir() if (p / REVIEW_FILE).is_file())


def load_reviews(roots: Iterable[Path], profile: Profile | None = None) -> list[Review]:
    """Load several reviews, collecting the problems of all of them before raising."""
    reviews: list[Review] = []
    problems: list[Problem] = []
    for root in roots:
        try:
            reviews.append(load_review(root, profile))
        except ReviewError as err:
            problems.extend(err.problems)
    if problems:
        raise ReviewError(problems)
    return reviews
