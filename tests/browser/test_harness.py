"""Smoke test of the browser harness against a tiny MkDocs Material site.

Builds a site that uses the vendored Tablesort and tables.js, serves it on
127.0.0.1, and checks that it makes no third-party request, logs no error,
and that clicking a header sorts the table (and that the filter UI works).
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
JS_SRC = REPO / "templates" / "assets" / "javascripts"

MKDOCS_YML = """\
site_name: Harness smoke test
theme:
  name: material
  font: false
extra_javascript:
  - assets/javascripts/vendor/tablesort.min.js
  - assets/javascripts/vendor/tablesort.number.min.js
  - assets/javascripts/tables.js
"""

INDEX_MD = textwrap.dedent(
    """\
    # Tables

    | Name  | Score |
    | ----- | ----- |
    | beta  | 10    |
    | alpha | 2     |
    | gamma | 33    |

    <div class="rg-filter" data-filterable data-filter-for="findings">
    <div class="rg-filters">
    <label>Severity <select data-filter-column="1"><option value="">All</option></select></label>
    <output class="rg-filter-count"></output>
    </div>
    <table id="findings">
    <thead><tr><th>Finding</th><th>Severity</th></tr></thead>
    <tbody>
    <tr><td>F1</td><td>high</td></tr>
    <tr><td>F2</td><td>low</td></tr>
    <tr><td>F3</td><td>high</td></tr>
    </tbody>
    </table>
    </div>
    """
)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("harness-site")
    docs = root / "docs"
    js = docs / "assets" / "javascripts"
    (js / "vendor").mkdir(parents=True)
    for name in ("tablesort.min.js", "tablesort.number.min.js"):
        shutil.copy2(JS_SRC / "vendor" / name, js / "vendor" / name)
    shutil.copy2(JS_SRC / "tables.js", js / "tables.js")
    (docs / "index.md").write_text(INDEX_MD, encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    site = root / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(root / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    assert (site / "index.html").is_file()
    return site


def column(page, selector: str, n: int = 1) -> list[str]:
    """Texts of the n-th (1-based) cell of each body row of the table at *selector*."""
    cells = page.locator(f"{selector} tbody tr td:nth-child({n})")
    return [t.strip() for t in cells.all_inner_texts()]


@pytest.mark.browser
def test_site_is_local_and_table_sorts(site_dir, serve_dir, page_probe, screenshot, tmp_path):
    probe = page_probe(serve_dir(site_dir))
    page = probe.page

    assert probe.foreign_requests == [], f"requests to third parties: {probe.foreign_requests}"
    assert probe.console_errors == [], f"console errors: {probe.console_errors}"
    assert probe.page_errors == [], f"page errors: {probe.page_errors}"
    assert probe.dialogs == []
    assert page.evaluate("typeof window.Tablesort") == "function"

    table = "article table:not(#findings)"
    assert column(page, table) == ["beta", "alpha", "gamma"]

    page.locator(f"{table} th", has_text="Name").click()
    assert column(page, table) == ["alpha", "beta", "gamma"]

    # Numeric sort comes from the vendored number extension (lexical would give 10, 2, 33).
    page.locator(f"{table} th", has_text="Score").click()
    assert column(page, table) == ["alpha", "beta", "gamma"]  # 2, 10, 33
    assert column(page, table, 2) == ["2", "10", "33"]

    # Filter: options filled from the column, rows hidden on selection.
    select = page.locator(".rg-filter select[data-filter-column='1']")
    assert select.locator("option").all_inner_texts() == ["All", "high", "low"]
    select.select_option("low")
    visible = page.locator("#findings tbody tr:visible td:first-child").all_inner_texts()
    assert visible == ["F2"]
    assert page.locator(".rg-filter-count").inner_text() == "1 of 3"
    select.select_option("")
    assert page.locator("#findings tbody tr:visible").count() == 3

    screenshot(page, tmp_path / "harness.png")
    assert (tmp_path / "harness.png").stat().st_size > 0
    probe.assert_clean()
