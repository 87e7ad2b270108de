"""The command line, through `reviewgen.cli.main(argv)`."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewgen.cli import main
from reviewgen.schema import schema_text

SCHEMAS = Path(__file__).resolve().parent.parent / "reviewgen" / "schemas"
DATA = Path(__file__).resolve().parent / "data"
Capture = pytest.CaptureFixture[str]

# Expected values never come from reviewgen itself: CVSS scores are the ones FIRST
# publishes (tests/data/first_examples.yaml cites each source), the comparison figures
# are the hand-worked oracle of the example (tests/data/northwind_oracle.yaml).

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V30 = "CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A"
V40_BASE = "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
V40_ENV = (
    "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N"
    "/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L"
)
V2 = "AV:N/AC:L/Au:N/C:P/I:N/A:N"

# What `reviewgen cvss` must print for each vector, written out in full. Labels follow
# reviewgen's documented naming: "CVSS v<version> Base" for v2/v3, FIRST's CVSS-B/-BT/-BE
# nomenclature for v4 (no separate base score there).
EXPECTED: dict[str, dict[str, Any]] = {
    # FIRST CVSS v3.1 Examples, example 10, GNU Bash Shellshock (CVE-2014-6271): 9.8.
    V31: {"vector": V31, "version": "3.1", "score": 9.8, "severity": "Critical",
          "label": "CVSS v3.1 Base", "base_score": 9.8, "base_severity": "Critical"},
    # FIRST CVSS v4.0 Examples, CVE-2023-28728, comparison vector printed as CVSS:3.0: 7.8.
    V30: {"vector": V30, "version": "3.0", "score": 7.8, "severity": "High",
          "label": "CVSS v3.0 Base", "base_score": 7.8, "base_severity": "High"},
    # FIRST CVSS v4.0 Examples, log4shell (CVE-2021-44228), Base + Threat: 9.3.
    V40: {"vector": V40, "version": "4.0", "score": 9.3, "severity": "Critical",
          "label": "CVSS-BT", "nomenclature": "CVSS-BT"},
    # FIRST CVSS v4.0 Examples, CVE-2022-41741, Base: 7.3.
    V40_BASE: {"vector": V40_BASE, "version": "4.0", "score": 7.3, "severity": "High",
               "label": "CVSS-B", "nomenclature": "CVSS-B"},
    # FIRST CVSS v4.0 Examples, CVE-2023-3089, Base + Environmental: 8.1.
    V40_ENV: {"vector": V40_ENV, "version": "4.0", "score": 8.1, "severity": "High",
              "label": "CVSS-BE", "nomenclature": "CVSS-BE"},
    # FIRST CVSS v3.1 Examples, example 9, Heartbleed (CVE-2014-0160), v2.0 table: 5.0
    # (NVD v2 bands: Medium is 4.0-6.9).
    V2: {"vector": V2, "version": "2.0", "score": 5.0, "severity": "Medium",
         "label": "CVSS v2 Base", "base_score": 5.0, "base_severity": "Medium"},
}  # fmt: skip

ORACLE: dict[str, Any] = yaml.safe_load(
    (DATA / "northwind_oracle.yaml").read_text(encoding="utf-8")
)["model"]["expected_metrics"]
# The example's entry points and roadmap phases, in the order of its review.yaml.
ENTRY_POINTS = ["internet", "vpn-user", "helpdesk-user", "internal-foothold"]
ORACLE_ENTRY_POINTS = ["internet", "vpn-user", "helpdesk-user"]
ROADMAP = ["now", "next", "later"]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return status, captured.out, captured.err


# ----- check ---------------------------------------------------------------------------


def test_check_example(example_dir: Path, capsys: Capture) -> None:
    status, out, err = run(capsys, "check", str(example_dir))
    assert (status, err) == (0, "")
    assert out == f"{example_dir}: ok (26 findings, 3 observations)\n"


def test_check_default_folder(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    reviews = example_copy.parent / "reviews"
    reviews.mkdir()
    shutil.move(example_copy, reviews / "one")
    shutil.copytree(reviews / "one", reviews / "two")
    monkeypatch.chdir(example_copy.parent)
    status, out, _ = run(capsys, "check")
    assert status == 0
    assert [line.split(":")[0] for line in out.splitlines()] == ["reviews/one", "reviews/two"]


def test_check_broken_copy(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    finding = example_copy / "findings" / "HV-01.yaml"
    text = finding.read_text(encoding="utf-8")
    finding.write_text(text.replace("category: hypervisor", "category: hypervisr"), "utf-8")
    (example_copy / "findings" / "GU-01.yaml").write_text("id: [\n", encoding="utf-8")
    monkeypatch.chdir(example_copy.parent)
    status, out, err = run(capsys, "check", example_copy.name)
    assert status == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[-1] == "2 problems found"
    assert lines[0].startswith(f"{example_copy.name}/findings/GU-01.yaml:2:1: YAML syntax error")
    assert lines[1] == (
        f"{example_copy.name}/findings/HV-01.yaml:4:11: "
        "unknown category 'hypervisr'; did you mean 'hypervisor'? (categories: hypervisor, "
        "management-plane, image-store, migration, virtual-network, vm-lifecycle, patch-posture, "
        "guest)"
    )


def test_check_missing_review(tmp_path: Path, capsys: Capture) -> None:
    status, _, err = run(capsys, "check", str(tmp_path / "nowhere"))
    assert status == 1
    assert "no review.yaml in" in err
    assert err.splitlines()[-1] == "1 problem found"


# ----- cvss ----------------------------------------------------------------------------


def parse_lines(out: str) -> list[dict[str, Any]]:
    lines = out.splitlines()
    assert lines, "no output"
    return [json.loads(line) for line in lines]


def check_scored(line: dict[str, Any], raw: str, vector: str) -> None:
    assert line == EXPECTED[vector]
    # the score is printed with one decimal
    assert re.search(r'"score": \d{1,2}\.\d[,}]', raw), raw


def test_expected_scores_are_firsts_published_values() -> None:
    """The literals above are transcribed from tests/data/first_examples.yaml, not computed."""
    published = yaml.safe_load((DATA / "first_examples.yaml").read_text(encoding="utf-8"))
    by_vector = {entry["vector"]: entry for entry in published}
    for vector, expected in EXPECTED.items():
        entry = by_vector[vector]
        assert (expected["version"], expected["score"], expected["severity"]) == (
            entry["version"],
            entry["score"],
            entry["severity"],
        ), vector


def test_cvss_several_vectors(capsys: Capture) -> None:
    vectors = [V31, V30, V40, V40_BASE, V40_ENV, V2]
    status, out, err = run(capsys, "cvss", *vectors)
    assert (status, err) == (0, "")
    lines = parse_lines(out)
    assert len(lines) == len(vectors)
    for line, raw, vector in zip(lines, out.splitlines(), vectors, strict=True):
        check_scored(line, raw, vector)
    assert [line["score"] for line in lines] == [9.8, 7.8, 9.3, 7.3, 8.1, 5.0]


def test_cvss_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{V31}\n\n  {V40}  \n"))
    status, out, _ = run(capsys, "cvss", V2, "-")
    assert status == 0
    lines = parse_lines(out)
    assert [line["vector"] for line in lines] == [V2, V31, V40]
    for line, raw, vector in zip(lines, out.splitlines(), [V2, V31, V40], strict=True):
        check_scored(line, raw, vector)


def test_cvss_bad_vector(capsys: Capture) -> None:
    bad = "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    status, out, err = run(capsys, "cvss", V31, bad)
    assert status == 1
    assert err == ""
    good, refused = parse_lines(out)
    assert good["score"] == 9.8
    assert set(refused) == {"vector", "error"}
    assert refused["vector"] == bad
    assert "AV (Attack Vector)" in refused["error"]


# ----- compare -------------------------------------------------------------------------

ENTRY_KEYS = {"controlled", "read", "min_findings"}
STATE_KEYS = {
    "single_points_of_total_compromise",
    "blast_radius",
    "entry_points",
    "severity_counts",
}


def check_state_shape(state: dict[str, Any], entry_points: list[str]) -> None:
    assert set(state) >= STATE_KEYS
    assert isinstance(state["single_points_of_total_compromise"], list)
    assert all(isinstance(v, list) for v in state["blast_radius"].values())
    assert list(state["entry_points"]) == entry_points
    for reach in state["entry_points"].values():
        assert set(reach) >= ENTRY_KEYS
        assert isinstance(reach["controlled"], list)
        assert isinstance(reach["read"], list)
        assert all(v is None or isinstance(v, int) for v in reach["min_findings"].values())
    assert {"findings", "by_version", "not_scored"} <= set(state["severity_counts"])


def test_compare_json_matches_the_oracle(example_dir: Path, capsys: Capture) -> None:
    status, out, err = run(capsys, "compare", str(example_dir), "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    # The sample's two states, and the example's proposed redesign.
    assert list(data["states"]) == ["pre", "post", "redesign"]
    for state in data["states"].values():
        check_state_shape(state, ENTRY_POINTS)
    assert list(data["what_if"]) == ROADMAP
    for phase in data["what_if"].values():
        assert list(phase["states"]) == ["pre", "post", "redesign"]
        for state in phase["states"].values():
            check_state_shape(state, ENTRY_POINTS)
    assert isinstance(data["choke_points"], list)
    assert data["choke_points"]
    for choke in data["choke_points"]:
        assert {"finding", "crown_jewels_cut", "services_cut", "reads_cut"} <= set(choke)

    # The figures printed are the oracle's, worked out by hand from the example.
    for name in ("pre", "post"):
        expected, state = ORACLE[name], data["states"][name]
        assert (
            state["single_points_of_total_compromise"]
            == (expected["single_points_of_total_compromise"])
        )
        radius = {asset: len(services) for asset, services in state["blast_radius"].items()}
        named = dict(expected["blast_radius_services"])
        others = named.pop("others")
        assert {asset: radius[asset] for asset in named} == named
        # "others: 1": every other service controls itself alone; the legacy trunk port
        # group (kind: network, post only) is no service and controls none.
        rest = {asset: count for asset, count in radius.items() if asset not in named}
        assert rest.pop("pg-trunk-legacy", 0) == 0
        assert rest and set(rest.values()) == {others}
        for entry in ORACLE_ENTRY_POINTS:
            want, reach = expected["entry_points"][entry], state["entry_points"][entry]
            assert len(reach["controlled"]) == want["services_controlled"], (name, entry)
            if "crown_jewels_min_steps" in want:
                assert reach["min_findings"] == want["crown_jewels_min_steps"], (name, entry)
            for jewel, steps in want.get("read_only_min_steps", {}).items():
                assert reach["min_findings_read"][jewel] == steps, (name, entry, jewel)
                assert reach["min_findings"][jewel] is None, (name, entry, jewel)
    after_now = data["what_if"]["now"]["states"]["post"]["entry_points"]
    for entry, want in ORACLE["post_after_roadmap_now"]["entry_points"].items():
        assert len(after_now[entry]["controlled"]) == want["services_controlled"], entry


def test_compare_text_shows_the_oracle_figures(example_dir: Path, capsys: Capture) -> None:
    status, out, _ = run(capsys, "compare", str(example_dir))
    assert status == 0
    before, after = out.split("\n== After", 1)
    after, what_if = after.split("\n== What if 'Now", 1)
    # The oracle's single points of total compromise, in the example's asset order.
    assert "  Single points of total compromise (2): ldap, backup\n" in before
    assert (
        "  Single points of total compromise (6): ldap, backup, esx01, esx02, vcsa01, nfs01\n"
    ) in after
    # Control implies read, so an entry point reads at least what it controls: the oracle's
    # 1 service before (the web server) and all 15 after.
    assert "  From Internet: controls 1 services, reads 1\n" in before
    assert "  From Internet: controls 15 services, reads 15\n" in after
    assert "  From VPN user: controls 0 services, reads 0\n" in before
    assert "  From VPN user: controls 15 services, reads 15\n" in after
    # The oracle's 3 findings from the Internet to each crown jewel after consolidation.
    for jewel in ("ldap", "db", "files", "backup"):
        line = f"    {jewel}: controlled after 3 findings: GU-01 (S1) -> GU-02 (S2) -> HV-01 (S3)\n"
        assert line in after
    # The oracle's helpdesk account reads ldap and db after one finding, controls nothing.
    assert "  From Helpdesk account: controls 0 services, reads 2\n" in after
    assert "    ldap: read after 1 finding: MP-05 (S8)\n" in after
    assert "  post: internet controls 0, vpn-user controls 0, helpdesk-user controls 0" in what_if


def test_compare_broken_review(example_copy: Path, capsys: Capture) -> None:
    (example_copy / "review.yaml").write_text("schema_version: 2\n", encoding="utf-8")
    status, out, err = run(capsys, "compare", str(example_copy), "--format", "json")
    assert status == 1
    assert out == ""
    assert "problem" in err.splitlines()[-1]


# ----- schema --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["review", "finding", "comparison"])
def test_schema_matches_committed_file(which: str, capsys: Capture) -> None:
    status, out, _ = run(capsys, "schema", which)
    assert status == 0
    printed = json.loads(out)
    committed = json.loads((SCHEMAS / f"{which}.schema.json").read_text(encoding="utf-8"))
    assert printed == committed, f"regenerate reviewgen/schemas/{which}.schema.json"
    assert out == schema_text(which)
    assert printed["$schema"].startswith("https://json-schema.org/")
    assert printed["additionalProperties"] is False


def test_schema_defaults_to_review(capsys: Capture) -> None:
    _, out, _ = run(capsys, "schema")
    assert json.loads(out)["title"] == "reviewgen review file"


# ----- new -----------------------------------------------------------------------------


def test_new_review_and_finding_pass_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "new", "review", "fresh", "--title", 'A "quoted" title')
    assert status == 0
    assert out == "created fresh/review.yaml\n"
    status, out, _ = run(capsys, "new", "finding", "fresh", "--id", "XX-01", "--title", "T")
    assert status == 0
    assert out == "created fresh/findings/XX-01.yaml\n"

    status, out, err = run(capsys, "check", "fresh")
    assert (status, err) == (0, "")
    assert out == "fresh: ok (1 finding, 0 observations)\n"
    review = yaml.safe_load((tmp_path / "fresh" / "review.yaml").read_text(encoding="utf-8"))
    created = yaml.safe_load(
        (tmp_path / "fresh" / "findings" / "XX-01.yaml").read_text(encoding="utf-8")
    )
    assert review["review"]["title"] == 'A "quoted" title'
    assert (created["id"], created["title"]) == ("XX-01", "T")
    # The scaffold's first category and its two states.
    assert review["categories"][0]["id"] == created["category"] == "hypervisor"
    assert [s["id"] for s in review["states"]] == ["pre", "post"]
    assert set(created["affected"]) == {"pre", "post"}


@pytest.mark.parametrize(
    "argv",
    [
        ["new", "review", "fresh"],
        ["new", "finding", "fresh", "--id", "XX-01", "--title", "Other"],
    ],
)
def test_new_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "review", "fresh"]) == 0
    assert main(["new", "finding", "fresh", "--id", "XX-01", "--title", "T"]) == 0
    capsys.readouterr()
    files = [tmp_path / "fresh" / "review.yaml", tmp_path / "fresh" / "findings" / "XX-01.yaml"]
    before = [f.read_bytes() for f in files]
    status, out, err = run(capsys, *argv)
    assert status != 0
    assert out == ""
    assert "already exists; nothing was overwritten" in err
    assert [f.read_bytes() for f in files] == before


def test_new_finding_without_review(tmp_path: Path, capsys: Capture) -> None:
    status, _, err = run(
        capsys, "new", "finding", str(tmp_path / "none"), "--id", "XX-01", "--title", "T"
    )
    assert status == 1
    assert "cannot read file" in err
    assert not (tmp_path / "none" / "findings").exists()


@pytest.mark.parametrize("finding_id", ["../../escaped", "lower-1"])
def test_new_finding_refuses_an_invalid_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture, finding_id: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "review", "fresh"]) == 0
    status, _, _ = run(capsys, "new", "finding", "fresh", "--id", finding_id, "--title", "T")
    assert status != 0
    assert sorted(p.name for p in tmp_path.rglob("*.yaml")) == ["review.yaml"]
