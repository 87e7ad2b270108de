"""The loader's shortcuts give what the plain computation gives (issue 14, engine part).

* CVSS scores are computed once per distinct text (`scoring._score_text`): a cached
  result equals a fresh one from the scorer, and a refused vector raises every time;
* the secret scan collects the parsed texts without their paths (`_texts`), in the
  order of `_strings`, which gives the paths of the texts with a hit;
* the reference walk is worked out once per type and finds the same references in the
  example review's files.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewgen import checks, scoring
from reviewgen.model import Finding, ReviewFile
from reviewgen.secrets_check import _strings, _texts
from reviewgen.yamlsource import read_yaml

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parent.parent / "reviews" / "northwind-consolidation"
FIRST_EXAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "first_examples.yaml").read_text(encoding="utf-8")
)
VECTORS = sorted({str(entry["vector"]) for entry in FIRST_EXAMPLES})


@pytest.mark.parametrize("vector", VECTORS)
def test_cached_score_equals_a_fresh_one(vector: str) -> None:
    fresh = scoring.SCORERS[scoring.version_of(vector)](vector)
    first = scoring.score_vector(vector)
    again = scoring.score_vector(f" {vector}\n")
    assert first == fresh
    assert again == fresh
    # Nothing the library returns (objects, Decimals) is kept in the shared result.
    for value in dataclasses.astuple(first):
        assert value is None or isinstance(value, str | float | tuple)


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N",
        "AV:N/AC:L/Au:N/C:P/I:P",
    ],
)
def test_a_refused_vector_raises_every_time(vector: str) -> None:
    messages = []
    for _ in range(3):
        with pytest.raises(scoring.VectorError) as err:
            scoring.score_vector(vector)
        messages.append(str(err.value))
    assert len(set(messages)) == 1


def _example_files() -> list[Path]:
    return [EXAMPLE / "review.yaml", *sorted((EXAMPLE / "findings").glob("*.yaml"))]


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_texts_are_those_of_strings_in_order(path: Path) -> None:
    data = read_yaml(path).data
    assert _texts(data, []) == [text for _, _, text in _strings(data)]


def test_texts_of_nested_and_odd_data() -> None:
    data: Any = {"a": [1, "x", {"b": None, "c": ["y", ["z", 2.5]]}], "d": "w", "e": {}}
    assert _texts(data, []) == [text for _, _, text in _strings(data)]
    assert _texts("only", []) == ["only"]
    assert _texts(3, []) == []


def _references_plainly(annotation: Any, data: object, path: Any = ()) -> list[Any]:
    """The reference walk written directly on the types (what `checks.references` did
    before it worked the walk out once per type)."""
    import types
    import typing

    from pydantic import BaseModel

    if not checks._holds_refs(annotation):
        return []
    origin = typing.get_origin(annotation)
    found: list[Any] = []
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        ref = next((m for m in metadata if isinstance(m, checks.Ref)), None)
        if ref is None:
            return _references_plainly(base, data, path)
        if isinstance(data, str):
            try:
                checks._adapter(annotation).validate_python(data)
            except Exception:
                return []
            return [(path, ref.kind, data)]
        return []
    if origin in (typing.Union, types.UnionType):
        for arm in typing.get_args(annotation):
            found += _references_plainly(arm, data, path)
    elif origin is list and isinstance(data, list):
        (item_type,) = typing.get_args(annotation)
        for index, item in enumerate(data):
            found += _references_plainly(item_type, item, (*path, index))
    elif origin is dict and isinstance(data, dict):
        key_type, value_type = typing.get_args(annotation)
        for key, value in data.items():
            found += _references_plainly(key_type, key, (*path, key))
            found += _references_plainly(value_type, value, (*path, key))
    elif (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and isinstance(data, dict)
    ):
        for name, info in annotation.model_fields.items():
            key = info.alias or name
            if key in data:
                found += _references_plainly(checks._field_type(info), data[key], (*path, key))
    return found


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_reference_walk_finds_what_the_plain_walk_finds(path: Path) -> None:
    data = read_yaml(path).data
    model = ReviewFile if path.name == "review.yaml" else Finding
    found = checks.references(model, data)
    assert found == _references_plainly(model, data)
    assert found or model is Finding


def test_reference_walk_skips_data_of_the_wrong_shape() -> None:
    data: Any = {"affected": {"post": ["a-1", 5, {"x": 1}], 7: "b"}, "attack_steps": "no"}
    assert checks.references(Finding, data) == _references_plainly(Finding, data)
