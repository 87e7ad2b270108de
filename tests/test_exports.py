"""findings.json and findings.csv: the exports that drive work, on the example review."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.structure.files import File

from reviewgen.compare import compare
from reviewgen.exports import CSV_COLUMNS, CVSS_PARTS, exports, findings_csv
from reviewgen.load import load_review
from reviewgen.plan import Plan, plan
from reviewgen.registry import VERSION_ORDER
from reviewgen.render import finding_path
from reviewgen.review import Review

SLUG = "northwind-consolidation"
#: The keys findings.json had before it carried the order of work; scripts read them.
EARLIER_KEYS = {
    "id",
    "title",
    "category",
    "threats",
    "delta",
    "status",
    "severity",
    "cvss",
    "scored_scenario",
    "severity_rationale",
    "requirements_derived",
    "cves",
    "known_exploited",
    "affected",
    "roadmap",
    "effort",
}
FULL_HEADER = list(CSV_COLUMNS) + [f"cvss_{v}_{p}" for v in VERSION_ORDER for p in CVSS_PARTS]


@dataclasses.dataclass(frozen=True)
class Exported:
    review: Review
    order: Plan
    files: dict[str, bytes]

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        data = json.loads(self.files["exports/findings.json"])
        return {r["id"]: r for r in data["findings"]}

    @property
    def csv_text(self) -> str:
        return self.files["exports/findings.csv"].decode("utf-8")

    @property
    def header(self) -> list[str]:
        return next(csv.reader(io.StringIO(self.csv_text)))

    @property
    def rows(self) -> dict[str, dict[str, str]]:
        return {row["id"]: row for row in csv.DictReader(io.StringIO(self.csv_text))}


def export(root: Path, site_url: str | None = None) -> Exported:
    review = load_review(root)
    figures = compare(review)
    return Exported(review, plan(review, figures), exports(review, figures, site_url))


def edit_finding(root: Path, finding_id: str, **changes: Any) -> None:
    """Change top-level keys of a finding file (a value of None removes the key)."""
    path = root / "findings" / f"{finding_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def example(example_dir: Path) -> Exported:
    return export(example_dir)


def test_hv01_carries_its_step_of_the_order_of_work(example: Exported) -> None:
    step = example.order.step_of("HV-01")
    assert step is not None and step.due is not None and step.owner is not None
    finding = example.review.finding_by_id["HV-01"].finding
    assert finding.due is None  # the due date is the step's (brought forward), not the file's
    record, row = example.records["HV-01"], example.rows["HV-01"]

    assert record["roadmap_step"] == step.number
    assert row["roadmap_step"] == str(step.number)
    assert record["due"] == row["due"] == step.due.isoformat()
    assert record["owner"] == row["owner"] == step.owner
    assert record["affected_current"] == ["esx01", "esx02"]
    assert row["affected_assets"] == "esx01 esx02"
    assert record["affected"] == {
        "pre": [],
        "post": ["esx01", "esx02"],
        "redesign": ["esx01", "esx02"],
    }
    assert record["recommendation"] == row["recommendation"] == finding.recommendation
    assert record["verify"] == row["verify"] == finding.verify
    assert record["verify"].startswith("`Get-VMHost")
    assert finding.fix.target is not None
    assert record["fix_target"] == finding.fix.target
    assert record["interim_mitigation"] is None
    assert record["done_when"] is None
    assert record["effort_days"] == 1
    assert record["depends_on"] == ["MP-01"]
    assert record["acceptance"] is None
    assert record["url"] == row["url"] == f"{SLUG}/findings/hv-01/"


def test_every_open_finding_has_the_step_the_roadmap_shows(example: Exported) -> None:
    for finding_id, record in example.records.items():
        step = example.order.step_of(finding_id)
        if step is None:
            assert record["roadmap_step"] is None
            continue
        assert record["roadmap_step"] == step.number
        assert record["owner"] == step.owner
        assert record["due"] == (step.due.isoformat() if step.due else None)
        assert record["interim_mitigation"] == (
            example.review.finding_by_id[finding_id].finding.fix.interim
        )
    numbers = [r["roadmap_step"] for r in example.records.values() if r["roadmap_step"]]
    assert len(numbers) == len(set(numbers))


def test_an_accepted_risk_has_its_acceptance_and_no_step(example: Exported) -> None:
    accepted = example.review.finding_by_id["HV-02"].finding
    assert accepted.status == "risk-accepted" and accepted.acceptance is not None
    record = example.records["HV-02"]
    assert record["roadmap_step"] is None
    assert record["acceptance"] == {
        "accepted_by": accepted.acceptance.accepted_by,
        "until": accepted.acceptance.until.isoformat(),
        "reason": accepted.acceptance.reason,
    }
    assert example.rows["HV-02"]["roadmap_step"] == ""


def test_json_keeps_its_earlier_keys(example: Exported) -> None:
    for record in example.records.values():
        assert set(record) >= EARLIER_KEYS


def test_owner_is_inherited_from_the_phase(example_copy: Path) -> None:
    edit_finding(example_copy, "GU-01", owner=None)
    exported = export(example_copy)
    step = exported.order.step_of("GU-01")
    assert step is not None and step.owner == "Infrastructure team lead"
    assert exported.records["GU-01"]["owner"] == step.owner
    assert exported.rows["GU-01"]["owner"] == step.owner


def test_csv_parses_back_one_row_per_finding(example: Exported) -> None:
    rows = list(csv.DictReader(io.StringIO(example.csv_text)))
    assert len(rows) == len(example.review.findings)
    assert [r["id"] for r in rows] == [f.id for f in example.review.findings]


def test_no_csv_column_is_empty_in_every_row(example: Exported) -> None:
    rows = list(example.rows.values())
    for column in example.header:
        assert any(row[column] for row in rows), column
    assert set(CSV_COLUMNS) <= set(example.header)  # the example fills every column


def test_columns_keep_their_order(example: Exported) -> None:
    header = example.header
    assert header == [c for c in FULL_HEADER if c in header]


def test_no_v2_vectors_means_no_v2_columns(example: Exported) -> None:
    assert not any(f.score("2.0") for f in example.review.findings)
    assert not [c for c in example.header if c.startswith("cvss_2.0_")]
    assert "cvss_3.1_vector" in example.header


def test_one_v2_vector_brings_the_v2_columns(example_copy: Path) -> None:
    data = yaml.safe_load((example_copy / "findings" / "HV-01.yaml").read_text("utf-8"))
    edit_finding(
        example_copy, "HV-01", cvss={**data["cvss"], "v2": {"vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}
    )
    exported = export(example_copy)
    header = exported.header
    assert [c for c in header if c.startswith("cvss_2.0_")] == [f"cvss_2.0_{p}" for p in CVSS_PARTS]
    assert header == [c for c in FULL_HEADER if c in header]
    assert exported.rows["HV-01"]["cvss_2.0_score"] == "7.5"
    assert exported.rows["GU-01"]["cvss_2.0_vector"] == ""


def test_formula_cells_are_neutralised_and_multiline_text_survives(example_copy: Path) -> None:
    recommendation = 'First line.\n\n- a list item\n- another, with "quotes", and commas\n'
    edit_finding(example_copy, "GU-01", title='=HYPERLINK("http://x")', verify="@SUM(A1)")
    edit_finding(example_copy, "GU-02", recommendation=recommendation)
    exported = export(example_copy)
    row, record = exported.rows["GU-01"], exported.records["GU-01"]
    assert row["title"] == '\'=HYPERLINK("http://x")'
    assert row["verify"] == "'@SUM(A1)"
    assert record["title"] == '=HYPERLINK("http://x")'  # the JSON holds the text as written
    assert record["verify"] == "@SUM(A1)"
    assert exported.rows["GU-02"]["recommendation"] == recommendation
    assert len(exported.rows) == len(exported.review.findings)


def test_an_empty_column_is_dropped(example_copy: Path) -> None:
    for path in (example_copy / "findings").glob("*.yaml"):
        edit_finding(example_copy, path.stem, verify=None)
    exported = export(example_copy)
    assert "verify" not in exported.header
    assert all(record["verify"] is None for record in exported.records.values())


def test_no_findings_still_gives_a_header(example: Exported) -> None:
    empty = dataclasses.replace(example.review, findings=())
    text = findings_csv(empty, example.order).decode()
    assert text == ",".join(CSV_COLUMNS[:6]) + "\n"


def test_url_is_the_page_mkdocs_publishes(example: Exported, tmp_path: Path) -> None:
    page = File(f"{SLUG}/{finding_path('HV-01')}", str(tmp_path), str(tmp_path), True)
    assert example.records["HV-01"]["url"] == page.url


@pytest.mark.parametrize(
    "site_url", ["https://owner.github.io/repo/", "https://owner.github.io/repo"]
)
def test_url_is_absolute_under_a_site_url(example_dir: Path, site_url: str) -> None:
    exported = export(example_dir, site_url)
    expected = f"https://owner.github.io/repo/{SLUG}/findings/hv-01/"
    assert exported.records["HV-01"]["url"] == expected
    assert exported.rows["HV-01"]["url"] == expected


def test_the_site_build_passes_its_address_to_the_exports(example_dir: Path) -> None:
    from reviewgen.build import build_site

    site = build_site([example_dir], site_url="https://owner.github.io/repo/")
    records = json.loads(site.files["northwind-consolidation/exports/findings.json"])["findings"]
    hv01 = next(r for r in records if r["id"] == "HV-01")
    assert hv01["url"] == "https://owner.github.io/repo/northwind-consolidation/findings/hv-01/"
