"""The offline bundle in headless Chromium, opened from disk as a client opens it.

`reviewgen bundle` zips the example's site; the zip is extracted into a temporary
folder and its index.html opened from `file://`. Following the navigation reaches the
executive summary (a zipped plain `mkdocs build` shows a directory listing there
instead: the contrast case below), every link of the report pages and of some finding
pages leads to a file of the tree, the search answers, the findings table sorts and
filters, the charts show, and nothing is requested but files of the tree.

(Named test_bundle_browser.py, not test_bundle.py: tests/test_bundle.py exists, and
pytest imports both folders' test files as top-level modules.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sitehelpers import EXAMPLE_SLUG, copy_project, failure_report, mkdocs

pytestmark = pytest.mark.browser

SLUG = EXAMPLE_SLUG
#: Schemes a page may load from without leaving the machine (the bundle's own files).
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})
#: Link targets that are not files of the bundle and need not be.
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Finding pages whose links are followed, beside every report page.
FINDING_PAGES = ["hv-01", "mp-01", "gu-02"]


@dataclass
class FileProbe:
    """A page opened from disk, with everything it did that it should not have."""

    page: Any
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], f"requests off the disk: {self.foreign_requests}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs fired: {self.dialogs}"


def _local(url: str) -> bool:
    return urlsplit(url).scheme in LOCAL_SCHEMES


@pytest.fixture
def open_file(browser) -> Iterator[Callable[[Path], FileProbe]]:
    """Factory: ``open_file(path) -> FileProbe``, the page at ``file://path``.

    Like the ``page_probe`` fixture, but for pages on disk: any request that is not for
    a local file (no host at all, loopback included) is recorded and aborted.
    """
    contexts = []

    def _open(path: Path) -> FileProbe:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if _local(route.request.url) else route.abort("blockedbyclient")
            ),
        )
        page = context.new_page()
        probe = FileProbe(page=page)

        def on_request(request: Any) -> None:
            probe.requests.append(request.url)
            if not _local(request.url):
                probe.foreign_requests.append(request.url)

        def on_console(message: Any) -> None:
            if message.type == "error":
                probe.console_errors.append(f"{message.text} ({message.location})")

        def on_dialog(dialog: Any) -> None:
            probe.dialogs.append(f"{dialog.type}: {dialog.message}")
            with contextlib.suppress(Exception):
                dialog.dismiss()

        page.on("request", on_request)
        page.on("console", on_console)
        page.on("pageerror", lambda error: probe.page_errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri(), wait_until="networkidle")
        return probe

    yield _open

    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def _unzip(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
    return target


@pytest.fixture(scope="module")
def bundle_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's bundle, unzipped: the folder holding its index.html."""
    root = tmp_path_factory.mktemp("bundle-browser")
    project = copy_project(root / "project")
    archive = root / "example.zip"
    result = subprocess.run(
        [sys.executable, "-m", "reviewgen.cli", "bundle", "--out", str(archive)],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,  # a safety net against a hung build, not a speed criterion
    )
    assert result.returncode == 0, failure_report(result)
    return _unzip(archive, root / "unzipped") / SLUG


@pytest.fixture(scope="module")
def plain_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contrast: the site of a plain `mkdocs build`, zipped and unzipped."""
    root = tmp_path_factory.mktemp("plain-browser")
    project = copy_project(root / "project")
    mkdocs(project, "build", "--strict")
    archive = shutil.make_archive(str(root / "plain"), "zip", project / "site")
    return _unzip(Path(archive), root / "unzipped")


def follow_nav_to_executive_summary(probe: FileProbe) -> None:
    """From the home page: the review's card, then "Executive summary" in the navigation."""
    page = probe.page
    page.locator("article a", has_text="Virtualization security review").first.click()
    page.wait_for_load_state("networkidle")
    nav = page.locator("nav.md-nav--primary")
    nav.locator("a.md-nav__link", has_text="Executive summary").first.click()
    page.wait_for_load_state("networkidle")


def test_the_nav_reaches_the_executive_summary(bundle_root: Path, open_file) -> None:
    probe = open_file(bundle_root / "index.html")
    follow_nav_to_executive_summary(probe)
    page = probe.page
    assert page.url == (bundle_root / SLUG / "executive-summary.html").as_uri()
    assert page.locator("article h1").first.inner_text().startswith("Executive summary")
    assert page.locator("article h2").count() >= 2
    probe.assert_clean()


def test_a_zipped_plain_build_shows_a_directory_listing_instead(plain_root: Path, open_file):
    """Why the bundle exists: folder URLs opened from disk list the folder."""
    probe = open_file(plain_root / "index.html")
    page = probe.page
    page.locator("article a", has_text="Virtualization security review").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/{SLUG}/")
    assert page.locator("article").count() == 0
    assert "Index of" in page.locator("body").inner_text()


def sample_pages(root: Path) -> list[Path]:
    """The home page, every report page, and a few finding pages."""
    review = root / SLUG
    report = [
        p
        for p in sorted(review.rglob("*.html"))
        if p.parent != review / "findings" or p.name == "index.html"
    ]
    findings = [review / "findings" / f"{name}.html" for name in FINDING_PAGES]
    return [root / "index.html", *report, *findings]


#: The findings table: HTML in the template, whose links are tested on their own.
FINDINGS_TABLE = "#rg-findings"
#: Every link of a page: [href attribute, resolved URL, inside the findings table].
LINKS_JS = f"""els => els.map(a => [
    a.getAttribute('href'), a.href, a.closest('{FINDINGS_TABLE}') !== null])"""


def dangling_links(root: Path, links: list[tuple[str, str]]) -> list[str]:
    """The links, given as (href attribute, resolved URL), that lead to no file of `root`."""
    bad = []
    for attribute, url in links:
        parts = urlsplit(url)
        if attribute.startswith("#") or parts.scheme in EXTERNAL_SCHEMES:
            continue
        if parts.scheme != "file":
            bad.append(f"{attribute}: not a file link")
            continue
        target = Path(unquote(parts.path))
        if not (target.is_file() and target.resolve().is_relative_to(root.resolve())):
            bad.append(f"{attribute}: no file {target}")
    return bad


def page_links(probe: FileProbe, in_findings_table: bool) -> list[tuple[str, str]]:
    links = probe.page.eval_on_selector_all("a[href]", LINKS_JS)
    return [(href, url) for href, url, inside in links if inside == in_findings_table]


def test_every_link_leads_to_a_file_of_the_bundle(bundle_root: Path, open_file) -> None:
    """Every report page and a few finding pages; the findings table is the test below."""
    pages = sample_pages(bundle_root)
    assert len(pages) > 20
    problems = []
    for path in pages:
        assert path.is_file(), path
        probe = open_file(path)
        assert probe.page.locator("h1").count() >= 1, path
        links = page_links(probe, in_findings_table=False)
        assert links, path
        where = path.relative_to(bundle_root)
        problems += [f"{where}: {bad}" for bad in dangling_links(bundle_root, links)]
        probe.assert_clean()
    assert problems == []


def test_the_findings_table_links_lead_to_files(bundle_root: Path, open_file) -> None:
    """Raw HTML whose links MkDocs does not rewrite would keep folder URLs (hv-01/)."""
    probe = open_file(bundle_root / SLUG / "findings" / "index.html")
    links = page_links(probe, in_findings_table=True)
    assert len(links) == 26
    assert dangling_links(bundle_root, links) == []


@pytest.mark.parametrize("query, expected", [("HV-01", "HV-01"), ("CVE-2024-38812", "MP-01")])
def test_search_works_from_disk(bundle_root: Path, open_file, search, query, expected):
    probe = open_file(bundle_root / SLUG / "index.html")
    page = probe.page
    assert search(page, query) >= 1
    result = page.locator(".md-search-result__item").first
    assert expected in result.inner_text()
    result.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(bundle_root.as_uri() + "/") and ".html" in page.url
    assert expected in page.locator("article").inner_text()
    # The search worker ran through the vendored shim, not a CDN's.
    assert any(url.endswith("/iframe-worker.shim.js") for url in probe.requests)
    probe.assert_clean()


def test_the_findings_table_sorts_and_filters(bundle_root: Path, open_file) -> None:
    probe = open_file(bundle_root / SLUG / "findings" / "index.html")
    page = probe.page
    rows = page.locator("#rg-findings tbody tr")
    total = rows.count()
    assert total == 26

    def ids() -> list[str]:
        return [rows.nth(i).locator("td").first.inner_text() for i in range(total)]

    header = page.locator("#rg-findings thead th", has_text="ID")
    header.click()
    first = ids()
    assert first in (sorted(first), sorted(first, reverse=True))
    header.click()
    assert ids() == first[::-1]

    select = page.locator("select[data-filter-column]").first
    values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
    assert values
    select.select_option(values[0])
    visible = [r for r in range(total) if rows.nth(r).is_visible()]
    assert 0 < len(visible) < total
    probe.assert_clean()


@pytest.mark.parametrize(
    "page_name", ["executive-summary.html", "scope.html", "comparison/index.html"]
)
def test_charts_show(bundle_root: Path, open_file, page_name: str) -> None:
    probe = open_file(bundle_root / SLUG / page_name)
    charts = probe.page.locator("article svg[role='img']")
    assert charts.count() >= 1
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    probe.assert_clean()
