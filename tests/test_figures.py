"""The comparison is a frozen, typed record; its JSON matches the published JSON Schema."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from benchmarks.generate import generate
from reviewgen.compare import compare
from reviewgen.figures import Comparison, StateFigures
from reviewgen.load import load_review

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reviewgen" / "schemas" / "comparison.schema.json"
    ).read_text(encoding="utf-8")
)


def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def test_the_comparison_is_typed_and_frozen(example_dir: Path) -> None:
    figures = compare(load_review(example_dir))
    assert isinstance(figures, Comparison)
    assert isinstance(figures.states["post"], StateFigures)
    with pytest.raises(dataclasses.FrozenInstanceError):
        figures.review = "other"  # type: ignore[misc]
    # Hand-worked in tests/data/northwind_oracle.yaml: six single points after, two before.
    assert figures.states["post"].single_points_of_total_compromise == (
        "ldap", "backup", "esx01", "esx02", "vcsa01", "nfs01",
    )  # fmt: skip
    assert figures.states["pre"].single_points_of_total_compromise == ("ldap", "backup")


def test_the_example_comparison_matches_its_schema(example_dir: Path) -> None:
    data = compare(load_review(example_dir)).to_json()
    errors = list(validator().iter_errors(data))
    assert errors == []
    assert data["attack_surface"]["changes"][0]["from"] == "pre"  # the key, not from_
    assert "choke_points" not in data["what_if"]["now"]["states"]["post"]


def test_a_generated_comparison_matches_its_schema(tmp_path: Path) -> None:
    root = generate(tmp_path / "review", findings=60, assets=40, seed=7)
    data = compare(load_review(root)).to_json()
    assert list(validator().iter_errors(data)) == []


def test_the_schema_rejects_what_is_not_a_comparison(example_dir: Path) -> None:
    data = compare(load_review(example_dir)).to_json()
    del data["states"]
    assert list(validator().iter_errors(data))
    data = compare(load_review(example_dir)).to_json()
    data["states"]["post"]["entry_points"]["internet"]["min_findings"]["ldap"] = "three"
    assert list(validator().iter_errors(data))
