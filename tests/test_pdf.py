"""The PDF (`reviewgen pdf`, reviewgen/pdf.py): what a client receives, read back.

Each PDF is laid out once per module (WeasyPrint takes a while) and read two ways: the
text of every page with pypdf, as a reader's viewer extracts it, and WeasyPrint's own
page boxes, to measure that no table or verbatim block reaches past the page's text.
Reviews: the committed example, a small one written here, and the planted review of
tests/security (public profile), which names its client in every field.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader
from reviewbuilder import asset, build_review, finding, step
from security.planted_review import PLANTED, write_planted_review
from sitehelpers import copy_project, mkdocs
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes

from reviewgen import pdf
from reviewgen.build import build_site
from reviewgen.cli import main
from reviewgen.render import REPORT, finding_path, make_environment

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = pdf.markdown_settings(ROOT / "mkdocs.yml")
PAGE_N_OF_M = re.compile(r"Page (\d+) of (\d+)")
#: A name the small and planted reviews give a client's person in distribution and
#: sign-off without listing it under `redaction.people`: a public edition still shows it
#: nowhere.
UNLISTED = "Ottoline Brackenbury"
EVIDENCE = "<script>alert(1)</script> " + "A" * 260 + " onerror=alert(2)"


class Recording(pdf.LocalFetcher):
    """The PDF's own fetcher, noting every URL WeasyPrint asks it for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.asked.append(url)
        return super().fetch(url, headers)


@dataclass
class Rendered:
    doc: pdf.Document
    laid_out: Any  # weasyprint.document.Document
    pages: list[str]  # the text of each page, as pypdf extracts it
    reader: PdfReader
    fetched: list[str]  # every URL WeasyPrint asked for while laying it out

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def render(site_roots: list[Path], profile: str | None = None) -> Rendered:
    site = build_site(site_roots, profile=profile)
    (slug,) = pdf.review_slugs(site)
    doc = pdf.document(site, slug, SETTINGS, make_environment())
    fetcher = Recording()
    laid_out = pdf.layout(doc, fetcher)
    reader = PdfReader(io.BytesIO(laid_out.write_pdf()))
    texts = [page.extract_text() for page in reader.pages]
    return Rendered(doc, laid_out, texts, reader, fetcher.asked)


def small_review(root: Path, **meta: Any) -> Path:
    """A review written for these tests: three findings (one scored, one with hostile
    evidence and a long unbroken token), document control, its own marking."""
    scored = finding("HV-07", step("S1", "internet", "control", "web"))
    scored.update(
        title="Hypervisor build predates the fix for an exploited escape",
        cvss={
            "v3_1": {"vector": "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
            "scored_scenario": "Administrator in any guest runs code on the host.",
        },
        evidence=EVIDENCE,
    )
    scored.pop("severity")
    scored.pop("severity_rationale")
    other = finding("GU-03", step("S2", "control:web", "control", "db"))
    other["title"] = "Guest " + "x" * 90 + " with a title longer than a line"
    root = build_review(
        root,
        assets=[asset("web"), asset("db", crown_jewel=True)],
        findings=[scored, other, finding("MG-11")],
    )
    data = yaml.safe_load((root / "review.yaml").read_text(encoding="utf-8"))
    data["review"].update(
        classification="Internal test marking",
        reviewers=[{"name": "R. Tester", "role": "Lead reviewer"}],
        history=[
            {"version": "0.9", "date": "2025-01-02", "author": "R. Tester", "changes": "Draft"},
            {"version": "1.0", "date": "2025-01-03", "changes": "Issued"},
        ],
        distribution=[{"name": UNLISTED, "role": "CISO", "organisation": "Example"}],
        sign_off=[{"name": UNLISTED, "role": "CISO"}, {"name": "R. Tester"}],
        **meta,
    )
    (root / "review.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def example(example_dir: Path) -> Rendered:
    return render([example_dir])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render([small_review(tmp_path_factory.mktemp("small") / "small-review")])


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    root = write_planted_review(tmp_path_factory.mktemp("planted"))
    data = yaml.safe_load((root / "review.yaml").read_text(encoding="utf-8"))
    data["review"].update(
        history=[{"version": "1.0", "date": "2026-03-20", "author": "Bartholomew Zephyrine",
                  "changes": "Issued to Saint Planted by Alice Quillfeather"}],
        distribution=[
            *data["review"].get("distribution", []),
            {"name": UNLISTED, "role": "CISO", "organisation": "Saint Planted Hospital"},
            {"name": "Bartholomew Zephyrine", "organisation": "Plantcare Outsourcing"},
        ],
        sign_off=[{"name": "Alice Quillfeather"}, {"name": UNLISTED, "role": "CISO"}],
    )  # fmt: skip
    (root / "review.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return render([root], profile="public")


# ----- every page: marking, "Page N of M" ---------------------------------------------


@pytest.mark.parametrize(
    ("which", "marking"),
    [
        ("example", "Confidential - example data"),
        ("small", "Internal test marking"),
        ("planted", "TLP:CLEAR"),
    ],
)
def test_every_page_carries_the_marking_and_its_number(
    which: str, marking: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    total = len(rendered.pages)
    assert total == len(rendered.laid_out.pages) > 3
    for number, text in enumerate(rendered.pages, 1):
        # Twice: the running header and the footer.
        assert text.count(marking) >= 2, f"page {number}: {text[:300]!r}"
        assert PAGE_N_OF_M.findall(text) == [(str(number), str(total))], f"page {number}"
    title = rendered.doc.title
    assert all(" ".join(title.split()[:3]) in text for text in rendered.pages)


# ----- contents, findings, order --------------------------------------------------------


def anchor_pages(rendered: Rendered) -> dict[str, int]:
    """Each anchor of the laid-out document and the page (from 1) it is on."""
    found: dict[str, int] = {}
    for number, page in enumerate(rendered.laid_out.pages, 1):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


def contents_numbers(rendered: Rendered) -> dict[str, int]:
    """Each entry of the table of contents and the page number it gives, read in order.

    Compared without whitespace: a title wraps wherever its line ends (after a hyphen too).
    """
    pages = [t for t in rendered.pages if t.startswith("Contents") or re.search(r"\.{8}", t)]
    text = "".join("".join(pages).split())
    numbers, at = {}, 0
    for entry in rendered.doc.contents:
        title = "".join(entry.title.split())
        start = text.find(title, at)
        assert start >= 0, f"{entry.title!r} is not in the contents (in order)"
        if entry.href is None:  # a section's heading, without a page
            at = start + len(title)
            continue
        match = re.compile(r"\.*(\d+)").match(text, start + len(title))  # leader, number
        assert match is not None, entry.title
        numbers[entry.href] = int(match.group(1))
        at = match.end()
    return numbers


@pytest.mark.parametrize("which", ["example", "small", "planted"])
def test_contents_give_the_page_each_part_starts_on(
    which: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    assert rendered.pages[2].startswith("Contents")  # after the cover and document control
    anchors = anchor_pages(rendered)
    listed = contents_numbers(rendered)
    assert listed == {part.id: anchors[part.id] for part in rendered.doc.parts[1:]}
    assert len(set(listed.values())) == len(listed)  # every part starts a page of its own


def finding_ids(root: Path) -> list[str]:
    return sorted(
        yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
        for path in (root / "findings").glob("*.yaml")
    )


def test_every_finding_starts_a_page_with_what_a_reader_needs_first(
    example: Rendered, example_dir: Path
) -> None:
    ids = finding_ids(example_dir)
    assert len(ids) == 26
    anchors = anchor_pages(example)
    for finding_id in ids:
        part = next(p for p in example.doc.parts if p.title.startswith(f"{finding_id}: "))
        number = anchors[part.id]
        page = example.laid_out.pages[number - 1]
        top = page._page_box.content_box_y()
        assert page.anchors[part.id][1] == pytest.approx(top, abs=1), finding_id
        first = example.pages[number - 1]
        assert first.lstrip().startswith(f"{finding_id}:") or f"\n{finding_id}:" in first[:200]
        # The finding's own text, from its first page on, in the order a reader needs it.
        text = "\n".join(example.pages[number - 1 : number + 3])
        text = text[text.index(f"{finding_id}:") :]
        order = [
            text.index(heading)
            for heading in ("Fix\n", "Affected assets", "Description", "Severity\n")
        ]
        assert order == sorted(order), finding_id
        if "Attack Vector" in text:  # CVSS-scored: the metric tables come after
            assert text.index("Fix\n") < text.index("Attack Vector"), finding_id
        assert "Fix\n" in first, f"{finding_id}: the fix is not on its first page"


def test_findings_follow_the_findings_table_in_its_order(example: Rendered) -> None:
    kinds = [part.kind for part in example.doc.parts]
    first = kinds.index("finding")
    assert example.doc.parts[first - 1].id == pdf.page_id("findings/index.md")
    assert kinds.count("finding") == 26
    assert kinds[first : first + 26] == ["finding"] * 26
    # The table may run over several pages: all of them, up to the first finding's.
    anchors = anchor_pages(example)
    start = anchors[example.doc.parts[first - 1].id]
    end = anchors[example.doc.parts[first].id]
    index_text = "\n".join(example.pages[start - 1 : end - 1])
    listed = re.findall(r"\b([A-Z]{2}-\d\d)\b", index_text)
    shown = [part.title.split(":")[0] for part in example.doc.parts if part.kind == "finding"]
    assert shown == list(dict.fromkeys(listed))[: len(shown)]


def test_the_same_sections_as_the_site(example: Rendered) -> None:
    titles = [p.title for section, specs in REPORT for p in specs][1:]
    entries = [
        e.title for e in example.doc.contents if e.href and not re.match(r"[A-Z]+-\d", e.title)
    ]
    assert entries == titles
    for title in titles:
        assert title in example.text


def test_document_control_on_the_cover(example: Rendered) -> None:
    cover, control = example.pages[0], example.pages[1]
    for expected in ("Northwind Widgets Ltd", "VSR-2025-001", "1.1", "2025-07-18",
                     "Confidential - example data", "A. Example", "B. Sample"):  # fmt: skip
        assert expected in cover
    for heading in ("Document history", "Distribution", "Sign-off"):
        assert heading in control
    assert "Issued, with the factual corrections" in control
    assert "Retest of 2025-07-15" in control
    assert "C. Placeholder" in control and "Head of IT" in control
    assert "Contents" not in cover  # the site's list of links is left out of the PDF


# ----- nothing clipped ------------------------------------------------------------------


def walk(box: Any, inside: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every box under `box`, and whether it lies inside a table or a verbatim block."""
    inside = inside or getattr(box, "element_tag", None) in ("table", "pre")
    yield box, inside
    for child in getattr(box, "children", None) or []:
        if not isinstance(child, boxes.MarginBox):
            yield from walk(child, inside)


def overflowing(laid_out: Any) -> list[str]:
    """Boxes of tables and verbatim blocks whose right edge passes the page's text."""
    found = []
    for number, page in enumerate(laid_out.pages, 1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for box, inside in walk(page_box):
            if not inside or not hasattr(box, "margin_width"):
                continue
            edge = box.position_x + box.margin_width()
            if edge > right + 0.5:
                name = type(box).__name__
                found.append(
                    f"page {number}: {name} <{box.element_tag}> ends {edge - right:.0f}px out"
                )
    return found


def test_the_overflow_check_sees_a_clipped_table() -> None:
    """The measure below can fail: a table that cannot wrap is reported."""
    cells = "<td>" + "x" * 300 + "</td><td>y</td>"
    page = HTML(string=f"<table><tr>{cells}</tr></table>").render(
        stylesheets=[CSS(string="@page { size: A4 } td { white-space: nowrap }")]
    )
    assert overflowing(page)


@pytest.mark.parametrize("which", ["example", "small", "planted"])
def test_no_table_or_evidence_is_wider_than_the_page(
    which: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    assert overflowing(rendered.laid_out) == []


def test_a_table_that_cannot_fit_is_marked_to_break_anywhere(example: Rendered) -> None:
    def table(columns: int, word: str) -> str:
        row = "<tr>" + f"<td>{word}</td>" * columns + "</tr>"
        return f"<table><thead>{row.replace('td>', 'th>')}</thead><tbody>{row}</tbody></table>"

    def marked(body: str) -> bool:
        out, _ = pdf.rewrite_page("p.md", body, pdf.resolver({}))
        return 'class="rg-tight"' in out

    assert not marked(table(4, "short words only"))
    assert not marked(table(12, "ab cd"))
    assert marked(table(10, "csa-virtualization-2015"))  # no break before digits
    assert marked(table(3, "x" * 120))
    assert not marked(table(3, "<code>" + "x" * 120 + "</code>"))  # code breaks anywhere
    # The example's control matrix has ten reference columns of long ids.
    matrix = next(
        p for p in example.doc.parts if p.id == pdf.page_id("appendices/controls-matrix.md")
    )
    assert 'class="rg-tight"' in matrix.html


def image_objects(resources: Any) -> Iterator[Any]:
    """Bitmaps among a page's (or a form's) XObjects, forms searched within."""
    xobjects = resources.get_object().get("/XObject") if resources else None
    for item in (xobjects.get_object() if xobjects else {}).values():
        item = item.get_object()
        if item.get("/Subtype") == "/Image":
            yield item
        elif item.get("/Subtype") == "/Form":
            yield from image_objects(item.get("/Resources"))


def test_charts_stay_vector_graphics(example: Rendered) -> None:
    assert example.doc.html.count("<svg") >= 5 and "<img" not in example.doc.html
    for page in example.reader.pages:
        assert list(image_objects(page.get("/Resources"))) == []  # no chart became a bitmap


def test_evidence_is_verbatim_and_wrapped(small: Rendered) -> None:
    text = "".join(small.text.split())  # wrapped lines joined again
    assert "".join(EVIDENCE.split()) in text
    assert "<pre" in small.doc.html and "&lt;script&gt;" in small.doc.html
    assert "<script" not in small.doc.html


# ----- links ------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))


def test_links_point_inside_the_document_or_outside_it(example: Rendered) -> None:
    links = Links()
    links.feed(example.doc.html)
    inside = [href for href in links.hrefs if href.startswith("#")]
    assert len(inside) > 100
    assert [h for h in inside if h[1:] not in links.ids] == []
    assert [h for h in links.hrefs if not h.startswith(("#", "https://", "http://"))] == []
    # Files the PDF does not hold (the exports, evidence files) are named, not linked.
    assert "findings.json" not in "".join(links.hrefs)
    assert 'rg-unlinked">evidence/hv-01-esxi-builds.txt' in example.doc.html
    # A finding named on another page links to its part.
    assert f'href="#{pdf.page_id(finding_path("HV-01"))}"' in example.doc.html


def test_links_resolve_as_mkdocs_and_a_browser_read_them() -> None:
    pages = ["index.md", "findings/index.md", "findings/hv-01.md", "comparison/index.md"]
    pages.append("comparison/attack-paths.md")
    anchors = {page: pdf.page_id(page) for page in pages}
    resolve = pdf.resolver(anchors)
    assert resolve("findings/index.md", "hv-01.md") == "rg-findings-hv-01"
    assert resolve("findings/index.md", "hv-01/") == "rg-findings-hv-01"  # directory URL
    assert resolve("comparison/attack-paths.md", "../findings/hv-01/") == "rg-findings-hv-01"
    assert resolve("comparison/attack-paths.md", "index.md") == "rg-comparison-index"
    assert resolve("findings/hv-01.md", "../index.md") == "rg-index"
    assert resolve("index.md", "../index.md") is None  # the site's home: not in the PDF
    assert resolve("index.md", "exports/findings.json") is None


def test_the_rewrite_changes_only_links_and_ids() -> None:
    body = (
        '<h2 id="x">T <a class="headerlink" href="#x">¶</a></h2><p>a &amp; b &#58; '
        '<a href="other.md#y" title="t">o</a> <a href="exports/f.json">f</a> '
        '<a href="https://example.com/?a=1&amp;b=2">e</a><!-- note --></p>'
        '<svg viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
    )
    out, links = pdf.rewrite_page(
        "page.md", body, pdf.resolver({"page.md": "rg-page", "other.md": "rg-other"}), "S"
    )
    assert out == (
        '<h2 id="rg-page--x">T </h2><p>a &amp; b &#58; '
        '<a href="#rg-other--y" title="t">o</a> <span class="rg-unlinked">f</span> '
        '<a href="https://example.com/?a=1&amp;b=2">e</a></p>'
        '<svg viewBox="0 0 1 1"><style>S</style><rect width="1" height="1"/></svg>'
    )
    assert links == ["rg-other"]


# ----- the public edition names no one ----------------------------------------------------


def outline_titles(items: list[Any]) -> Iterator[str]:
    for item in items:
        if isinstance(item, list):
            yield from outline_titles(item)
        else:
            yield str(item.title)


def test_the_public_pdf_names_no_one(planted: Rendered) -> None:
    reader = planted.reader
    texts = [planted.text, planted.doc.html, str(reader.metadata)]
    texts += [*outline_titles(reader.outline), *reader.named_destinations]
    everything = "\n".join(texts).lower()
    leaks = [name for name in [*PLANTED, UNLISTED] if name.lower() in everything]
    assert leaks == []
    assert "Reviewer 1" in planted.pages[1] and "name withheld" in planted.pages[1]
    assert "the hospital" in planted.text.lower()  # the replacement, not a blank
    assert "TLP:CLEAR" in planted.pages[0]


# ----- the pieces: settings, fetcher, command line, plugin --------------------------------


def test_markdown_extensions_are_read_from_mkdocs_yml(tmp_path: Path) -> None:
    assert SETTINGS.extensions[:3] == pdf.MKDOCS_BUILTIN_EXTENSIONS
    listed = yaml.safe_load(
        re.sub(r"!ENV \S+", "x", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    )["markdown_extensions"]
    names = [item if isinstance(item, str) else next(iter(item)) for item in listed]
    assert set(SETTINGS.extensions) == {*pdf.MKDOCS_BUILTIN_EXTENSIONS, *names}
    assert SETTINGS.configs["toc"] == {"permalink": True}
    changed = tmp_path / "mkdocs.yml"
    changed.write_text(
        "site_url: !ENV [NO_SUCH_VARIABLE, 'x']\nmarkdown_extensions:\n  - footnotes\n"
        "  - toc: {permalink: false}\n",
        encoding="utf-8",
    )
    settings = pdf.markdown_settings(changed)
    assert settings.extensions == ("toc", "tables", "fenced_code", "footnotes")
    assert settings.configs == {"toc": {"permalink": False}}


def test_the_fetcher_refuses_all_but_data_and_its_own_files() -> None:
    fetcher = pdf.LocalFetcher({"reviewgen:logo.svg": b"<svg/>"})
    for url in ("https://example.com/font.woff2", "http://127.0.0.1:9/", "file:///etc/hostname",
                "ftp://example.com/x"):  # fmt: skip
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    assert fetcher.fetch("reviewgen:logo.svg").read() == b"<svg/>"


@pytest.mark.parametrize("which", ["example", "small", "planted"])
def test_rendering_fetches_nothing(which: str, request: pytest.FixtureRequest) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    assert rendered.fetched == []


def test_what_a_template_would_fetch_is_refused() -> None:
    fetcher = Recording()
    hostile = pdf.Document(
        '<p>x</p><img src="https://example.com/x.png"><img src="file:///etc/hostname">',
        "t", [], [], ["@import url(https://example.com/a.css); p { color: red }"],
    )  # fmt: skip
    page = pdf.layout(hostile, fetcher)  # refused resources are left out; the layout succeeds
    assert sorted(fetcher.asked) == [
        "file:///etc/hostname", "https://example.com/a.css", "https://example.com/x.png"
    ]  # fmt: skip
    assert len(page.pages) == 1


def test_the_module_does_not_import_mkdocs() -> None:
    code = "import sys, reviewgen.pdf; print(sorted(m for m in sys.modules if 'mkdocs' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_cli_writes_the_public_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review = small_review(tmp_path / "reviews" / "small-review")
    out = tmp_path / "out" / "report.pdf"
    assert main(["pdf", str(review), "--out", str(out), "--profile", "public"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}: ") and "3 findings" in printed
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "HV-07" in text and "Public (redacted edition)" in text
    assert "R. Tester" not in text and UNLISTED not in text and "Reviewer 1" in text
    assert main(["pdf", str(review), "--out", str(review / "report.pdf")]) == 2
    assert not (review / "report.pdf").exists()
    assert "inside the review folder" in capsys.readouterr().err
    missing = tmp_path / "missing.yml"
    assert main(["pdf", str(review), "--out", str(out), "--config", str(missing)]) == 2
    assert f"{missing} not found" in capsys.readouterr().err


def test_plugin_builds_the_pdf_and_the_cover_links_it(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / "reviews" / "northwind-consolidation")
    small_review(project / "reviews" / "small-review")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    option = "      templates_dir: templates\n"
    assert option in text
    config.write_text(text.replace(option, option + "      pdf: true\n"), encoding="utf-8")
    mkdocs(project, "build", "--strict")
    site = project / "site" / "small-review"
    data = (site / "exports" / "small-review.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert "HV-07" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    cover = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="exports/small-review.pdf"' in cover
    assert "reviewgen:pdf" not in cover


def test_without_the_option_the_cover_has_no_pdf_link(example_dir: Path) -> None:
    site = build_site([example_dir])
    cover = site.pages["northwind-consolidation/index.md"]
    assert pdf.PDF_LINK_MARKER in cover and ".pdf" not in cover
    pdf.link_pdf(site, "northwind-consolidation")
    cover = site.pages["northwind-consolidation/index.md"]
    assert pdf.PDF_LINK_MARKER not in cover
    assert "(<exports/northwind-consolidation.pdf>)" in cover
