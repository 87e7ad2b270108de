"""Property: whatever bytes a review file holds, loading raises ReviewError or succeeds.

Every example writes one file of a valid review (review.yaml, an existing finding or a new
finding file) and loads the folder; any other exception is a bug, and every problem reported
must point at a line and column.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewgen.errors import ReviewError
from reviewgen.load import load_review
from reviewgen.review import Review

BASE = Path(__file__).parent / "golden" / "errors" / "_base"
TARGETS = ("review.yaml", "findings/GU-01.yaml", "findings/HV-01.yaml", "findings/ZZ-99.yaml")
PROBLEM = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def review_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("prop") / "review"
    shutil.copytree(BASE, root)
    yield root


def load_with(root: Path, target: str, content: bytes) -> Review | None:
    """Load `root` with `target` replaced by `content`; restore the folder afterwards."""
    path = root / target
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(content)
    try:
        return load_review(root)
    except ReviewError as err:
        assert err.problems, "a ReviewError carries at least one problem"
        for problem in err.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert PROBLEM.match(str(problem)), str(problem)
        return None
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)


# ----- strategies ----------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "id",
        "title",
        "category",
        "delta",
        "affected",
        "cvss",
        "v3_1",
        "vector",
        "score",
        "attack_steps",
        "requires",
        "to",
        "states",
        "assets",
        "placement",
        "review",
        "schema_version",
        "evidence_files",
        "path",
        "<<",
    ]
) | st.text(max_size=8)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.dates(min_value=dt.date(1, 1, 1))
    | st.sampled_from(
        [
            "web",
            "pre",
            "post",
            "group:services",
            "control:group:services",
            "internet",
            "GU-01",
            "S1",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "../../etc/passwd",
            "/etc/passwd",
        ]
    )
)

STRUCTURES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)

TOKENS = st.sampled_from(["\t", ":", ": ", "&a ", "*a", "- ", "\n", "'", '"', "{", "[", "!!", "#"])
MUTATIONS = st.lists(st.tuples(st.floats(0, 1), TOKENS), max_size=4)


def mutate(text: str, mutations: list[tuple[float, str]]) -> str:
    for where, token in mutations:
        cut = int(where * len(text))
        text = text[:cut] + token + text[cut:]
    return text


def dumped(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ----- properties --------------------------------------------------------------------


def test_the_unmodified_review_loads(review_dir: Path) -> None:
    original = (review_dir / "review.yaml").read_bytes()
    assert load_with(review_dir, "review.yaml", original) is not None


@SETTINGS
@given(target=st.sampled_from(TARGETS), text=st.text())
def test_arbitrary_text(review_dir: Path, target: str, text: str) -> None:
    load_with(review_dir, target, text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(target=st.sampled_from(TARGETS), content=st.binary())
def test_arbitrary_bytes(review_dir: Path, target: str, content: bytes) -> None:
    load_with(review_dir, target, content)


@SETTINGS
@given(target=st.sampled_from(TARGETS), data=STRUCTURES, mutations=MUTATIONS)
def test_yaml_like_structures(
    review_dir: Path, target: str, data: Any, mutations: list[tuple[float, str]]
) -> None:
    load_with(review_dir, target, mutate(dumped(data), mutations).encode("utf-8"))


@SETTINGS
@given(
    target=st.sampled_from(TARGETS[:3]),
    mutations=MUTATIONS,
    replacement=STRUCTURES,
    choice=st.randoms(use_true_random=False),
)
def test_valid_files_with_one_part_replaced(
    review_dir: Path,
    target: str,
    mutations: list[tuple[float, str]],
    replacement: Any,
    choice: Any,
) -> None:
    """Deep in an otherwise valid file, one value is swapped for something else."""
    data = yaml.safe_load((BASE / target).read_text(encoding="utf-8"))
    node = data
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = choice.choice(keys)
        child = node[key]
        if isinstance(child, (dict, list)) and child and choice.random() < 0.7:
            node = child
            continue
        node[key] = replacement
        break
    load_with(review_dir, target, mutate(dumped(data), mutations).encode("utf-8"))
