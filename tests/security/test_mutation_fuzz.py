"""Byte-wise mutations of the real example review: loading raises ReviewError, nothing else.

tests/test_properties.py fuzzes the loader with generated text, bytes and YAML structures
on the small golden review. This adds what it lacks: the committed example review, with a
few bytes of one real file (review.yaml, a finding, an evidence file) inserted, deleted,
flipped, duplicated or cut. Every outcome must be a loaded review or a ReviewError whose
problems are all located. The budget is a fixed number of examples, chosen to take well
under 30 seconds here (each load of the example takes ~0.15 s).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewgen.errors import ReviewError
from reviewgen.load import load_review

TARGETS = (
    "review.yaml",
    "findings/HV-01.yaml",
    "findings/IS-01.yaml",
    "findings/MP-01.yaml",
    "findings/VN-01.yaml",
    "evidence/is-01-nfs-exports.txt",
)
PROBLEM = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
EXAMPLES = 120

Mutation = tuple[str, float, int]
MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "flip", "replace", "duplicate", "truncate"]),
        st.floats(0, 1, allow_nan=False),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=6,
)


def mutate(content: bytes, mutations: list[Mutation]) -> bytes:
    data = bytearray(content)
    for kind, where, value in mutations:
        at = min(int(where * len(data)), max(len(data) - 1, 0))
        if kind == "insert":
            data[at:at] = bytes([value])
        elif not data:
            continue
        elif kind == "delete":
            del data[at : at + 1 + value % 4]
        elif kind == "flip":
            data[at] ^= 1 << (value % 8)
        elif kind == "replace":
            data[at] = value
        elif kind == "duplicate":
            data[at:at] = data[at : at + 1 + value]
        else:
            del data[at + value :]
    return bytes(data)


@pytest.fixture(scope="module")
def review_dir(tmp_path_factory: pytest.TempPathFactory, example_dir: Path) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("mutation") / example_dir.name
    shutil.copytree(example_dir, root)
    yield root


def test_the_unmutated_example_loads(review_dir: Path) -> None:
    assert len(load_review(review_dir).findings) == 26


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(target=st.sampled_from(TARGETS), mutations=MUTATIONS)
def test_mutated_example_files_fail_only_with_located_problems(
    review_dir: Path, target: str, mutations: list[Mutation]
) -> None:
    path = review_dir / target
    original = path.read_bytes()
    path.write_bytes(mutate(original, mutations))
    try:
        load_review(review_dir)
    except ReviewError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert PROBLEM.match(str(problem)), str(problem)[:300]
    finally:
        path.write_bytes(original)
