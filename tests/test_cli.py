"""The command line, through `reviewgen.cli.main(argv)`."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from reviewgen.cli import main
from reviewgen.compare import compare
from reviewgen.load import load_review
from reviewgen.schema import schema_text
from reviewgen.scoring import score_vector

SCHEMAS = Path(__file__).resolve().parent.parent / "reviewgen" / "schemas"
Capture = pytest.CaptureFixture[str]

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V30 = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P"
V2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P"


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return status, captured.out, captured.err


# ----- check ---------------------------------------------------------------------------


def test_check_example(example_dir: Path, capsys: Capture) -> None:
    status, out, err = run(capsys, "check", str(example_dir))
    findings = len(list((example_dir / "findings").glob("*.yaml")))
    assert (status, err) == (0, "")
    assert out == f"{example_dir}: ok ({findings} findings, 3 observations)\n"


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
        "unknown category 'hypervisr'; did you mean 'hypervisor'?"
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
    expected = score_vector(vector)
    assert line["vector"] == vector
    assert line["version"] == expected.version
    assert line["score"] == expected.score
    assert line["severity"] == expected.severity
    assert line["label"] == expected.label
    # the score is printed with one decimal
    assert re.search(r'"score": \d{1,2}\.\d[,}]', raw), raw
    if expected.version == "4.0":
        assert line["nomenclature"] == expected.nomenclature
        assert "base_score" not in line
    else:
        assert "nomenclature" not in line
        assert line["base_score"] == expected.base


def test_cvss_several_vectors(capsys: Capture) -> None:
    vectors = [V31, V30, V40, V2]
    status, out, err = run(capsys, "cvss", *vectors)
    assert (status, err) == (0, "")
    lines = parse_lines(out)
    assert len(lines) == len(vectors)
    for line, raw, vector in zip(lines, out.splitlines(), vectors, strict=True):
        check_scored(line, raw, vector)
    # Published values (FIRST examples): Shellshock 9.8 Critical.
    assert (lines[0]["score"], lines[0]["severity"]) == (9.8, "Critical")
    assert lines[2]["nomenclature"] == "CVSS-BT"


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


def test_compare_json_shape(example_dir: Path, capsys: Capture) -> None:
    status, out, err = run(capsys, "compare", str(example_dir), "--format", "json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    review = load_review(example_dir)
    entry_points = [e.id for e in review.spec.entry_points]
    assert list(data["states"]) == ["pre", "post"]
    for state in data["states"].values():
        check_state_shape(state, entry_points)
    assert list(data["what_if"]) == [p.id for p in review.spec.roadmap]
    for phase in data["what_if"].values():
        assert list(phase["states"]) == ["pre", "post"]
        for state in phase["states"].values():
            check_state_shape(state, entry_points)
    assert isinstance(data["choke_points"], list)
    assert data["choke_points"]
    for choke in data["choke_points"]:
        assert {"finding", "crown_jewels_cut", "services_cut", "reads_cut"} <= set(choke)
    # The command prints what the engine computes.
    assert data == json.loads(json.dumps(compare(review)))


def test_compare_text_mentions_single_points(example_dir: Path, capsys: Capture) -> None:
    status, out, _ = run(capsys, "compare", str(example_dir))
    assert status == 0
    figures = compare(load_review(example_dir))
    for state in figures["states"].values():
        spotc = state["single_points_of_total_compromise"]
        line = f"Single points of total compromise ({len(spotc)}): {', '.join(spotc)}"
        assert line in out


def test_compare_broken_review(example_copy: Path, capsys: Capture) -> None:
    (example_copy / "review.yaml").write_text("schema_version: 2\n", encoding="utf-8")
    status, out, err = run(capsys, "compare", str(example_copy), "--format", "json")
    assert status == 1
    assert out == ""
    assert "problem" in err.splitlines()[-1]


# ----- schema --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["review", "finding"])
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
    review = load_review(tmp_path / "fresh")
    assert review.spec.review.title == 'A "quoted" title'
    created = review.finding_by_id["XX-01"].finding
    assert created.title == "T"
    assert created.category == review.spec.categories[0].id
    assert set(created.affected) == set(review.state_ids)


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
