"""A loaded review: the validated files plus every score, ready to compare and render."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .model import Asset, Finding, ReviewFile
from .registry import SEVERITY_IDS_ASCENDING, VERSION_ORDER
from .scoring import Score


@dataclass(frozen=True)
class ScoredFinding:
    """A finding with the scores of its vectors (none when `cvss: null`)."""

    finding: Finding
    source: str
    """Path of the finding file relative to the review folder."""
    scores: tuple[Score, ...]
    requirements: dict[str, str] | None = None
    """CR/IR/AR appended to the vectors, when derived from the affected assets."""

    @property
    def id(self) -> str:
        return self.finding.id

    def score(self, version: str) -> Score | None:
        return next((s for s in self.scores if s.version == version), None)

    def headline(self, primary: str) -> Score | None:
        """The score shown first: the review's primary version, else the newest one given."""
        preferred = self.score(primary)
        if preferred is not None:
            return preferred
        return next((s for v in VERSION_ORDER if (s := self.score(v)) is not None), None)

    def severity(self, primary: str) -> str:
        """Severity band in lower case; qualitative when the finding is not CVSS-scored."""
        headline = self.headline(primary)
        if headline is not None:
            return headline.severity.lower()
        return self.finding.severity or "none"

    def severity_rank(self, primary: str) -> int:
        return SEVERITY_IDS_ASCENDING.index(self.severity(primary))


@dataclass(frozen=True)
class Review:
    """One review folder, loaded, checked and scored."""

    slug: str
    root: Path
    spec: ReviewFile
    findings: tuple[ScoredFinding, ...]
    """Triaged findings: the ones every figure, page and export is made of."""
    drafts: tuple[ScoredFinding, ...] = ()
    """Imported findings still marked `draft: true`: checked and scored like the others,
    but left out of the figures and the site until the reviewer triages them."""

    @cached_property
    def assets(self) -> dict[str, Asset]:
        return {asset.id: asset for asset in self.spec.assets}

    @cached_property
    def finding_by_id(self) -> dict[str, ScoredFinding]:
        return {f.id: f for f in self.findings}

    @property
    def state_ids(self) -> list[str]:
        return [state.id for state in self.spec.states]

    @property
    def baseline(self) -> str:
        """The state before the change (role baseline, else the first)."""
        return self.spec.baseline_state

    @property
    def current(self) -> str:
        """The state as it stands (role current, else the last state not proposed)."""
        return self.spec.current_state

    @property
    def proposed(self) -> list[str]:
        """Redesigns not yet built, each compared with the current state."""
        return self.spec.proposed_states

    @property
    def compared(self) -> bool:
        """There is a baseline distinct from the current state."""
        return self.baseline != self.current

    @property
    def primary_version(self) -> str:
        return self.spec.review.scoring.primary

    def by_severity(self) -> list[ScoredFinding]:
        """Findings, most severe first, then by id."""
        primary = self.primary_version

        def rank(f: ScoredFinding) -> tuple[int, float, str]:
            headline = f.headline(primary)
            return (-f.severity_rank(primary), -(headline.score if headline else 0.0), f.id)

        return sorted(self.findings, key=rank)
