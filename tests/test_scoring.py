"""The CVSS adapter: published scores, version detection, nomenclature, errors, requirements."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cvss import CVSS3

from reviewgen.load import load_review
from reviewgen.scoring import VectorError, score_vector, version_of, with_requirements

DATA = Path(__file__).parent / "data"
BASE = Path(__file__).parent / "golden" / "errors" / "_base"
FIRST_EXAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "first_examples.yaml").read_text(encoding="utf-8")
)

V31_BASE = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40_BASE = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_fixture_covers_every_version() -> None:
    versions = {entry["version"] for entry in FIRST_EXAMPLES}
    assert versions == {"2.0", "3.0", "3.1", "4.0"}
    assert len(FIRST_EXAMPLES) > 50


@pytest.mark.parametrize(
    "entry",
    FIRST_EXAMPLES,
    ids=[f"{e['version']}-{i}" for i, e in enumerate(FIRST_EXAMPLES)],
)
def test_published_example_scores(entry: dict[str, Any]) -> None:
    result = score_vector(entry["vector"])
    assert result.version == entry["version"]
    assert result.score == pytest.approx(entry["score"], abs=1e-9), entry["source"]
    assert result.severity == entry["severity"], entry["source"]
    assert result.vector == entry["vector"]


# ----- version detection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "version"),
    [
        (V40_BASE, "4.0"),
        (V31_BASE, "3.1"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0"),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0"),
    ],
)
def test_version_detection(vector: str, version: str) -> None:
    assert version_of(vector) == version
    assert score_vector(vector).version == version


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "the prefix is upper case: CVSS:"),
        ("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "unsupported prefix 'CVSS:3.2'"),
        ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "no prefix for a v2 vector"),
    ],
)
def test_bad_prefixes(vector: str, message: str) -> None:
    with pytest.raises(VectorError) as caught:
        version_of(vector)
    assert message in str(caught.value)
    with pytest.raises(VectorError):
        score_vector(vector)


def test_surrounding_whitespace_is_ignored() -> None:
    # FIRST CVSS v3.1 Examples, example 10 (Shellshock): 9.8 Critical.
    result = score_vector(f"  {V31_BASE}\n")
    assert (result.score, result.severity) == (9.8, "Critical")


# ----- v4.0 nomenclature -------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "nomenclature"),
    [
        ("", "CVSS-B"),
        ("/E:A", "CVSS-BT"),
        ("/E:P", "CVSS-BT"),
        ("/CR:H", "CVSS-BE"),
        ("/MAV:L", "CVSS-BE"),
        ("/E:U/MVC:L", "CVSS-BTE"),
        ("/E:P/CR:L/IR:H/AR:L", "CVSS-BTE"),
        # Not Defined (X) is the same as leaving a metric out.
        ("/E:X", "CVSS-B"),
        ("/E:X/CR:X/MAV:X", "CVSS-B"),
        ("/E:X/CR:H", "CVSS-BE"),
        # Supplemental metrics never change the score or the nomenclature.
        ("/S:P/AU:Y/R:U/V:C/RE:H/U:Red", "CVSS-B"),
        ("/E:A/S:P", "CVSS-BT"),
    ],
)
def test_v4_nomenclature(suffix: str, nomenclature: str) -> None:
    result = score_vector(V40_BASE + suffix)
    assert result.nomenclature == nomenclature
    assert result.label == nomenclature
    assert result.as_json()["nomenclature"] == nomenclature
    assert "base_score" not in result.as_json()


def test_v4_threat_and_environmental_metrics_change_the_score() -> None:
    # FIRST CVSS v4.0 Examples, CVE-2022-26134: this vector scores 9.3 (CVSS-B), and 9.3
    # with E:A (log4shell, CVSS-BT): Attacked is the worst case that Not Defined assumes.
    assert score_vector(V40_BASE).score == 9.3
    assert score_vector(V40_BASE + "/E:A").score == 9.3
    assert score_vector(V40_BASE + "/E:U").score < 9.3
    assert score_vector(V40_BASE + "/S:P/AU:Y").score == 9.3


def test_v4_metrics_are_explained_by_group() -> None:
    result = score_vector(V40_BASE + "/E:P/CR:H/S:P")
    groups = {m.key: m.group for m in result.metrics}
    assert groups["AV"] == "base"
    assert groups["E"] == "threat"
    assert groups["CR"] == "environmental"
    assert groups["S"] == "supplemental"
    names = {m.key: (m.name, m.meaning) for m in result.metrics}
    assert names["AV"] == ("Attack Vector", "Network")


# ----- v3.x labels and the Scope:Changed quirk --------------------------------------

QUIRK = "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H"


def test_scope_changed_quirk_is_real_in_the_library() -> None:
    """The 3.1 environmental formula gives 8.3 for this base-only vector (base 8.2)."""
    base, _, environmental = (float(s) for s in CVSS3(QUIRK).scores())
    assert (base, environmental) == (8.2, 8.3)


@pytest.mark.parametrize("suffix", ["", "/E:X/RL:X/RC:X", "/CR:X/IR:X/AR:X/MAV:X"])
def test_scope_changed_base_vector_keeps_its_base_score(suffix: str) -> None:
    result = score_vector(QUIRK + suffix)
    assert result.label == "CVSS v3.1 Base"
    assert result.score == 8.2
    assert result.severity == "High"
    assert result.environmental is None
    assert result.temporal is None
    assert "environmental_score" not in result.as_json()


def test_v3_temporal_and_environmental_labels() -> None:
    temporal = score_vector(V31_BASE + "/E:P")
    assert temporal.label == "CVSS v3.1 Temporal"
    assert temporal.base == 9.8
    assert temporal.temporal is not None
    assert temporal.score == temporal.temporal < temporal.base

    environmental = score_vector(V31_BASE + "/CR:L/IR:L/AR:L")
    assert environmental.label == "CVSS v3.1 Environmental"
    assert environmental.environmental is not None
    assert environmental.score == environmental.environmental < environmental.base
    assert environmental.as_json()["base_score"] == 9.8

    assert score_vector(V31_BASE.replace("3.1", "3.0")).label == "CVSS v3.0 Base"


def test_v2_labels() -> None:
    vector = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
    assert score_vector(vector).label == "CVSS v2 Base"
    temporal = score_vector(vector + "/E:F/RL:OF/RC:C")
    assert temporal.label == "CVSS v2 Temporal"
    assert temporal.base == 7.5
    assert temporal.score < 7.5


# ----- error messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        (
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            ["metric AV (Attack Vector) cannot be 'Q'", "N (Network)", "P (Physical)"],
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            ["missing mandatory metrics", "A (Availability)"],
        ),
        (
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            ["sets metric AV (Attack Vector) twice"],
        ),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q", ["unknown metric 'ZZ'"]),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", ["ends with '/'"]),
        (V40_BASE + "/E:Z", ["CVSS 4.0 metric E (Exploit Maturity) cannot be 'Z'", "P (POC)"]),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            ["SA (Subsequent System Impact Availability)"],
        ),
        ("AV:N/AC:L/Au:Q/C:P/I:P/A:P", ["CVSS 2.0 metric Au (Authentication) cannot be 'Q'"]),
        ("", ["the CVSS vector is empty"]),
        ("CVSS:3.1/AV:N /AC:L", ["contains no spaces"]),
    ],
)
def test_errors_name_the_metric(vector: str, expected: list[str]) -> None:
    with pytest.raises(VectorError) as caught:
        score_vector(vector)
    message = str(caught.value)
    for phrase in expected:
        assert phrase in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("value", [None, 9.8, ["CVSS:3.1/AV:N"]])
def test_non_text_is_refused(value: object) -> None:
    with pytest.raises(VectorError, match="expected a CVSS vector as text"):
        score_vector(value)


# ----- requirements ------------------------------------------------------------------


def test_with_requirements_appends_missing_metrics() -> None:
    levels = {"CR": "high", "IR": "low", "AR": "medium"}
    assert with_requirements(V31_BASE, levels) == V31_BASE + "/CR:H/IR:L/AR:M"
    assert with_requirements(V40_BASE, {"CR": "high"}) == V40_BASE + "/CR:H"


def test_with_requirements_keeps_metrics_the_vector_sets() -> None:
    levels = {"CR": "high", "IR": "low", "AR": "medium"}
    vector = V31_BASE + "/CR:L"
    assert with_requirements(vector, levels) == vector + "/IR:L/AR:M"


def test_with_requirements_replaces_not_defined() -> None:
    levels = {"CR": "high", "IR": "low"}
    derived = with_requirements(V31_BASE + "/CR:X/AR:X", levels)
    assert derived == V31_BASE + "/CR:H/AR:X/IR:L"
    score_vector(derived)  # no metric is set twice
    v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P/CR:ND"
    assert with_requirements(v2, {"CR": "low"}) == "AV:N/AC:L/Au:N/C:P/I:P/A:P/CR:L"


def test_with_requirements_without_levels_is_unchanged() -> None:
    assert with_requirements(V31_BASE, {}) == V31_BASE
    assert with_requirements(V31_BASE, {"CR": "unknown"}) == V31_BASE


def test_requirements_move_the_score() -> None:
    low = score_vector(with_requirements(V31_BASE, {"CR": "low", "IR": "low", "AR": "low"}))
    high = score_vector(with_requirements(V31_BASE, {"CR": "high", "IR": "high", "AR": "high"}))
    assert low.label == high.label == "CVSS v3.1 Environmental"
    assert low.score < high.score
    v4 = score_vector(with_requirements(V40_BASE, {"CR": "low", "IR": "low", "AR": "low"}))
    assert v4.nomenclature == "CVSS-BE"
    assert v4.score < 9.3  # FIRST CVSS v4.0 Examples, CVE-2022-26134: 9.3 with no requirements


def test_load_derives_requirements_from_the_affected_assets(tmp_path: Path) -> None:
    root = tmp_path / "review"
    shutil.copytree(BASE, root)
    finding = root / "findings" / "HV-01.yaml"
    text = finding.read_text(encoding="utf-8")
    text = text.replace("post: [host1]}", "post: [host1, db]}").replace(
        "  scored_scenario:", "  derive_requirements: true\n  scored_scenario:"
    )
    finding.write_text(text, encoding="utf-8")
    review = load_review(root)
    scored = review.finding_by_id["HV-01"]
    # db is high/high/low; host1 has the default medium/medium/medium.
    assert scored.requirements == {"CR": "high", "IR": "high", "AR": "medium"}
    v31 = scored.score("3.1")
    assert v31 is not None
    assert v31.vector.endswith("/CR:H/IR:H/AR:M")
    assert v31.label == "CVSS v3.1 Environmental"
    v40 = scored.score("4.0")
    assert v40 is not None
    assert v40.nomenclature == "CVSS-BE"
