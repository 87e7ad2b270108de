"""The example site as a client sees it, measured in headless Chromium.

- At 1,366 px no column of the findings index or of the executive summary's tables hides
  behind a horizontal scroll (Material wraps each table in .md-typeset__scrollwrap).
- At 390 px chart text is drawn at 11 px or more, and the findings table shows severity.
- Badges and the counts on severity bars meet WCAG AA (4.5:1) in both of Material's
  schemes, as rendered (tests/test_contrast.py computes the same pairs from the CSS).
- axe-core (vendored in tests/browser/vendor, not published with the site) finds no
  violation caused by our markup on every report page and a few finding pages, in both
  schemes. Excepted are only the rules a plain Material page fails by itself, which
  test_plain_material_fails_exactly_the_excepted_rules proves.
- Printed at A4 width, no table, code block or chart is wider than the page.
- The built HTML has no empty table header and no `markdown` attribute; finding pages open
  with the version their badge shows; model notation reads as words.

Some of these depend on templates other engineers own: PENDING lists the pages expected to
fail until those templates change, and the tests fail as soon as such a page passes, so
the list only shrinks.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitehelpers import EXAMPLE_SLUG, ROOT, mkdocs
from test_contrast import AA, RGBA, contrast_ratio, over

from reviewgen.render import REPORT

pytestmark = pytest.mark.browser

SLUG = EXAMPLE_SLUG
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A4 is 210 mm wide, 794 CSS px at 96 px per inch; less 15 mm margins on each side.
A4_PRINTABLE = {"width": 794 - 2 * 57, "height": 1123}
LEGIBLE_PX = 11
SCHEMES = {"light": "default", "dark": "slate"}


def page_url(path: str) -> str:
    """The folder URL, relative to the site root, of a review page such as "comparison/index.md"."""
    stem = path.removesuffix(".md").removesuffix("index").rstrip("/")
    return f"{SLUG}/{stem}/" if stem else f"{SLUG}/"


REPORT_PAGES = [page_url(spec.path) for _, specs in REPORT for spec in specs]
#: Findings with KEV and carried-over (gu-02, hv-01), amplified (mp-04), reduced (mp-07),
#: low severity (hv-03), an environmental score (lc-01) and none (mp-02).
FINDING_PAGES = [f"{SLUG}/findings/{name}/" for name in ("hv-01", "gu-02", "mp-04", "mp-07")]
MORE_FINDINGS = [f"{SLUG}/findings/{name}/" for name in ("hv-03", "lc-01", "mp-02")]
PAGES = ["", *REPORT_PAGES, *FINDING_PAGES]

#: Pages other engineers' templates still make fail, by check, with the line to change.
#: Keys are page URLs relative to the review ("" is its cover), glob patterns allowed.
PENDING: dict[str, dict[str, str]] = {
    "empty table header": {},
    "markdown attribute": {},
    "raw notation": {},
    "primary version first": {},
}
#: The axe rules those same template lines break.
PENDING_AXE = {"empty-table-header": PENDING["empty table header"]}


def review_page(url: str) -> str:
    return url.removeprefix(f"{SLUG}/")


def pending(check: str, url: str) -> bool:
    return any(fnmatch.fnmatchcase(review_page(url), key) for key in PENDING[check])


def split_pending(check: str, failing: list[str], checked: list[str]) -> list[str]:
    """The failures not listed in PENDING; fails the test for a listed page that passes."""
    stale = [
        key
        for key in PENDING[check]
        if any(fnmatch.fnmatchcase(review_page(u), key) for u in checked)
        and not any(fnmatch.fnmatchcase(review_page(u), key) for u in failing)
    ]
    assert stale == [], f"{check}: fixed, remove from PENDING: {stale}"
    return [u for u in failing if not pending(check, u)]


@pytest.fixture
def base_url(example_site: Path, serve_dir: Callable[[Path], str]) -> str:
    return serve_dir(example_site)


def built_pages(site: Path) -> dict[str, str]:
    """Every built page of the example: URL relative to the site root -> HTML."""
    pages = {}
    for path in sorted(site.glob(f"{SLUG}/**/index.html")):
        url = path.parent.relative_to(site).as_posix() + "/"
        pages[url] = path.read_text(encoding="utf-8")
    return pages


# --------------------------------------------------------------------------- #
# Widths: 1,366 px and 390 px
# --------------------------------------------------------------------------- #

TABLE_OVERFLOW_JS = """() => [...document.querySelectorAll('article table')].map(t => {
  const wrap = t.closest('.md-typeset__scrollwrap') || t.parentElement;
  return {head: [...t.querySelectorAll('th')].map(h => h.textContent.trim()).join(' | '),
          table: t.scrollWidth, wrapper: wrap.clientWidth, wrapped: wrap !== t.parentElement};
})"""


@pytest.mark.parametrize("page", ["findings/", "executive-summary/"])
def test_no_column_hides_behind_a_scroll_at_1366(base_url, page_probe, page):
    probe = page_probe(base_url + f"{SLUG}/{page}", viewport=DESKTOP)
    tables = probe.page.evaluate(TABLE_OVERFLOW_JS)
    assert tables, page
    assert all(t["wrapped"] for t in tables), "Material no longer wraps tables"
    hidden = [t for t in tables if t["table"] > t["wrapper"]]
    assert hidden == [], f"tables wider than their scroll wrapper: {hidden}"
    probe.assert_clean()


CHART_TEXT_JS = """() => [...document.querySelectorAll('.rg-figure svg text')].map(t => {
  const m = t.getScreenCTM();
  const scale = Math.hypot(m.a, m.b);
  return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
          rotated: Math.abs(m.b) > 1e-6, height: t.getBoundingClientRect().height};
})"""


@pytest.mark.parametrize(
    "page",
    ["executive-summary/", "comparison/", "scope/", "appendices/controls-matrix/"],
)
def test_chart_text_is_legible_on_a_phone(base_url, page_probe, page):
    probe = page_probe(base_url + f"{SLUG}/{page}", viewport=PHONE)
    texts = probe.page.evaluate(CHART_TEXT_JS)
    if page != "appendices/controls-matrix/":
        assert texts, f"no chart on {page}"
    small = [t for t in texts if t["px"] < LEGIBLE_PX - 0.01]
    assert small == [], f"chart text under {LEGIBLE_PX} px: {small[:5]}"
    # The glyph boxes agree: an unrotated line of 11 px text is at least 11 px tall.
    short = [t for t in texts if not t["rotated"] and t["text"].strip() and t["height"] < 11]
    assert short == [], short[:5]
    # A chart wider than the screen scrolls inside its figure, never the page.
    assert probe.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    probe.assert_clean()


SEVERITY_CELLS_JS = """() => [...document.querySelectorAll('#rg-findings tbody tr')]
  .filter(r => !r.hidden).map(r => {
    const cell = r.querySelector('td[data-label="Severity"]');
    const box = cell.getBoundingClientRect();
    const label = getComputedStyle(cell, '::before').content;
    return {text: cell.textContent.trim(), left: box.left, right: box.right,
            width: box.width, label};
  })"""


def test_findings_table_shows_severity_on_a_phone(base_url, page_probe):
    probe = page_probe(base_url + f"{SLUG}/findings/", viewport=PHONE)
    page = probe.page
    cells = page.evaluate(SEVERITY_CELLS_JS)
    assert len(cells) == 26
    for cell in cells:
        assert cell["text"], cell
        assert cell["width"] > 0, cell
        assert cell["left"] >= 0 and cell["right"] <= PHONE["width"], cell
        assert cell["label"] == '"Severity"', cell  # the table stacks, each value labelled
    wrapper = page.evaluate(
        "(() => { const w = document.querySelector('#rg-findings')"
        ".closest('.md-typeset__scrollwrap'); return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrapper[0] <= wrapper[1], "the stacked table scrolls sideways"
    # Filtering still hides rows when the table stacks.
    page.locator("select[data-filter-column='2']").select_option("migration")
    assert len(page.evaluate(SEVERITY_CELLS_JS)) == 2
    assert page.locator("#rg-findings tbody tr:visible").count() == 2
    probe.assert_clean()


# --------------------------------------------------------------------------- #
# Contrast, as rendered
# --------------------------------------------------------------------------- #

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")
_SRGB = re.compile(r"color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: / ([\d.e-]+))?\)")


def css_color(text: str) -> RGBA:
    """A computed colour from Chromium: rgb(), rgba() or color(srgb ...)."""
    if match := _RGB.fullmatch(text.strip()):
        r, g, b, a = match.groups()
        return (float(r), float(g), float(b), float(a) if a is not None else 1.0)
    if match := _SRGB.fullmatch(text.strip()):
        r, g, b, a = match.groups()
        return (float(r) * 255, float(g) * 255, float(b) * 255, float(a) if a else 1.0)
    raise ValueError(f"unexpected computed colour {text!r}")


COLOURS_JS = """() => {
  const stack = el => { const out = [];
    for (let e = el; e; e = e.parentElement) out.push(getComputedStyle(e).backgroundColor);
    return out; };
  const badges = [...document.querySelectorAll('article .rg-badge')]
    .filter(b => [...b.classList].some(c => c !== 'rg-badge' && c.startsWith('rg-')))
    .map(b => ({what: [...b.classList].join('.') + ' ' + b.textContent.trim(),
                fg: getComputedStyle(b).color, backgrounds: stack(b)}));
  const bars = [...document.querySelectorAll('article .rg-figure text.rg-on-bar')]
    .map(t => ({what: 'count ' + t.textContent + ' on '
                  + t.previousElementSibling.getAttribute('class'),
                fg: getComputedStyle(t).fill,
                backgrounds: [getComputedStyle(t.previousElementSibling).fill, ...stack(t)]}));
  return {scheme: document.body.getAttribute('data-md-color-scheme'), items: [...badges, ...bars]};
}"""


def rendered_background(backgrounds: list[str]) -> RGBA:
    """The backgrounds from the element up to <html>, composited over the white canvas."""
    result: RGBA = (255.0, 255.0, 255.0, 1.0)
    for layer in reversed(backgrounds):
        result = over(css_color(layer), result)
    return result


@pytest.mark.parametrize("scheme", SCHEMES)
def test_badges_and_bar_labels_meet_aa_as_rendered(base_url, page_probe, scheme):
    seen: set[str] = set()
    failures = []
    probe = page_probe(base_url, viewport=DESKTOP, color_scheme=scheme)
    for url in [*REPORT_PAGES, *FINDING_PAGES, *MORE_FINDINGS]:
        probe.goto(base_url + url, wait_until="load")
        found = probe.page.evaluate(COLOURS_JS)
        assert found["scheme"] == SCHEMES[scheme], url
        for item in found["items"]:
            seen.update(c for c in item["what"].split()[0].split(".") if c.startswith("rg-"))
            ratio = contrast_ratio(css_color(item["fg"]), rendered_background(item["backgrounds"]))
            if ratio < AA:
                failures.append(f"{url}: {item['what']}: {ratio:.2f}:1")
    assert failures == []
    expected = {f"rg-sev-{b}" for b in ("critical", "high", "medium", "low", "none")}
    expected |= {"rg-kev", "rg-delta-new", "rg-delta-amplified", "rg-delta-carried-over"}
    expected |= {"rg-delta-reduced"}
    assert expected <= seen, f"not measured: {expected - seen}"
    probe.assert_clean()


# --------------------------------------------------------------------------- #
# axe-core
# --------------------------------------------------------------------------- #

#: Rules the plain Material theme fails by itself with this mkdocs.yml's theme settings;
#: test_plain_material_fails_exactly_the_excepted_rules proves each one on a plain page.
#: Only nodes outside the article (Material's header, navigation, search and footer) are
#: excepted, unless `anywhere`: then the rule is Material's styling of our content too.
MATERIAL_RULES: dict[str, dict[str, Any]] = {
    # The search dialog (div.md-search, role="dialog") has no accessible name.
    "aria-dialog-name": {"anywhere": False},
    # The footer's "Made with Material for MkDocs": #7f7f7f on #171717, 4.47:1 (light).
    "color-contrast": {"anywhere": False},
    # navigation.path's breadcrumbs (nav.md-path) and the primary navigation are both
    # labelled "Navigation"; navigation.indexes labels section navs by icon-only labels.
    "landmark-unique": {"anywhere": False},
    # Material tells links in running text apart by colour alone (no underline), which
    # applies to every link we write as well.
    "link-in-text-block": {"anywhere": True},
}

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.flatMap(v => v.nodes.map(n => {
    let inArticle = true;
    try {
      const el = n.target.length === 1 ? document.querySelector(n.target[0]) : null;
      inArticle = el ? el.closest('article') !== null : true;
    } catch (e) {}
    return {rule: v.id, impact: v.impact, target: n.target.join(' '), inArticle,
            summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)};
  }));
}"""


def axe_violations(page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("axe.version") == AXE_VERSION
    return list(page.evaluate(AXE_JS))


def _pinned_version() -> str:
    head = AXE.read_text(encoding="utf-8")[:200]
    match = re.search(r"axe v(\d+\.\d+\.\d+)", head)
    assert match, "tests/browser/vendor/axe.min.js has no version banner"
    return match.group(1)


AXE_VERSION = _pinned_version()


def is_materials(violation: dict[str, Any]) -> bool:
    rule = MATERIAL_RULES.get(violation["rule"])
    return rule is not None and (rule["anywhere"] or not violation["inArticle"])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_nothing_caused_by_our_markup(base_url, page_probe, scheme):
    problems = []
    probe = page_probe(base_url, viewport=DESKTOP, color_scheme=scheme)
    for url in PAGES:
        probe.goto(base_url + url, wait_until="load")
        assert probe.page.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[scheme]
        for v in axe_violations(probe.page):
            if is_materials(v):
                continue
            if v["rule"] in PENDING_AXE and any(
                fnmatch.fnmatchcase(review_page(url), key) for key in PENDING_AXE[v["rule"]]
            ):
                continue
            where = f"{url or '/'}: {v['rule']} ({v['impact']}) {v['target']}"
            problems.append(f"{where}: {v['summary']}")
    assert problems == []
    probe.assert_clean()


PLAIN_PAGE = """\
# Plain page

A paragraph with a [link](#plain-page) in running text.

| Name | Value |
|---|---|
| a | 1 |
"""


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml as data: its `!ENV` tags read as null."""


_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def plain_material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-page docs folder built with nothing but this mkdocs.yml's theme settings.

    The page sits two sections deep, as every report page sits under its review, so
    Material draws the same navigation and breadcrumbs around it.
    """
    root = tmp_path_factory.mktemp("plain-material")
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), _TolerantLoader)
    plain = {"site_name": "Plain Material", "theme": config["theme"]}
    (root / "mkdocs.yml").write_text(yaml.safe_dump(plain), encoding="utf-8")
    page = root / "docs" / "section" / "part" / "page.md"
    page.parent.mkdir(parents=True)
    page.write_text(PLAIN_PAGE, encoding="utf-8")
    mkdocs(root, "build", "--strict")
    return root / "site"


def test_plain_material_fails_exactly_the_excepted_rules(plain_material, serve_dir, page_probe):
    base = serve_dir(plain_material)
    failed: set[str] = set()
    for scheme in SCHEMES:
        probe = page_probe(base + "section/part/page/", viewport=DESKTOP, color_scheme=scheme)
        violations = axe_violations(probe.page)
        failed |= {v["rule"] for v in violations}
        assert all(is_materials(v) for v in violations), violations
    assert failed == set(MATERIAL_RULES)


# --------------------------------------------------------------------------- #
# Print
# --------------------------------------------------------------------------- #

PRINT_OVERFLOW_JS = """(width) => {
  const out = [];
  const wider = el => el.getBoundingClientRect().right > width + 0.5
    || el.scrollWidth > el.clientWidth + 1;
  for (const t of document.querySelectorAll('article table')) {
    const wrap = t.closest('.md-typeset__scrollwrap');
    if (wider(t) || (wrap && wider(wrap)))
      out.push('table: ' + [...t.querySelectorAll('th')].map(h => h.textContent.trim())
        .join(' | '));
  }
  for (const c of document.querySelectorAll('article pre, article code'))
    if (wider(c)) out.push(c.tagName.toLowerCase() + ': ' + c.textContent.slice(0, 60));
  for (const s of document.querySelectorAll('article svg'))
    if (s.getBoundingClientRect().right > width + 0.5)
      out.push('chart: ' + s.getAttribute('aria-label'));
  if (document.scrollingElement.scrollWidth > width) out.push('page scrolls sideways');
  return out;
}"""


def test_printed_at_a4_nothing_is_wider_than_the_page(example_site, base_url, page_probe):
    urls = ["", *built_pages(example_site)]
    assert len(urls) > 40
    probe = page_probe(base_url, viewport=A4_PRINTABLE)
    page = probe.page
    page.emulate_media(media="print")
    problems = []
    for url in urls:
        probe.goto(base_url + url, wait_until="load")
        assert page.evaluate("matchMedia('print').matches")
        found = page.evaluate(PRINT_OVERFLOW_JS, A4_PRINTABLE["width"])
        problems += [f"{url or '/'}: {p}" for p in found]
    # The sort and filter controls are not printed.
    probe.goto(base_url + f"{SLUG}/findings/")
    assert not page.locator(".rg-filters").is_visible()
    icon = page.evaluate(
        "getComputedStyle(document.querySelector('#rg-findings th'), '::after').display"
    )
    assert icon == "none"
    assert problems == []
    probe.assert_clean()


# --------------------------------------------------------------------------- #
# The built HTML
# --------------------------------------------------------------------------- #


class _Cells(HTMLParser):
    """Header cells' text, every `markdown` attribute, and the article text outside <pre>."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.markdown_attributes: list[str] = []
        self.text: list[str] = []
        self._th: list[str] | None = None
        self._article = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == "markdown" for name, _ in attrs):
            self.markdown_attributes.append(self.get_starttag_text() or tag)
        if tag == "th":
            self._th = []
        elif tag == "article":
            self._article += 1
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._th is not None:
            self.headers.append("".join(self._th).strip())
            self._th = None
        elif tag == "article":
            self._article -= 1
        elif tag == "pre":
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)
        if self._article and not self._pre:
            self.text.append(data)


def parsed(html: str) -> _Cells:
    cells = _Cells()
    cells.feed(html)
    return cells


@pytest.fixture(scope="module")
def pages(example_site: Path) -> dict[str, str]:
    return built_pages(example_site)


def test_no_table_header_is_empty(pages):
    failing = [url for url, html in pages.items() if "" in parsed(html).headers]
    assert split_pending("empty table header", failing, list(pages)) == []


def test_no_markdown_attribute_is_left(pages):
    failing = [url for url, html in pages.items() if parsed(html).markdown_attributes]
    assert split_pending("markdown attribute", failing, list(pages)) == []


#: An attacker position or target in the model's notation, and a source file path.
NOTATION = re.compile(r"\b(?:control|foothold|read|group):[\w-]|Source: \S+\.ya?ml")


def test_model_notation_reads_as_words(pages):
    failing = [url for url, html in pages.items() if NOTATION.search(" ".join(parsed(html).text))]
    assert split_pending("raw notation", failing, list(pages)) == []


def _first_score_heading(html: str) -> tuple[str | None, str | None]:
    """(version of the first score badge, version of the first CVSS section heading)."""
    badge = re.search(r'class="rg-badge rg-sev-[a-z]+" title="[^"]*">CVSS v(\d\.\d)', html)
    heading = re.search(r'<h3 id="cvss-v[^"]*">CVSS v(\d\.\d)', html)
    return (badge.group(1) if badge else None, heading.group(1) if heading else None)


def test_finding_pages_open_with_the_version_their_badge_shows(pages):
    scored = {
        url: _first_score_heading(html)
        for url, html in pages.items()
        if "/findings/" in url and _first_score_heading(html)[0] is not None
    }
    assert len(scored) >= 20
    failing = [url for url, (badge, heading) in scored.items() if badge != heading]
    assert split_pending("primary version first", failing, list(scored)) == []


def test_axe_is_vendored_with_its_licence() -> None:
    vendor = AXE.parent
    assert (vendor / "axe.LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    assert f"axe-core@{AXE_VERSION}" in readme
