"""`reviewgen import`: scanner results as draft findings, on real sample files.

The inputs are excerpts of MITRE Heimdall2's sample files (tests/data/importers/NOTICE
says which, and what was cut). Expected draft counts are worked out by hand from the
excerpts (the comments say how) and cross-checked with a few lines of stdlib parsing
below, never with the importer itself.

Hostile files are imported in a child process whose CPU time and address space the kernel
bounds (RLIMIT_CPU, RLIMIT_AS); its CPU time and peak memory come from os.wait4. No test
asserts wall-clock time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from bounded import RSS_LIMIT, TIME_LIMIT, run_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewgen import importers
from reviewgen.cli import main
from reviewgen.yamlsource import read_yaml

DATA = Path(__file__).resolve().parent / "data" / "importers"
SCHEMAS = Path(__file__).resolve().parent.parent / "reviewgen" / "schemas"
NESSUS = DATA / "sample-excerpt.nessus"
XCCDF = DATA / "openscap-rhel8-excerpt.xml"
HDF_INSPEC = DATA / "inspec-rhel8-excerpt.json"
HDF_NESSUS = DATA / "nessus-hdf-10.0.0.1-excerpt.json"
INSPEC_HOST = "da39a3ee-5e6b-5b0d-b255-bfef95601890"
Capture = pytest.CaptureFixture[str]

# Counted by hand from the excerpts:
# - sample-excerpt.nessus: host 10.0.0.3 fails plugins 156888 (sev 2), 154345 (3) and
#   51192 (2); 10.0.0.1 fails 33850 (4), 104743 (2), 57582 (2), 51192 (2), 153953 (1) and
#   10663 (1); 10.0.0.2 has only severity-0 items. Distinct failed plugins: 8, with 51192
#   on both hosts. Severity-0 items: 2 per host, 6 in all.
# - openscap-rhel8-excerpt.xml: eight rule-results on target "localhost": fail for
#   SV-230223, SV-230233, SV-230265, SV-230269 (4), pass for SV-230221, SV-230231 (2),
#   error for SV-230232, SV-230244 (2).
# - inspec-rhel8-excerpt.json: four controls; SV-230222 failed (1), SV-230221 passed,
#   SV-230223 has impact 0 (not applicable), SV-230328 was skipped.
# - nessus-hdf-10.0.0.1-excerpt.json: six controls with impact above 0, all failed (the
#   same six plugins as host 10.0.0.1 above), and two with impact 0.
CASES = {
    "nessus": ("nessus", NESSUS, ["10.0.0.1=web", "10.0.0.3=db"], 8),
    "xccdf": ("xccdf", XCCDF, ["localhost=ldap"], 4),
    "hdf-inspec": ("hdf", HDF_INSPEC, [f"{INSPEC_HOST}=ldap"], 1),
    "hdf-nessus": ("hdf", HDF_NESSUS, ["10.0.0.1=web"], 6),
}


# ----- independent readings of the excerpts (stdlib only) ------------------------------


def nessus_failed(path: Path) -> dict[str, set[str]]:
    """Plugin id -> hosts, for every ReportItem of severity 1 or more."""
    found: dict[str, set[str]] = {}
    for host in ET.parse(path).getroot().iter("ReportHost"):
        for item in host.iter("ReportItem"):
            if item.get("severity") != "0":
                found.setdefault(item.get("pluginID", ""), set()).add(host.get("name", ""))
    return found


def xccdf_results(path: Path) -> tuple[Counter[str], set[str]]:
    """Counts of each result, and the rule ids that failed."""
    namespace = "{http://checklists.nist.gov/xccdf/1.2}"
    counts: Counter[str] = Counter()
    failed = set()
    for result in ET.parse(path).getroot().iter(namespace + "rule-result"):
        outcome = result.findtext(namespace + "result", "")
        counts[outcome] += 1
        if outcome == "fail":
            failed.add(result.get("idref", ""))
    return counts, failed


def hdf_failed(path: Path) -> set[str]:
    """Control ids with impact above 0 and at least one failed result."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        control["id"]
        for profile in data["profiles"]
        for control in profile["controls"]
        if control["impact"] > 0 and any(r["status"] == "failed" for r in control["results"])
    }


def independent(case: str) -> set[str]:
    if case == "nessus":
        return set(nessus_failed(NESSUS))
    if case == "xccdf":
        return xccdf_results(XCCDF)[1]
    return hdf_failed(HDF_INSPEC if case == "hdf-inspec" else HDF_NESSUS)


# ----- helpers -------------------------------------------------------------------------


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return status, captured.out, captured.err


def do_import(capsys: Capture, review: Path, case: str, *extra: str) -> str:
    tool, path, maps, _ = CASES[case]
    argv = ["import", tool, str(path), str(review)]
    for entry in maps:
        argv += ["--map", entry]
    status, out, err = run(capsys, *argv, *extra)
    assert (status, err) == (0, ""), err
    return out


def drafts(review: Path) -> dict[str, Any]:
    """Draft files by name, as plain YAML data."""
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((review / "findings").glob("draft-*.yaml"))
    }


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def add_frameworks(review: Path, out: str) -> None:
    """Add the `frameworks:` entries the import printed, as the reviewer is told to."""
    entries = [line.strip() for line in out.splitlines() if line.startswith("    - {id: ")]
    text = (review / "review.yaml").read_text(encoding="utf-8")
    assert text.count("\nframeworks:\n") == 1
    lines = "".join(f"  {entry}\n" for entry in entries)
    (review / "review.yaml").write_text(
        text.replace("\nframeworks:\n", "\nframeworks:\n" + lines), encoding="utf-8"
    )


# ----- the samples ---------------------------------------------------------------------


def test_the_hand_counts_match_the_excerpts() -> None:
    for case, (*_, expected) in CASES.items():
        assert len(independent(case)) == expected, case
    assert nessus_failed(NESSUS)["51192"] == {"10.0.0.1", "10.0.0.3"}
    counts, _ = xccdf_results(XCCDF)
    assert counts == Counter({"fail": 4, "pass": 2, "error": 2})


@pytest.mark.parametrize("case", sorted(CASES))
def test_import_gives_one_draft_per_failed_rule_and_check_passes(
    case: str, example_copy: Path, capsys: Capture
) -> None:
    tool, _, _, expected = CASES[case]
    before = snapshot(example_copy)
    out = do_import(capsys, example_copy, case)
    made = drafts(example_copy)

    assert len(made) == expected
    assert f": {expected} draft{'s' if expected != 1 else ''} imported" in out.splitlines()[0]
    assert {d["source"]["rule"] for d in made.values()} == independent(case)
    schema = json.loads((SCHEMAS / "finding.schema.json").read_text(encoding="utf-8"))
    for data in made.values():
        assert data["draft"] is True
        assert data["source"]["tool"] == tool
        jsonschema.validate(data, schema)
    # Nothing else changed; no temporary file is left behind.
    after = snapshot(example_copy)
    assert {k: v for k, v in after.items() if not k.startswith("findings/draft-")} == before

    add_frameworks(example_copy, out)
    status, printed, err = run(capsys, "check", str(example_copy))
    assert (status, err) == (0, ""), err
    noun = "draft" if expected == 1 else "drafts"
    assert printed.strip().endswith(
        f": ok (26 findings, 3 observations; {expected} {noun} to triage)"
    ), printed


def test_nessus_drafts_keep_the_scanners_vectors_and_cves(
    example_copy: Path, capsys: Capture
) -> None:
    do_import(capsys, example_copy, "nessus")
    made = drafts(example_copy)
    shared = made["draft-nessus-51192.yaml"]
    assert shared["affected"] == {"pre": [], "post": ["web", "db"]}
    # As written in the excerpt's ReportItem for plugin 51192 (CVSS2# prefix dropped).
    assert shared["cvss"]["v3_0"]["vector"] == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"
    assert shared["cvss"]["v2"]["vector"] == "AV:N/AC:L/Au:N/C:P/I:P/A:N"
    assert "10.0.0.1 (asset web)" in shared["evidence"]
    java = made["draft-nessus-156888.yaml"]
    cves = {c["id"] for c in java["cves"]}
    tree = ET.parse(NESSUS).getroot()
    written = {
        c.text
        for item in tree.iter("ReportItem")
        if item.get("pluginID") == "156888"
        for c in item.iter("cve")
    }
    assert cves == written and len(cves) == 17


def test_xccdf_and_hdf_tags_become_references(example_copy: Path, capsys: Capture) -> None:
    do_import(capsys, example_copy, "xccdf")
    do_import(capsys, example_copy, "hdf-inspec")
    made = drafts(example_copy)
    fips = next(d for d in made.values() if "SV-230223" in d["source"]["rule"])
    # The benchmark's Rule: <version>RHEL-08-010020</version>, <ident>CCI-000068</ident>,
    # inside Group V-230223; severity="high" and no CVSS, so a qualitative severity.
    assert fips["references"] == [
        {"framework": "cci", "id": "CCI-000068"},
        {"framework": "disa-stig", "id": "RHEL-08-010020", "vuln_id": "V-230223"},
    ]
    assert (fips["cvss"], fips["severity"]) == (None, "high")
    patches = made["draft-hdf-SV-230222.yaml"]
    # The control's tags: nist ["CM-6 b"], cci ["CCI-000366"], stig_id RHEL-08-010010,
    # gid V-230222, severity medium.
    assert patches["references"] == [
        {"framework": "nist-800-53", "id": "CM-6 b"},
        {"framework": "cci", "id": "CCI-000366"},
        {"framework": "disa-stig", "id": "RHEL-08-010010", "vuln_id": "V-230222"},
    ]
    assert patches["severity"] == "medium"


def test_the_summary_counts_what_was_not_imported(example_copy: Path, capsys: Capture) -> None:
    out = do_import(capsys, example_copy, "xccdf")
    assert "not imported: 2 rule results 'pass'" in out
    assert "not imported, check by hand: 2 rule results 'error'" in out
    out = do_import(capsys, example_copy, "nessus")
    assert "not imported: 6 informational results (severity 0)" in out
    out = do_import(capsys, example_copy, "hdf-nessus")
    assert "not imported: 2 controls not applicable (impact 0)" in out


def test_the_framework_entries_are_named(example_copy: Path, capsys: Capture) -> None:
    out = do_import(capsys, example_copy, "hdf-inspec")
    named = re.findall(r"^    - \{id: ([a-z0-9-]+),", out, re.M)
    assert named == ["nist-800-53", "cci", "disa-stig"]
    status, _, err = run(capsys, "check", str(example_copy))
    assert status == 1 and "unknown framework 'cci'" in err
    do_import(capsys, example_copy, "hdf-inspec", "--stig-framework", "disa-stig-vsphere-8")


# ----- drafts stay out of figures and the site -----------------------------------------


def test_drafts_are_left_out_of_figures_and_site(
    example_copy: Path, example_dir: Path, capsys: Capture, tmp_path: Path
) -> None:
    status, pristine, _ = run(capsys, "compare", str(example_dir), "--format", "json")
    assert status == 0
    out = do_import(capsys, example_copy, "nessus")
    add_frameworks(example_copy, out)
    status, with_drafts, _ = run(capsys, "compare", str(example_copy), "--format", "json")
    assert status == 0
    slug = example_dir.name
    assert json.loads(with_drafts) == json.loads(pristine.replace(slug, example_copy.name))

    site = tmp_path / "site"
    status, _, err = run(capsys, "render", str(example_copy), "--out", str(site))
    assert status == 0, err
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()
    )
    for data in drafts(example_copy).values():
        assert str(data["id"]) not in text
    assert "SSL Certificate Cannot Be Trusted" not in text

    # Triage one: delete `draft: true`; it counts from then on.
    triaged = example_copy / "findings" / "draft-nessus-33850.yaml"
    triaged.write_text(
        triaged.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8"
    )
    status, printed, _ = run(capsys, "check", str(example_copy))
    assert "(27 findings, 3 observations; 7 drafts to triage)" in printed
    status, after, _ = run(capsys, "compare", str(example_copy), "--format", "json")
    current = json.loads(after)["states"]["post"]["severity_counts"]["findings"]
    assert current == json.loads(pristine)["states"]["post"]["severity_counts"]["findings"] + 1


def test_a_finding_cannot_require_a_draft(example_copy: Path, capsys: Capture) -> None:
    out = do_import(capsys, example_copy, "hdf-inspec")
    add_frameworks(example_copy, out)
    path = example_copy / "findings" / "HV-01.yaml"
    text = path.read_text(encoding="utf-8")
    step = '  - id: S3\n    states: [post]\n    requires: "control:group:services"\n'
    assert text.count(step) == 1 and "also_requires" not in text
    path.write_text(text.replace(step, step + "    also_requires: [HDF-1]\n"), encoding="utf-8")
    status, _, err = run(capsys, "check", str(example_copy))
    assert status == 1
    assert "finding 'HDF-1' is a draft: triage it" in err


# ----- re-importing --------------------------------------------------------------------


def test_reimport_makes_no_duplicates_and_keeps_triaged_findings(
    example_copy: Path, capsys: Capture
) -> None:
    do_import(capsys, example_copy, "nessus")
    first = snapshot(example_copy)
    out = do_import(capsys, example_copy, "nessus")
    assert ": 0 drafts imported" in out and "8 already in the review" in out
    assert snapshot(example_copy) == first

    # The reviewer triages two: edits one in place, renames and renumbers the other.
    findings = example_copy / "findings"
    edited = findings / "draft-nessus-104743.yaml"
    edited.write_text(
        edited.read_text(encoding="utf-8")
        .replace("draft: true\n", "")
        .replace("title: TLS Version 1.0 Protocol Detection", "title: TLS 1.0 on the web server"),
        encoding="utf-8",
    )
    moved = findings / "draft-nessus-57582.yaml"
    renamed = findings / "GU-09.yaml"
    text = moved.read_text(encoding="utf-8").replace("draft: true\n", "")
    renamed.write_text(re.sub(r"(?m)^id: NESSUS-\d+$", "id: GU-09", text), encoding="utf-8")
    moved.unlink()
    before = snapshot(example_copy)
    out = do_import(capsys, example_copy, "nessus")
    assert ": 0 drafts imported" in out
    assert snapshot(example_copy) == before
    for other in ("hdf-nessus", "xccdf"):
        do_import(capsys, example_copy, other)
    assert snapshot(example_copy).items() >= before.items()


def test_unmapped_hosts_are_listed_with_the_map_to_add(example_copy: Path, capsys: Capture) -> None:
    status, out, err = run(
        capsys, "import", "nessus", str(NESSUS), str(example_copy), "--map", "10.0.0.1=web"
    )
    assert (status, err) == (0, "")
    # 10.0.0.1 fails 6 plugins; 10.0.0.3 fails 3, of which 156888 and 154345 nowhere else.
    assert ": 6 drafts imported" in out
    assert "2 failed only on unmapped hosts" in out
    assert "    --map 10.0.0.3=ASSET   (3 failed rules)" in out
    assert "10.0.0.2" not in out  # it failed nothing
    assert len(drafts(example_copy)) == 6

    status, out, err = run(
        capsys, "import", "nessus", str(NESSUS), str(example_copy),
        "--map", "10.0.0.1=web", "--map", "10.0.0.3=db",
    )  # fmt: skip
    assert ": 2 drafts imported" in out and "6 already in the review" in out
    assert re.search(
        r"note: NESSUS-\d+ \(findings/draft-nessus-51192.yaml\) also failed on db", out
    )
    assert len(drafts(example_copy)) == 8


def test_an_asset_named_like_the_host_is_suggested(example_copy: Path, capsys: Capture) -> None:
    data = json.loads(HDF_INSPEC.read_text(encoding="utf-8"))
    data["platform"]["target_id"] = "ldap.northwind.example"
    renamed = example_copy.parent / "ldap.json"
    renamed.write_text(json.dumps(data), encoding="utf-8")
    status, out, _ = run(capsys, "import", "hdf", str(renamed), str(example_copy))
    assert status == 0
    assert "--map ldap.northwind.example=ldap   (1 failed rule)" in out


def test_state_and_category_can_be_chosen(example_copy: Path, capsys: Capture) -> None:
    out = do_import(capsys, example_copy, "hdf-inspec", "--state", "pre", "--category", "guest")
    add_frameworks(example_copy, out)
    (data,) = drafts(example_copy).values()
    assert data["affected"] == {"pre": ["ldap"], "post": []}
    assert (data["delta"], data["category"]) == ("removed", "guest")
    status, _, err = run(capsys, "check", str(example_copy))
    assert status == 0, err


def test_a_vector_the_library_rejects_is_dropped_with_a_note(
    example_copy: Path, capsys: Capture
) -> None:
    text = NESSUS.read_text(encoding="utf-8")
    good = "<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H</cvss3_vector>"
    assert text.count(good) == 1  # plugin 33850 only
    broken = example_copy.parent / "broken.nessus"
    broken.write_text(text.replace(good, good.replace("AV:N", "AV:Q")), encoding="utf-8")
    status, out, err = run(
        capsys, "import", "nessus", str(broken), str(example_copy), "--map", "10.0.0.1=web"
    )
    assert (status, err) == (0, "")
    assert re.search(r"note: 33850: the scanner's vector 'CVSS:3.0/AV:Q.*' was dropped", out)
    cvss = drafts(example_copy)["draft-nessus-33850.yaml"]["cvss"]
    assert set(cvss) == {"v2", "scored_scenario"}


def test_nessus_compliance_results(example_copy: Path, capsys: Capture) -> None:
    # Synthetic, in the shape of a Nessus compliance audit: one plugin id for every check,
    # so each check is its own rule; PASSED is skipped, WARNING counted.
    items = []
    for check, result in (("A1", "FAILED"), ("A2", "PASSED"), ("A3", "WARNING")):
        items.append(
            f'<ReportItem port="0" svc_name="general" protocol="tcp" severity="3" '
            f'pluginID="21157" pluginName="Unix Compliance Checks" pluginFamily="Policy">'
            f"<compliance>true</compliance>"
            f"<cm:compliance-check-name>Check {check}</cm:compliance-check-name>"
            f"<cm:compliance-check-id>{check}</cm:compliance-check-id>"
            f"<cm:compliance-result>{result}</cm:compliance-result>"
            f"<cm:compliance-info>Why {check} matters.</cm:compliance-info>"
            f"<cm:compliance-solution>Fix {check}.</cm:compliance-solution>"
            f"<cm:compliance-actual-value>value {check}</cm:compliance-actual-value>"
            "<cm:compliance-reference>800-53|CM-6,CCI|CCI-000366,STIG-ID|ESXI-80-000223,"
            "Vuln-ID|V-258778</cm:compliance-reference></ReportItem>"
        )
    scan = example_copy.parent / "audit.nessus"
    scan.write_text(
        '<?xml version="1.0"?>\n<NessusClientData_v2><Report name="audit" '
        'xmlns:cm="http://www.nessus.org/cm"><ReportHost name="esx01.corp">'
        + "".join(items)
        + "</ReportHost></Report></NessusClientData_v2>\n",
        encoding="utf-8",
    )
    status, out, _ = run(
        capsys, "import", "nessus", str(scan), str(example_copy), "--map", "esx01.corp=esx01",
        "--stig-framework", "disa-stig-vsphere-8",
    )  # fmt: skip
    assert status == 0
    assert "not imported: 1 passed compliance checks" in out
    assert "check by hand: 1 compliance checks WARNING" in out
    (data,) = drafts(example_copy).values()
    assert data["source"] == {"tool": "nessus", "rule": "21157:A1"}
    assert data["title"] == "Check A1"
    assert data["references"] == [
        {"framework": "nist-800-53", "id": "CM-6"},
        {"framework": "cci", "id": "CCI-000366"},
        {"framework": "disa-stig-vsphere-8", "id": "ESXI-80-000223", "vuln_id": "V-258778"},
    ]


@settings(max_examples=300)
@given(st.text(max_size=200), st.text(max_size=400))
def test_any_scanner_text_makes_a_draft_that_reads_back(title: str, body: str) -> None:
    """Control characters, line separators, tabs, quotes, YAML syntax: nothing breaks it."""
    scan = importers.Scan("nessus", "fuzz.nessus")
    data = {
        "id": "NESSUS-1",
        "draft": True,
        "source": {"tool": "nessus", "rule": importers._one_line(title) or "r"},
        "title": importers._one_line(title) or "t",
        "category": "guest",
        "delta": "new",
        "affected": {"post": []},
        "cvss": None,
        "severity": "low",
        "severity_rationale": "r",
        "description": importers._prose(body) or "d",
        "evidence": importers._clean(body) or "e",
        "recommendation": importers._prose(title) or "r",
    }
    with tempfile.TemporaryDirectory() as folder:
        assert importers._write_new(Path(folder), "draft.yaml", importers._yaml(data, scan))
        assert read_yaml(Path(folder) / "draft.yaml").data == data
        assert sorted(os.listdir(folder)) == ["draft.yaml"]


# ----- refusals ------------------------------------------------------------------------


def test_bad_arguments_and_files_are_refused_without_writing(
    example_copy: Path, capsys: Capture, tmp_path: Path
) -> None:
    before = snapshot(example_copy)
    status, _, err = run(capsys, "import", "nessus", str(NESSUS), str(example_copy),
                         "--map", "10.0.0.1=wbe")  # fmt: skip
    assert status == 2
    assert (
        err
        == "reviewgen: --map 10.0.0.1=wbe: no asset 'wbe' in state 'post'; did you mean 'web'?\n"
    )
    status, _, err = run(capsys, "import", "nessus", str(NESSUS), str(example_copy),
                         "--map", "10.0.0.1")  # fmt: skip
    assert (status, err.split(":")[0]) == (2, "reviewgen")
    status, _, err = run(capsys, "import", "nessus", str(XCCDF), str(example_copy))
    assert status == 1
    assert re.match(r"^\S+openscap-rhel8-excerpt\.xml:2:\d+: not a Nessus v2 file", err)
    bad = tmp_path / "bad.nessus"
    bad.write_text('<?xml version="1.0"?>\n<NessusClientData_v2>\n  <Report></Rport>\n')
    status, _, err = run(capsys, "import", "nessus", str(bad), str(example_copy))
    assert status == 1 and re.match(r"^\S+bad\.nessus:3:\d+: not well-formed XML", err)
    broken = tmp_path / "bad.json"
    broken.write_text('{"profiles": [\n  {"controls": [}\n]}\n')
    status, _, err = run(capsys, "import", "hdf", str(broken), str(example_copy))
    assert status == 1 and re.match(r"^\S+bad\.json:2:\d+: not valid JSON", err)
    data = json.loads(HDF_INSPEC.read_text(encoding="utf-8"))
    del data["platform"]["target_id"]
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps(data))
    status, _, err = run(capsys, "import", "hdf", str(nameless), str(example_copy))
    assert status == 1 and "names no host: platform.target_id is missing" in err
    status, _, err = run(capsys, "import", "xccdf", str(tmp_path / "missing.xml"),
                         str(example_copy))  # fmt: skip
    assert status == 1 and err.startswith("reviewgen: ") and "cannot read file" in err
    assert snapshot(example_copy) == before


def test_a_findings_folder_leading_outside_is_refused(
    example_copy: Path, capsys: Capture, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.move(example_copy / "findings", outside / "findings")
    (example_copy / "findings").symlink_to(outside / "findings")
    before = snapshot(outside)
    status, _, err = run(
        capsys, "import", "hdf", str(HDF_INSPEC), str(example_copy), "--map", f"{INSPEC_HOST}=ldap"
    )
    assert status == 2 and "leads outside the review folder" in err
    assert snapshot(outside) == before


# ----- hostile input, in a bounded child process ---------------------------------------


def billion_laughs() -> bytes:
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", ' <!ENTITY lol "lol">']
    previous = "lol"
    for level in range(1, 10):
        lines.append(f' <!ENTITY lol{level} "{f"&{previous};" * 10}">')
        previous = f"lol{level}"
    lines += ["]>", f'<NessusClientData_v2><Report name="r"><ReportHost name="h">'
              f"&{previous};</ReportHost></Report></NessusClientData_v2>"]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def external_entity() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        b'<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2"><TestResult>'
        b"<target>&xxe;</target></TestResult></Benchmark>\n"
    )


def deep_nesting() -> bytes:
    return (
        b"<NessusClientData_v2>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</NessusClientData_v2>"
    )


HOSTILE = {
    "billion-laughs": ("nessus", billion_laughs, r":3:\d+: entity declaration 'lol' refused"),
    "external-entity": (
        "xccdf",
        external_entity,
        r":3:\d+: external entity 'xxe' \(file:///etc/passwd\) refused",
    ),
    "deep-nesting": ("nessus", deep_nesting, r":1:\d+: elements nested deeper than 64 levels"),
    "deep-json": ("hdf", lambda: b"[" * 200_000 + b"]" * 200_000, r": JSON nested too deeply"),
}


def bounded_import(cwd: Path, *argv: str) -> tuple[int, str, float, int]:
    """`reviewgen import` in a child: exit status, stderr, CPU seconds, peak RSS bytes."""
    run = run_bounded(cwd, "import", *argv)
    return run.status, run.stderr, run.seconds, run.peak_rss


def assert_refused(example_copy: Path, tmp_path: Path, tool: str, path: Path, message: str) -> None:
    before = snapshot(example_copy)
    status, err, seconds, peak = bounded_import(
        tmp_path, tool, str(path), str(example_copy), "--map", "h=web"
    )
    assert status == 1, err[-2000:]
    assert "Traceback" not in err
    assert re.search(message, err), err[-2000:]
    assert len(err) < 2000, "a message repeats the hostile input"
    assert seconds < TIME_LIMIT, f"took {seconds:.2f} s of CPU"
    assert peak < RSS_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    assert snapshot(example_copy) == before


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_within_bounds(
    case: str, example_copy: Path, tmp_path: Path
) -> None:
    tool, make, message = HOSTILE[case]
    path = tmp_path / f"{case}.{'json' if tool == 'hdf' else 'xml'}"
    path.write_bytes(make())
    assert_refused(example_copy, tmp_path, tool, path, re.escape(path.name) + message)


@pytest.mark.parametrize("tool", ["nessus", "xccdf", "hdf"])
def test_a_hundred_megabyte_file_is_refused_before_reading(
    tool: str, example_copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "huge.scan"
    with path.open("wb") as stream:
        stream.truncate(100 * 1024 * 1024)  # sparse: 100 MB long, no disk used
    assert_refused(
        example_copy,
        tmp_path,
        tool,
        path,
        r"^reviewgen: \S*huge\.scan: the file is 100 MB, more than the 50 MB reviewgen imports",
    )
