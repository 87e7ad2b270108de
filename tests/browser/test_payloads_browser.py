"""The hostile review's site in headless Chromium: no payload runs, every payload is text.

The review comes from tests/security/hostile_review.py (every text field holds payloads
from tests/security/xss_payloads.txt). Every page is opened; no dialog may fire,
`window.__xss` must stay undefined, no request may leave the machine and no script error
may occur. The "strict" site leaves the review and finding titles plain (a known bug makes
them raw HTML, see tests/security/test_payloads_site.py); the "hostile" one does not.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sitehelpers import copy_project, mkdocs

from reviewgen import markup

pytestmark = pytest.mark.browser

TITLE_BUG = (
    "reviewgen passes the review title (nav section) and finding titles (front-matter "
    "title) to MkDocs unescaped; Material prints them raw, so title payloads execute"
)


def _hostile() -> ModuleType:
    """tests/security/hostile_review.py (a sibling folder, so loaded by path)."""
    name = "hostile_review"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "security" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


hostile = _hostile()


XSS_MARKER = "typeof window.__xss === 'undefined' ? null : String(window.__xss)"


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    root = tmp_path_factory.mktemp("payload-browser")
    built = {}
    for mode in ("hostile", "strict"):
        project = copy_project(root / mode)
        shutil.rmtree(project / "reviews")
        placement = hostile.write_hostile(project / "reviews" / hostile.SLUG, mode)
        mkdocs(project, "build", "--strict")
        built[mode] = (project / "site", placement)
    return built


def page_urls(site: Path) -> list[str]:
    """Every generated page, as a path relative to the site root."""
    urls = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        urls.append(relative.removesuffix("index.html"))
    return urls


RECORDED = ("dialogs", "foreign_requests", "page_errors", "console_errors")


def visit_all(site: Path, serve_dir, page_probe) -> dict[str, list[str]]:
    """Open every page in turn in one tab; what each one did that it should not have."""
    base = serve_dir(site)
    urls = page_urls(site)
    assert len(urls) >= 25
    probe = page_probe(base + urls[0], wait_until="load")
    problems: dict[str, list[str]] = {}
    for index, url in enumerate(urls):
        before = {name: len(getattr(probe, name)) for name in RECORDED}
        if index:
            probe.goto(base + url, wait_until="load")
        # Handlers that fire late: focus, toggle, SVG animation begin.
        probe.page.wait_for_timeout(250)
        found = [
            f"{name}: {getattr(probe, name)[before[name] :]}"
            for name in RECORDED
            if getattr(probe, name)[before[name] :]
        ]
        marker = probe.page.evaluate(XSS_MARKER)
        if marker is not None:
            found.append(f"window.__xss = {marker!r}")
        if found:
            problems[url] = found
    return problems


def test_no_payload_runs_apart_from_titles(sites, serve_dir, page_probe) -> None:
    assert visit_all(sites["strict"][0], serve_dir, page_probe) == {}


def test_no_payload_runs_with_payload_titles(sites, serve_dir, page_probe) -> None:
    assert visit_all(sites["hostile"][0], serve_dir, page_probe) == {}


def _description_text(payload: str) -> str:
    """What a browser shows for a Markdown field: the sanitized HTML's text.

    Markdown legitimately turns `[x](url)` into a link "x" and `**b**` into bold "b"; what
    must not happen is anything else between the sanitizer and the screen.
    """
    page = hostile.parse_page(str(markup.markdown_block(payload)))
    return normal(page.text)


def test_payload_text_is_visible(sites, serve_dir, page_probe) -> None:
    """Title, evidence and description payloads of each finding show on its page as text."""
    site, placement = sites["hostile"]
    base = serve_dir(site)
    probe = None
    missing = []
    literal_tags = 0
    for fid, fields in placement.findings.items():
        url = f"{base}{hostile.SLUG}/findings/{fid.lower()}/"
        if probe is None:
            probe = page_probe(url, wait_until="load")
        else:
            probe.goto(url, wait_until="load")
        body = normal(probe.page.inner_text("body"))
        expected = {
            "title": normal(fields["title"]),
            "evidence": normal(fields["evidence"]),
            "description": _description_text(fields["description"]),
        }
        for name, text in expected.items():
            assert len(text) >= 3, (fid, name, fields[name])
            if text not in body:
                missing.append((fid, name, fields[name], text))
            if "<script" in text.lower() or "<img" in text.lower():
                literal_tags += 1
    assert missing == []
    # Tags typed by the reviewer are among what shows, as text.
    assert literal_tags >= 5


def test_search_results_do_not_run_payloads(sites, serve_dir, page_probe, search) -> None:
    """Material renders search results and ?h= highlights from page text: it stays text."""
    site, _ = sites["strict"]
    base = serve_dir(site)
    probe = page_probe(base + f"{hostile.SLUG}/", wait_until="load")
    page = probe.page
    results = sum(search(page, query) for query in ("alert", "onerror", "javascript", "script"))
    assert results >= 5
    for query in ("alert", "script", "onerror"):
        for path in ("", "findings/xs-03/", "scope/"):
            probe.goto(f"{base}{hostile.SLUG}/{path}?h={query}", wait_until="load")
            page.wait_for_timeout(150)
    marker = page.evaluate(XSS_MARKER)
    assert (probe.dialogs, marker, probe.page_errors, probe.foreign_requests) == ([], None, [], [])
