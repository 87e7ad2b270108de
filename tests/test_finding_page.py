"""A finding page opens with its fix (GitHub issue 10, item 4).

The page leads with the recommendation, the target version or build (`fix.target`), the
interim mitigation, how to verify it (`verify:`), when it counts as done
(`reviewgen.fixes.done_when`) and its step in the order of work (or the acceptance of the
risk); the CVSS metric tables follow, collapsed in a `<details>` element on the site and
printed open in the PDF. Pages are read as HTML, converted with the Markdown extensions
of mkdocs.yml as MkDocs and the PDF convert them.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from pypdf import PdfReader
from reviewbuilder import asset, build_review, finding

from reviewgen import fixes, pdf
from reviewgen.build import build_site
from reviewgen.compare import compare
from reviewgen.load import load_review
from reviewgen.markup import markdown_block
from reviewgen.model import Acceptance, Fix
from reviewgen.plan import plan
from reviewgen.render import Site, finding_path, make_environment, render_review
from reviewgen.review import Review, ScoredFinding

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = pdf.markdown_settings(ROOT / "mkdocs.yml")
SLUG = "northwind-consolidation"


def to_html(page: str) -> str:
    """A page's Markdown as MkDocs converts it (the extensions of mkdocs.yml)."""
    _, body = pdf.front_matter(page)
    converter = markdown.Markdown(
        extensions=list(SETTINGS.extensions),
        extension_configs={k: dict(v) for k, v in SETTINGS.configs.items()},
        output_format="html",
    )
    return converter.convert(body)


def words(text: str) -> str:
    return " ".join(html.unescape(text).split())


class Outline(HTMLParser):
    """Headings, the text of each h2 section, and every table with where it sits."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []  # (level, text)
        self.sections: dict[str, list[str]] = {}  # h2 text -> text under it
        self.tables: list[dict[str, object]] = []  # header, h2 it is under, in details
        self._heading: tuple[int, list[str]] | None = None
        self._section: list[str] | None = None
        self._details: list[bool] = []  # one entry per open <details>: its `open` attribute
        self._table: dict[str, object] | None = None
        self._th: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        elif tag == "details":
            self._details.append(any(name == "open" for name, _ in attrs))
        elif tag == "table":
            self._table = {
                "header": [],
                "section": self.headings[-1][1] if self.headings else "",
                "details": list(self._details),
            }
        elif tag == "th":
            self._th = []

    def handle_endtag(self, tag: str) -> None:
        if self._heading and tag == f"h{self._heading[0]}":
            level, parts = self._heading
            text = words("".join(parts)).removesuffix("¶").strip()
            self.headings.append((level, text))
            self._heading = None
            if level == 2:
                self._section = self.sections.setdefault(text, [])
            elif level == 1:
                self._section = None
        elif tag == "details":
            self._details.pop()
        elif tag == "th" and self._th is not None and self._table is not None:
            header = self._table["header"]
            assert isinstance(header, list)
            header.append(words("".join(self._th)))
            self._th = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._heading[1].append(data)
        elif self._section is not None:
            self._section.append(data)
        if self._th is not None:
            self._th.append(data)

    def section(self, title: str) -> str:
        return words(" ".join(self.sections.get(title, [])))


def outline(page: str) -> Outline:
    parsed = Outline()
    parsed.feed(to_html(page))
    parsed.close()
    return parsed


def plain(markdown_text: str) -> str:
    """Reviewer Markdown as the words a reader sees."""
    return words(re.sub(r"<[^>]+>", " ", str(markdown_block(markdown_text))))


@pytest.fixture(scope="module")
def review(example_dir: Path) -> Review:
    return load_review(example_dir)


@pytest.fixture(scope="module")
def site(example_dir: Path) -> Site:
    return build_site([example_dir])


def page_of(site: Site, finding_id: str) -> str:
    return site.pages[f"{SLUG}/{finding_path(finding_id)}"]


def metric_tables(parsed: Outline) -> list[dict[str, object]]:
    return [t for t in parsed.tables if (t["header"] or [""])[0] == "Metric"]  # type: ignore[index]


# ----- every finding page ------------------------------------------------------------------


def test_every_finding_page_opens_with_its_fix(site: Site, review: Review) -> None:
    assert len(review.findings) == 26
    scored = 0
    for f in review.findings:
        parsed = outline(page_of(site, f.id))
        levels = [level for level, _ in parsed.headings]
        assert levels[0] == 1, f.id
        assert parsed.headings[1] == (2, "Fix"), f"{f.id}: first h2 is {parsed.headings[1]}"
        fix = parsed.section("Fix")
        # The recommendation is in the fix, and no longer repeated in a section of its own.
        assert plain(f.finding.recommendation) in fix, f.id
        assert "Recommendation" not in [text for _, text in parsed.headings], f.id
        assert f"Done when {plain(fixes.done_when(review, f))}" in fix, f.id
        # The CVSS metric detail follows the fix, collapsed: every metric table sits under
        # Severity inside a <details> that is not open.
        tables = metric_tables(parsed)
        names = [text for _, text in parsed.headings]
        assert all(t["section"] != "Fix" for t in parsed.tables), f.id
        for table in tables:
            assert table["details"] == [False], f"{f.id}: a metric table is not collapsed"
            assert names.index(str(table["section"])) > names.index("Fix"), f.id
        if f.scores:
            scored += 1
            assert len(tables) == len(f.scores), f.id
        else:
            assert tables == [], f.id
    assert scored >= 20  # the collapsing is checked on most pages, not on none


def test_the_headline_score_stays_above_the_fold(site: Site, review: Review) -> None:
    for f in review.findings:
        page = page_of(site, f.id)
        head = f.headline(review.primary_version)
        fix_at = page.index("## Fix")
        badges = page[: page.index("## Fix")]
        if head is not None:
            assert f">{head.label} {head.score:.1f}</span>" in badges, f.id
        assert "<details" not in page[:fix_at] and "???" not in page[:fix_at], f.id


# ----- the example's findings ----------------------------------------------------------


def test_hv01_shows_its_target_verification_and_step(site: Site, review: Review) -> None:
    parsed = outline(page_of(site, "HV-01"))
    fix = parsed.section("Fix")
    hv01 = review.finding_by_id["HV-01"].finding
    assert hv01.fix.target and hv01.verify
    step = plan(review, compare(review)).step_of("HV-01")
    assert step is not None
    for expected in (
        f"Target {hv01.fix.target}",
        f"How to verify {plain(hv01.verify)}",
        "Done when The verification above passes on every affected asset of the "
        "current state: esx01 and esx02.",
        f"Step {step.number} of the order of work · Infrastructure team lead · due "
        f"{step.due.isoformat() if step.due else ''}",
        "Do after: MP-01 (step ",
    ):
        assert expected in fix, expected
    # In this order: recommendation, target, verification, done, step.
    order = [
        fix.index(plain(hv01.recommendation)),
        fix.index("Target"),
        fix.index("How to verify"),
        fix.index("Done when"),
        fix.index(f"Step {step.number} "),
    ]
    assert order == sorted(order)
    html_text = to_html(page_of(site, "HV-01"))
    assert re.search(rf'<a href="\.\./roadmap\.md#[a-z-]+">Step {step.number} of', html_text)
    assert '<a href="mp-01.md">MP-01</a>' in html_text


def test_hv02_shows_the_acceptance_instead_of_a_step(site: Site, review: Review) -> None:
    fix = outline(page_of(site, "HV-02")).section("Fix")
    acceptance = review.finding_by_id["HV-02"].finding.acceptance
    assert acceptance is not None
    assert (
        f"Risk accepted by {acceptance.accepted_by}, until {acceptance.until.isoformat()}, "
        f"because: {plain(acceptance.reason)}"
    ) in fix
    assert "of the order of work" not in fix
    # No `verify:`: done when the recommendation is applied.
    assert "Done when The recommendation is applied on every affected asset" in fix


def test_interim_mitigation_and_explicit_done_when(site: Site, review: Review) -> None:
    is04 = review.finding_by_id["IS-04"].finding
    fix = outline(page_of(site, "IS-04")).section("Fix")
    assert is04.fix.interim and is04.done_when
    assert f"Interim mitigation (do this first) {plain(is04.fix.interim)}" in fix
    assert f"Done when {plain(is04.done_when)}" in fix
    interim = next(s for s in plan(review, compare(review)).steps if s.kind == "interim"
                   and s.ref == "IS-04")  # fmt: skip
    assert f"Its interim mitigation is step {interim.number}" in fix
    assert fix.index("Interim mitigation") < fix.index("How to verify") < fix.index("Done when")
    pp02 = outline(page_of(site, "PP-02")).section("Fix")
    assert f"Done when {plain(review.finding_by_id['PP-02'].finding.done_when or '')}" in pp02


# ----- reviewer text is escaped -----------------------------------------------------------

HOSTILE = {
    "target": '<script>alert("target")</script> {{ 7*191 }}',
    "interim": "<img src=x onerror=alert(1)> [click](javascript:alert(2))",
    "verify": "<script>alert(3)</script>\n\n```\n{{ config }}\n```",
    "done_when": "<iframe src=//evil.invalid></iframe> {% raw %}x{% endraw %}",
    "accepted_by": "<b onmouseover=alert(4)>Mallory</b>",
    "reason": "<svg onload=alert(5)>",
}


def _hostile(scored: ScoredFinding) -> ScoredFinding:
    f = scored.finding.model_copy(
        update={
            "fix": Fix(target=HOSTILE["target"], interim=HOSTILE["interim"]),
            "verify": HOSTILE["verify"],
            "done_when": HOSTILE["done_when"],
            "acceptance": Acceptance.model_construct(
                accepted_by=HOSTILE["accepted_by"],
                until=scored.finding.acceptance.until if scored.finding.acceptance else None,
                reason=HOSTILE["reason"],
            ),
        }
    )
    return dataclasses.replace(scored, finding=f)


def test_what_a_reviewer_wrote_in_the_fix_is_shown_not_run(review: Review) -> None:
    hostile = dataclasses.replace(
        review,
        findings=tuple(_hostile(f) if f.id in ("HV-01", "HV-02") else f for f in review.findings),
    )
    pages, _, _ = render_review(make_environment(), hostile, compare(hostile))
    for finding_id in ("HV-01", "HV-02"):
        page = pages[f"{SLUG}/{finding_path(finding_id)}"]
        converted = to_html(page).lower()
        for tag in ("<script", "<img", "<iframe", "<svg", "<b "):
            assert tag not in converted, (finding_id, tag)
        for attack in ("onerror=", "onmouseover=", "onload=", "javascript:", "1337"):
            assert attack not in converted, (finding_id, attack)
        fix = outline(page).section("Fix")
        # Shown as text, literally (the template syntax is not evaluated).
        assert '<script>alert("target")</script> {{ 7*191 }}' in fix
        assert "{{ config }}" in fix and "{% raw %}x{% endraw %}" in fix
    accepted = outline(pages[f"{SLUG}/{finding_path('HV-02')}"]).section("Fix")
    assert "Risk accepted by <b onmouseover=alert(4)>Mallory</b>" in accepted


# ----- fixes.done_when ---------------------------------------------------------------------


def _with(review: Review, finding_id: str, **update: object) -> ScoredFinding:
    scored = review.finding_by_id[finding_id]
    return dataclasses.replace(scored, finding=scored.finding.model_copy(update=update))


def test_done_when_by_default_names_the_affected_assets_of_the_current_state(
    review: Review,
) -> None:
    assert review.current == "post"
    hv01 = review.finding_by_id["HV-01"]
    assert hv01.finding.done_when is None and hv01.finding.verify is not None
    assert fixes.done_when(review, hv01) == (
        "The verification above passes on every affected asset of the current state: "
        "esx01 and esx02."
    )
    unverified = _with(review, "HV-01", verify=None)
    assert fixes.done_when(review, unverified) == (
        "The recommendation is applied on every affected asset of the current state: "
        "esx01 and esx02."
    )
    one = _with(review, "HV-01", affected={"pre": ["esx01"], "post": ["web"]})
    assert fixes.done_when(review, one) == (
        "The verification above passes on the affected asset of the current state: web."
    )
    three = _with(review, "HV-01", affected={"pre": [], "post": ["web", "db", "ldap"]})
    assert fixes.done_when(review, three).endswith("current state: web, db and ldap.")
    many = [f"host-{i}" for i in range(40)]
    listed = fixes.done_when(review, _with(review, "HV-01", affected={"post": many}))
    assert listed.endswith("host-28, host-29 and 10 more.")
    assert "host-30" not in listed
    # Affecting only an earlier state: nothing is left in the current one.
    gone = fixes.done_when(review, _with(review, "HV-01", affected={"pre": ["esx01"]}))
    assert gone == "The verification above passes. No asset of the current state is affected."


def test_done_when_explicit_wins(review: Review) -> None:
    is04 = review.finding_by_id["IS-04"]
    assert is04.finding.done_when is not None
    assert fixes.done_when(review, is04) == is04.finding.done_when
    custom = _with(review, "HV-01", done_when="Both hosts report the **fixed** build.")
    assert fixes.done_when(review, custom) == "Both hosts report the **fixed** build."


# ----- the PDF prints the collapsed detail open --------------------------------------------


def test_the_pdf_prints_the_cvss_detail_open(tmp_path: Path) -> None:
    scored = finding("HV-07")
    scored.update(
        title="Hypervisor build predates the fix for an exploited escape",
        affected={"pre": [], "post": ["web"]},
        cvss={
            "v3_1": {"vector": "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
            "scored_scenario": "Administrator in any guest runs code on the host.",
        },
        recommendation="Upgrade the hosts.",
        fix={"target": "Build 24585383"},
        verify="The build reads 24585383.",
        roadmap="now",
    )
    scored.pop("severity")
    scored.pop("severity_rationale")
    root = build_review(
        tmp_path / "fix-review", assets=[asset("web")], findings=[scored, finding("MG-11")]
    )
    site = build_site([root])
    assert "??? info" in site.pages[f"fix-review/{finding_path('HV-07')}"]
    doc = pdf.document(site, "fix-review", SETTINGS, make_environment())
    assert re.search(r"<details[^>]*>\s*<summary>CVSS v3\.1 metric detail</summary>", doc.html)
    reader = PdfReader(io.BytesIO(pdf.layout(doc).write_pdf()))
    text = " ".join(words(page.extract_text()) for page in reader.pages)
    start = text.index("HV-07: Hypervisor build")
    page_text = text[start:]
    order = [
        page_text.index(label)
        for label in ("Fix", "Upgrade the hosts.", "Target", "Build 24585383", "How to verify")
    ]
    assert order == sorted(order)
    # The metric table inside the collapsed block is on paper, after the fix.
    assert "CVSS v3.1 metric detail" in page_text
    detail = page_text.index("CVSS v3.1 metric detail")
    assert page_text.index("Attack Vector (AV)", detail) > page_text.index("Build 24585383")
    assert "Attack Complexity (AC)" in page_text[detail:]
