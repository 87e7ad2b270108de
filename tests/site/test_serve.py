"""`mkdocs serve` on 127.0.0.1 rebuilds when a review or a template changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sitehelpers import serving, wait_for

SLUG = "northwind-consolidation"


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    with serving(project) as url:
        yield url


def test_editing_a_finding_title_is_served(project: Path, server: str, edit) -> None:
    page = f"{server}/{SLUG}/findings/hv-01/"
    wait_for(page, "HV-01")
    finding = project / "reviews" / SLUG / "findings" / "HV-01.yaml"
    edit(finding, 'title: "ESXi hosts', 'title: "Freshly edited title: ESXi hosts')
    body = wait_for(page, "Freshly edited title")
    assert "HV-01" in body


def test_editing_a_template_is_served(project: Path, server: str, edit) -> None:
    page = f"{server}/{SLUG}/"
    wait_for(page, "Background")
    edit(project / "templates" / "cover.md.j2", "## Background", "## Background of the review")
    wait_for(page, "Background of the review")
