"""The example site in headless Chromium: private, searchable, sortable, and pictured.

Set UPDATE_SCREENSHOTS=1 to refresh the README's screenshots in .github/readme/.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sitehelpers import ROOT

SLUG = "northwind-consolidation"
PAGES = [
    "",
    f"{SLUG}/",
    f"{SLUG}/executive-summary/",
    f"{SLUG}/scope/",
    f"{SLUG}/comparison/",
    f"{SLUG}/comparison/attack-paths/",
    f"{SLUG}/findings/",
    f"{SLUG}/findings/hv-01/",
    f"{SLUG}/roadmap/",
    f"{SLUG}/appendices/cvss/",
]
pytestmark = pytest.mark.browser


@pytest.fixture
def site_url(example_site: Path) -> Callable[..., str]:
    return lambda serve_dir: serve_dir(example_site)


def test_pages_make_no_foreign_request_and_log_no_error(site_url, serve_dir, page_probe):
    base = site_url(serve_dir)
    for page in PAGES:
        probe = page_probe(base + page)
        assert probe.page.locator("h1").count() >= 1, page
        probe.assert_clean()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("HV-01", "HV-01"),
        ("CVE-2024-38812", "MP-01"),
        ("dormant payroll", "LC-01"),
    ],
)
def test_search_finds_findings_offline(site_url, serve_dir, page_probe, search, query, expected):
    probe = page_probe(site_url(serve_dir) + f"{SLUG}/")
    page = probe.page
    assert search(page, query) >= 1
    assert expected in page.locator(".md-search-result").inner_text()
    probe.assert_clean()


def test_findings_table_sorts_and_filters(site_url, serve_dir, page_probe):
    probe = page_probe(site_url(serve_dir) + f"{SLUG}/findings/")
    page = probe.page
    rows = page.locator("#rg-findings tbody tr")
    total = rows.count()
    assert total == 26
    page.locator("#rg-findings thead th", has_text="ID").click()
    ids = [rows.nth(i).locator("td").first.inner_text() for i in range(total)]
    assert ids == sorted(ids) or ids == sorted(ids, reverse=True)
    page.locator("select[data-filter-column='2']").select_option("migration")
    visible = [r for r in range(total) if rows.nth(r).is_visible()]
    assert len(visible) == 2
    probe.assert_clean()


def test_screenshots(site_url, serve_dir, page_probe, screenshot, tmp_path: Path):
    target = ROOT / ".github" / "readme" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    base = site_url(serve_dir)
    shots = {
        "executive-summary": f"{SLUG}/executive-summary/",
        "comparison": f"{SLUG}/comparison/",
        "finding": f"{SLUG}/findings/hv-01/",
        "findings": f"{SLUG}/findings/",
    }
    for name, page in shots.items():
        probe = page_probe(base + page)
        probe.page.set_viewport_size({"width": 1280, "height": 900})
        path = screenshot(probe.page, target / f"{name}.png", full_page=False)
        assert path.stat().st_size > 10_000
