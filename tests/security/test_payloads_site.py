"""XSS and template-injection payloads in every text field render inert, pages and exports.

The corpus is xss_payloads.txt (one payload per line, `\\n` for a line break). The hostile
review (hostile_review.py) spreads it over every text field of several findings and of
review.yaml; `mkdocs build --strict` must accept it, and every built page is parsed with
the stdlib HTML parser and compared with the same page built from plain text (the twin).

Known bug (xfail, strict): the review title and finding titles reach MkDocs as raw text
(the navigation, and the `title:` front matter of cover.md.j2 / finding.md.j2); MkDocs'
theme environment does not autoescape and Material prints `nav_item.title` and
`page.meta.title` as they are, so a `<script>` in a title runs on every page. The
"strict" build leaves those two fields plain and must be fully inert.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hostile_review import (
    FORMULA_START,
    KNOWN_RAW_FIELDS,
    SLUG,
    Placement,
    audit_page,
    audit_site,
    html_pages,
    load_payloads,
    parse_page,
    write_hostile,
)
from sitehelpers import copy_project, mkdocs

from reviewgen.cli import main

#: Fields shown as plain text (escaped, never Markdown): the payload must show literally.
PLAIN_FIELDS = {
    "finding.title", "finding.evidence", "cve.summary", "reference.id", "reference.note",
    "evidence.caption", "cvss.scored_scenario", "asset.name", "asset.role", "dominance.via",
    "review.title", "organisation.name", "reviewer.name", "reviewer.role", "classification",
    "state_or_phase.title", "entry_point.title", "framework.title", "framework.note",
    "observation.title",
}  # fmt: skip
#: Every field the brief names, each of which must hold several payloads.
REQUIRED_FIELDS = PLAIN_FIELDS | {
    "finding.description", "finding.impact", "finding.recommendation", "severity_rationale",
    "attack_step.note", "organisation.notice", "background", "objectives", "scope.in",
    "scope.out", "methodology", "observation.description",
}  # fmt: skip
TEMPLATES = [
    "{{ 7*7 }}",
    "{% raw %}{{ 7*191 }}{% endraw %}",
    "{{ config }}",
    "${7*191}",
    "#{7*191}",
    "<%= 7*191 %>",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
]
TITLE_BUG = (
    "reviewgen passes the review title (nav section) and finding titles (front-matter "
    "title) to MkDocs unescaped; Material prints nav_item.title / page.meta.title raw in "
    "the header, the navigation and <title>, so title payloads execute"
)


def normal(text: str) -> str:
    return " ".join(text.split())


def build(root: Path, mode: str) -> tuple[Path, Placement]:
    project = copy_project(root / mode)
    shutil.rmtree(project / "reviews")
    placement = write_hostile(project / "reviews" / SLUG, mode)
    mkdocs(project, "build", "--strict")
    return project, placement


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Placement]]:
    root = tmp_path_factory.mktemp("payloads")
    return {mode: build(root, mode) for mode in ("hostile", "strict", "twin")}


def test_corpus_has_at_least_60_distinct_detectable_payloads() -> None:
    payloads = load_payloads()
    assert len(payloads) >= 60
    assert len(set(payloads)) == len(payloads)
    executing = [p for p in payloads if "alert(" in p or "__xss" in p or "xss.invalid" in p]
    assert len(executing) >= 60
    # Each payload has its own alert number, so a dialog names the payload that ran.
    owners: dict[str, set[str]] = {}
    for payload in payloads:
        for number in set(re.findall(r"alert\((\d+)\)", payload)):
            owners.setdefault(number, set()).add(payload)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}


def test_the_auditor_flags_raw_payloads() -> None:
    """Without escaping, the HTML payloads would be caught: the audit is not vacuous."""
    empty = parse_page("")
    raw = [
        p
        for p in load_payloads()
        if p.startswith("<")
        and not p.startswith(("<!", "<https:"))  # comments, CDATA, a Markdown autolink
        and ("alert(" in p or "__xss" in p)
    ]
    # " >" closes the payloads that end inside a tag, as the next tag would in a page.
    missed = [p for p in raw if not audit_page(parse_page(p + " >"), empty)]
    assert missed == [], missed
    assert len(raw) >= 45


def test_every_payload_is_placed_and_every_field_gets_several(
    sites: dict[str, tuple[Path, Placement]],
) -> None:
    _, placement = sites["hostile"]
    assert placement.used == set(load_payloads())
    counts = {name: len(values) for name, values in placement.by_field.items()}
    assert set(counts) >= REQUIRED_FIELDS, REQUIRED_FIELDS - set(counts)
    assert {name: n for name, n in counts.items() if n < 2} == {}


def test_hostile_review_passes_check(
    sites: dict[str, tuple[Path, Placement]], capsys: pytest.CaptureFixture[str]
) -> None:
    project, _ = sites["hostile"]
    assert main(["check", str(project / "reviews" / SLUG)]) == 0, capsys.readouterr().err
    assert "ok (8 findings, 3 observations)" in capsys.readouterr().out


def test_pages_are_inert_apart_from_titles(sites: dict[str, tuple[Path, Placement]]) -> None:
    """Every field but the review and finding titles: nothing in any page can run."""
    problems = audit_site(sites["strict"][0] / "site", sites["twin"][0] / "site")
    assert problems == {}


def test_pages_are_inert_with_payload_titles(sites: dict[str, tuple[Path, Placement]]) -> None:
    problems = audit_site(sites["hostile"][0] / "site", sites["twin"][0] / "site")
    assert problems == {}


@pytest.mark.parametrize("mode", ["strict", "hostile"])
def test_plain_text_fields_show_the_payload_literally(
    sites: dict[str, tuple[Path, Placement]], mode: str
) -> None:
    project, placement = sites[mode]
    texts = [normal(page.text) for page in html_pages(project / "site").values()]
    missing = {
        (name, payload)
        for name, payloads in placement.by_field.items()
        if name in PLAIN_FIELDS and not (mode == "strict" and name in KNOWN_RAW_FIELDS)
        for payload in payloads
        if not any(normal(payload) in text for text in texts)
    }
    assert missing == set()


def test_template_and_theme_syntax_is_not_evaluated(
    sites: dict[str, tuple[Path, Placement]],
) -> None:
    project, placement = sites["strict"]
    site = project / "site"
    texts = [normal(page.text) for page in html_pages(site).values()]
    for payload in TEMPLATES:
        assert payload in placement.used
        assert any(payload in text for text in texts), f"{payload!r} not shown literally"
    for name in ('--8<-- "/etc/passwd"', ":material-alert:", "!!! danger", "{: onclick"):
        assert any(name in text for text in texts), name
    published = [
        p
        for p in site.rglob("*")
        if p.is_file() and "assets" not in p.relative_to(site).parts and p.suffix != ".gz"
    ]
    for path in published:
        content = path.read_text(encoding="utf-8")
        assert "1337" not in content, f"{path}: a template expression was evaluated"
        assert "root:x:0:0" not in content, f"{path}: a snippet include read /etc/passwd"
        assert "MkDocsConfig" not in content and "'docs_dir'" not in content, path
    for text in texts:
        assert not re.search(r"(?<![\w(.])49(?![\w).])", text), "{{ 7*7 }} became 49"
    html = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "admonition danger" not in html
    assert "twemoji" not in html


def test_exports_hold_the_payloads_as_data(sites: dict[str, tuple[Path, Placement]]) -> None:
    project, placement = sites["hostile"]
    exports = project / "site" / SLUG / "exports"
    raw = (exports / "findings.json").read_text(encoding="utf-8")
    records = {r["id"]: r for r in json.loads(raw)["findings"]}
    assert set(records) == set(placement.findings)
    for fid, fields in placement.findings.items():
        assert records[fid]["title"] == fields["title"]
        assert json.dumps(fields["title"]) in raw
    scenarios = {r["scored_scenario"] for r in records.values()} - {None}
    rationales = {r["severity_rationale"] for r in records.values()} - {None}
    assert scenarios == set(placement.by_field["cvss.scored_scenario"])
    assert rationales == set(placement.by_field["severity_rationale"])
    json.loads((exports / "comparison.json").read_text(encoding="utf-8"))

    rows = list(csv.reader(io.StringIO((exports / "findings.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    titles = {row[0]: row[header.index("title")] for row in body}
    formulas = 0
    for fid, fields in placement.findings.items():
        title = fields["title"]
        if title.startswith(FORMULA_START):
            formulas += 1
            assert titles[fid] == "'" + title
        else:
            assert titles[fid] == title
    assert formulas >= 4
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
