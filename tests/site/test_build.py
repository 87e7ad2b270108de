"""A real `mkdocs build --strict` of the example, and what the site holds."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from sitehelpers import ROOT, mkdocs

SLUG = "northwind-consolidation"


def _finding_ids() -> list[str]:
    folder = ROOT / "reviews" / SLUG / "findings"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def test_every_report_page_and_finding_page_is_built(built_example: Path) -> None:
    review = built_example / SLUG
    for page in ("", "executive-summary", "scope", "methodology", "comparison",
                 "comparison/attack-paths", "comparison/attack-surface",
                 "comparison/availability", "findings", "observations", "roadmap",
                 "appendices/assets", "appendices/controls-matrix", "appendices/cvss",
                 "appendices/evidence", "appendices/references", "appendices/glossary"):
        assert (review / page / "index.html").is_file(), page
    ids = _finding_ids()
    assert len(ids) == 26
    for finding_id in ids:
        page = review / "findings" / finding_id.lower() / "index.html"
        assert page.is_file(), finding_id
        assert finding_id in page.read_text(encoding="utf-8")


def test_exports_are_published_and_consistent(built_example: Path) -> None:
    exports = built_example / SLUG / "exports"
    findings = json.loads((exports / "findings.json").read_text(encoding="utf-8"))
    assert sorted(f["id"] for f in findings["findings"]) == _finding_ids()
    # Cells may hold line breaks (recommendations): count records, not lines.
    with (exports / "findings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["id"] for r in rows) == _finding_ids()
    comparison = json.loads((exports / "comparison.json").read_text(encoding="utf-8"))
    assert set(comparison["states"]) == {"pre", "post", "redesign"}
    cover = (built_example / SLUG / "index.html").read_text(encoding="utf-8")
    for name in ("findings.json", "findings.csv", "comparison.json"):
        assert f"exports/{name}" in cover


def test_only_referenced_evidence_is_published_and_no_yaml(built_example: Path) -> None:
    published = {p.relative_to(built_example).as_posix() for p in built_example.rglob("*")}
    assert not [p for p in published if p.endswith((".yaml", ".yml"))]
    evidence = sorted(p for p in published if p.startswith(f"{SLUG}/evidence/"))
    assert evidence == [
        f"{SLUG}/evidence/hv-01-esxi-builds.txt",
        f"{SLUG}/evidence/is-01-nfs-exports.txt",
        f"{SLUG}/evidence/vn-01-portgroup-policy.txt",
    ]


def test_no_third_party_assets_referenced(built_example: Path) -> None:
    for page in built_example.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, page
        assert "unpkg.com" not in html and "cdn.jsdelivr" not in html, page


def test_a_problem_aborts_the_build_with_located_messages(project: Path, edit) -> None:
    finding = project / "reviews" / SLUG / "findings" / "HV-01.yaml"
    edit(finding, "CVSS:3.1/AV:L/AC:L/PR:N", "CVSS:3.1/AV:Q/AC:L/PR:N")
    result = mkdocs(project, "build", "--strict", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (f"reviews/{SLUG}/findings/HV-01.yaml:" in result.stderr
            and "metric AV (Attack Vector) cannot be 'Q'" in result.stderr), result.stderr
    assert not (project / "site").exists()


def test_two_reviews_get_their_own_sections(project: Path) -> None:
    second = project / "reviews" / "second-review"
    shutil.copytree(project / "reviews" / SLUG, second)
    review_yaml = second / "review.yaml"
    text = review_yaml.read_text(encoding="utf-8")
    review_yaml.write_text(text.replace("title: \"Virtualization security review:",
                                        "title: \"Second review:", 1), encoding="utf-8")
    mkdocs(project, "build", "--strict")
    site = project / "site"
    for slug in (SLUG, "second-review"):
        assert (site / slug / "findings" / "hv-01" / "index.html").is_file()
        assert (site / slug / "exports" / "findings.json").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Second review:" in home and f'href="{SLUG}/"' in home
    second_cover = (site / "second-review" / "index.html").read_text(encoding="utf-8")
    assert "Second review:" in second_cover
