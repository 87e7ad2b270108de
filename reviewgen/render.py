"""Render a review into Markdown pages through one Jinja environment.

Templates live in `templates/` (ours) and optionally in a folder of the user's that
overrides them file by file. Every `{{ value }}` is escaped for Markdown and HTML
unless a filter marked it safe (see `markup.py`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import charts, exploitation, fixes, markup, present, report
from .figures import Comparison
from .glance import at_a_glance
from .model import AttackStep, Finding, Reference
from .plan import plan
from .plan_words import step_reasons
from .redesign import redesigns
from .retest import retest_summary
from .review import Review, ScoredFinding
from .status import status_now

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class PageSpec:
    title: str
    path: str
    template: str


#: The report's structure, in reading order; `None` paths are nav sections.
GLOSSARY_PAGE = "appendices/glossary.md"

REPORT: list[tuple[str, list[PageSpec]]] = [
    ("", [
        PageSpec("Cover", "index.md", "cover.md.j2"),
        PageSpec("Executive summary", "executive-summary.md", "executive-summary.md.j2"),
        PageSpec("Scope", "scope.md", "scope.md.j2"),
        PageSpec("Methodology", "methodology.md", "methodology.md.j2"),
    ]),
    ("Risk comparison", [
        PageSpec("What changed", "comparison/index.md", "comparison.md.j2"),
        PageSpec("Attack paths", "comparison/attack-paths.md", "attack-paths.md.j2"),
        PageSpec("Attack surface", "comparison/attack-surface.md", "attack-surface.md.j2"),
        PageSpec("Availability", "comparison/availability.md", "availability.md.j2"),
        PageSpec("After the redesign", "comparison/redesign.md", "redesign.md.j2"),
    ]),
    ("", [
        PageSpec("Findings", "findings/index.md", "findings-index.md.j2"),
        PageSpec("Positive observations", "observations.md", "observations.md.j2"),
        PageSpec("Roadmap", "roadmap.md", "roadmap.md.j2"),
        PageSpec("Retests", "retests.md", "retests.md.j2"),
    ]),
    ("Appendices", [
        PageSpec("Assets", "appendices/assets.md", "appendix-assets.md.j2"),
        PageSpec("Control matrix", "appendices/controls-matrix.md", "appendix-controls.md.j2"),
        PageSpec("CVSS details", "appendices/cvss.md", "appendix-cvss.md.j2"),
        PageSpec("Evidence log", "appendices/evidence.md", "appendix-evidence.md.j2"),
        PageSpec("References", "appendices/references.md", "appendix-references.md.j2"),
        PageSpec("Glossary", GLOSSARY_PAGE, "appendix-glossary.md.j2"),
    ]),
]  # fmt: skip


def finding_path(finding_id: str) -> str:
    """A finding's page, relative to its review: stable, derived from the id only."""
    return f"findings/{finding_id.lower()}.md"


_NUMBERS = (bool, int, float)


def _finalize(value: Any) -> Any:
    """Every interpolation is Markdown-safe unless a filter already made it so."""
    if type(value) is str:  # the most common case first: this runs for every `{{ }}`
        return markup.inline(value)
    if isinstance(value, Markup) or value is None:
        return value
    if isinstance(value, _NUMBERS):
        return Markup(str(value))
    return markup.inline(value)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def exploitation_phrase(finding: Finding) -> str:
    """Why the finding counts as exploited in the wild: its sources, as written."""
    return exploitation.evidence_text(exploitation.finding_evidence(finding))


def step_exploitation_phrase(finding: Finding, step: AttackStep) -> str:
    """The sources that make this attack step exploited ("" when it is not): only those
    of the CVEs the step uses."""
    return exploitation.evidence_text(exploitation.step_evidence(finding, step))


def make_environment(
    overrides: Path | None = None, templates: Path | None = None
) -> jinja2.Environment:
    """The one Jinja environment: strict, autoescaping, with our filters."""
    folders = [p for p in (overrides, templates or BUILTIN_TEMPLATES) if p is not None]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a template edit triggers a whole new build anyway
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        md=markup.inline,
        markdown=markup.markdown_block,
        markdown_inline=markup.markdown_inline,
        verbatim=markup.verbatim,
        front_matter_title=markup.front_matter_title,
        attr=markup.attribute,
        score=_score,
        # Model notation in words (present.py).
        position=present.position,
        gain=present.gain,
        targets=present.targets,
        source_note=present.source_note,
    )
    # When a finding counts as done (fixes.py), for the fix that opens its page.
    env.globals["done_when"] = fixes.done_when
    # Exploitation in the wild, with its sources, per finding and per attack step.
    env.globals["exploited"] = exploitation.finding_exploited
    env.globals["exploited_by"] = exploitation_phrase
    env.globals["step_exploited_by"] = step_exploitation_phrase
    return env


@dataclass
class Site:
    """Everything one build produces: Markdown pages, static files and the navigation."""

    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    not_in_nav: set[str] = field(default_factory=set)


class PageContext:
    """Helpers templates use to link pages and look things up."""

    def __init__(self, review: Review, figures: Comparison, prefix: str) -> None:
        self.review = review
        self.figures = figures
        self.prefix = prefix
        self.page = ""
        self._depends: dict[str, dict[str, list[str]]] = {}
        self._terms_linked: set[tuple[str, str]] = set()
        self._links: dict[tuple[str, str], str] = {}
        self._estate_order: dict[str, dict[str, int]] = {}

    def link(self, target: str) -> str:
        """A relative link from the page being rendered to `target` (a review page path)."""
        here = posixpath.dirname(self.page) or "."
        # relpath resolves both paths against the working folder on every call; pages
        # link the same few targets thousands of times.
        key = (target, here)
        if key not in self._links:
            self._links[key] = posixpath.relpath(target, here)
        return self._links[key]

    def finding_link(self, finding_id: str) -> Markup:
        finding = self.review.finding_by_id.get(finding_id)
        if finding is None:
            return markup.inline(finding_id)
        href = self.link(finding_path(finding_id))
        return Markup(f"[{markup.inline(finding_id)}]({href})")

    def file_link(self, target: str, label: str | None = None) -> Markup:
        """A Markdown link to a file of the review (MkDocs checks and rewrites it)."""
        href = quote(self.link(target), safe="/")
        text = markup.inline(label if label is not None else target.rsplit("/", 1)[-1])
        return Markup(f"[{text}](<{href}>)")

    # Lookups templates would otherwise compute with nested loops (quadratic in Jinja).

    def blast_union(self, state: str, ids: list[str]) -> list[str]:
        """Services controlled by design by any of `ids` in `state`, in estate order."""
        radius = self.figures.states[state].blast_radius
        union = {service for asset in ids for service in radius.get(asset, [])}
        # Sorting the few services found by their estate position, rather than walking
        # the whole estate once per finding page.
        if state not in self._estate_order:
            self._estate_order[state] = {asset: i for i, asset in enumerate(radius)}
        order = self._estate_order[state]
        return sorted((a for a in union if a in order), key=order.__getitem__)

    @cached_property
    def _service_counts(self) -> dict[str, int]:
        """Service instances per state: a pooled service (`count: 120`) counts 120."""
        spec = self.review.spec
        return {
            s.id: sum(a.count for a in spec.assets if a.kind == "service" and s.id in a.placement)
            for s in spec.states
        }

    def service_count(self, state: str) -> int:
        """Service instances present in `state` (services, when none is pooled)."""
        return self._service_counts[state]

    @cached_property
    def citations(self) -> dict[str, int]:
        """How many findings cite each framework."""
        counts = dict.fromkeys((f.id for f in self.review.spec.frameworks), 0)
        for scored in self.review.findings:
            for framework in {r.framework for r in scored.finding.references}:
                counts[framework] = counts.get(framework, 0) + 1
        return counts

    def references_by_framework(self, scored: ScoredFinding) -> dict[str, list[Reference]]:
        """The finding's references grouped by framework, each group in the finding's order."""
        grouped: dict[str, list[Reference]] = {}
        for ref in scored.finding.references:
            grouped.setdefault(ref.framework, []).append(ref)
        return grouped

    @cached_property
    def framework_coverage(self) -> dict[str, tuple[int, int]]:
        """For each framework: how many findings cite it, and how many distinct item ids."""
        mapped = dict.fromkeys((f.id for f in self.review.spec.frameworks), 0)
        items: dict[str, set[str]] = {framework: set() for framework in mapped}
        for scored in self.review.findings:
            for framework, refs in self.references_by_framework(scored).items():
                mapped[framework] = mapped.get(framework, 0) + 1
                items.setdefault(framework, set()).update(r.id for r in refs if r.id)
        return {framework: (mapped[framework], len(items[framework])) for framework in mapped}

    @cached_property
    def cve_index(self) -> list[tuple[str, Any, list[str]]]:
        """Every CVE cited: (id, its first record, the findings citing it), by id."""
        first: dict[str, Any] = {}
        cited_by: dict[str, list[str]] = {}
        for scored in self.review.findings:
            for cve in scored.finding.cves:
                first.setdefault(cve.id, cve)
                if scored.id not in cited_by.setdefault(cve.id, []):
                    cited_by[cve.id].append(scored.id)
        return [(cve_id, first[cve_id], cited_by[cve_id]) for cve_id in sorted(first)]

    def depends_on(self, state: str) -> dict[str, list[str]]:
        """For each service, the other assets whose failure can stop it in `state`."""
        if state not in self._depends:
            self._depends[state] = self._dependencies(state)
        return self._depends[state]

    def _dependencies(self, state: str) -> dict[str, list[str]]:
        radius = self.figures.states[state].availability_radius
        result: dict[str, list[str]] = {}
        for asset, stops in radius.items():
            for service in stops:
                if service != asset:
                    result.setdefault(service, []).append(asset)
        return result

    def attack_step_change(self, before: str, after: str) -> tuple[int, int, int]:
        """Attack steps (by id) new in `after`, gone from `before`, and in both states."""
        steps = [s for f in self.review.findings for s in f.finding.attack_steps]
        in_before = [s.id for s in steps if before in s.states]
        in_after = [s.id for s in steps if after in s.states]
        # Sets, not list membership per step: that grew with the square of the steps.
        seen_before, seen_after = set(in_before), set(in_after)
        return (
            sum(step not in seen_before for step in in_after),
            sum(step not in seen_after for step in in_before),
            sum(step in seen_before for step in in_after),
        )

    def say(self, sentence: report.Sentence) -> Markup:
        """A sentence of the report: its text escaped, its findings linked, and each
        glossary term linked where it first appears on the page."""
        parts = []
        for piece in sentence.pieces:
            if isinstance(piece, report.Ref):
                parts.append(self.finding_link(piece.finding))
            elif isinstance(piece, report.Term):
                parts.append(self.term(piece.text, piece.anchor))
            else:
                parts.append(markup.inline(piece))
        return Markup("").join(parts)

    def term(self, text: str, anchor: str) -> Markup:
        """`text` linked to its glossary entry the first time the page uses the term."""
        if (self.page, anchor) in self._terms_linked:
            return markup.inline(text)
        self._terms_linked.add((self.page, anchor))
        href = self.link(GLOSSARY_PAGE) + "#" + anchor
        return Markup(f"[{markup.inline(text)}]({href})")

    def status(self, scored: ScoredFinding) -> str:
        """The finding's status in the current state, in words (status.py)."""
        return status_now(self.review, scored)

    def multi_controllers(self, state: str) -> int:
        """Components whose control reaches more than one service by design in `state`."""
        return sum(len(r) > 1 for r in self.figures.states[state].blast_radius.values())

    def asset_name(self, asset_id: str) -> str:
        asset = self.review.assets.get(asset_id)
        return asset.name if asset else asset_id


def _common(
    review: Review, figures: Comparison, helpers: PageContext, profile: Any
) -> dict[str, Any]:
    spec = review.spec
    primary = review.primary_version
    work = plan(review, figures)
    findings = review.by_severity()
    return {
        "review": review,
        "spec": spec,
        "meta": spec.review,
        "figures": figures,
        "states": spec.states,
        "state_titles": {s.id: s.title for s in spec.states},
        "baseline": review.baseline,
        "current": review.current,
        "findings": findings,
        "findings_by_category": _by_category(findings),
        "primary": primary,
        "categories": {c.id: c for c in spec.categories},
        "frameworks": {f.id: f for f in spec.frameworks},
        "phases": {p.id: p for p in spec.roadmap},
        "entry_titles": {e.id: e.title for e in spec.entry_points},
        "h": helpers,
        "charts": charts,
        "profile": profile,
        "finding_path": finding_path,
        "steps_by_finding": _steps_by_finding(review),
        "summary": report.executive_summary(review, figures),
        "paths": report.attack_paths(review, figures),
        "changed": report.what_changed(review, figures),
        "availability_findings": report.availability_findings(review, figures, review.current),
        "plan": work,
        "plan_reasons": step_reasons(review, figures, work),
        "item_titles": {item.id: item.title for item in spec.roadmap_items},
        "glance": at_a_glance(review, figures, work),
        "redesigns": redesigns(review, figures),
        "retests": retest_summary(review),
    }


def _by_category(findings: list[ScoredFinding]) -> dict[str, list[ScoredFinding]]:
    """Findings of each category, in the given order (one pass, not one per category)."""
    result: dict[str, list[ScoredFinding]] = {}
    for scored in findings:
        result.setdefault(scored.finding.category, []).append(scored)
    return result


def _steps_by_finding(review: Review) -> dict[str, list[dict[str, Any]]]:
    """Attack steps that use each finding, as their own or as a co-requisite."""
    result: dict[str, list[dict[str, Any]]] = {f.id: [] for f in review.findings}
    for scored in review.findings:
        for step in scored.finding.attack_steps:
            entry = {"step": step, "finding": scored.id}
            result[scored.id].append(entry)
            for other in step.also_requires:
                result.setdefault(other, []).append(entry)
    return result


def render_review(
    env: jinja2.Environment, review: Review, figures: Comparison, profile: Any = None
) -> tuple[dict[str, str], list[Any], set[str]]:
    """Markdown pages of one review keyed by site path, its nav, and pages kept out of it."""
    prefix = review.slug
    helpers = PageContext(review, figures, prefix)
    context = _common(review, figures, helpers, profile)
    pages: dict[str, str] = {}
    nav: list[Any] = []
    for section, specs in REPORT:
        entries = []
        for spec in specs:
            helpers.page = spec.path
            pages[f"{prefix}/{spec.path}"] = env.get_template(spec.template).render(
                context, page_title=spec.title
            )
            entries.append({spec.title: f"{prefix}/{spec.path}"})
        nav.extend([{section: entries}] if section else entries)
    finding_template = env.get_template("finding.md.j2")
    hidden = set()
    for scored in review.findings:
        path = finding_path(scored.id)
        helpers.page = path
        pages[f"{prefix}/{path}"] = finding_template.render(
            context, f=scored, finding=scored.finding
        )
        hidden.add(f"{prefix}/{path}")
    return pages, nav, hidden
