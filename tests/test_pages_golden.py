"""Rendered Markdown pages of the example review, compared with golden files.

Refresh with `pytest --update-goldens` and read the diff: it is the report's change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reviewgen.build import build_site
from reviewgen.render import Site

GOLDEN = Path(__file__).parent / "golden" / "pages"
SLUG = "northwind-consolidation"
PAGES = [
    "index.md",
    f"{SLUG}/index.md",
    f"{SLUG}/executive-summary.md",
    f"{SLUG}/comparison/index.md",
    f"{SLUG}/findings/index.md",
    f"{SLUG}/findings/hv-01.md",
    f"{SLUG}/findings/lc-01.md",
    f"{SLUG}/roadmap.md",
]


@pytest.fixture(scope="module")
def site(example_dir: Path) -> Site:
    return build_site([example_dir])


@pytest.mark.parametrize("page", PAGES)
def test_rendered_page_matches_golden(
    site: Site, page: str, golden: Callable[[Path, str], None]
) -> None:
    golden(GOLDEN / page, site.pages[page])


def test_derived_requirements_are_said_on_the_page(site: Site) -> None:
    page = site.pages[f"{SLUG}/findings/lc-01.md"]
    assert "derived from the affected assets" in page
    assert "CVSS-BE" in page and "CVSS v3.1 Environmental" in page
