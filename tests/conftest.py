"""Shared fixtures for the engine tests (the browser tests have their own conftest).

* ``--update-goldens`` rewrites the expected outputs under ``tests/golden/`` instead of
  comparing against them.
* ``example_dir`` is the committed example review; tests never write to it.
* ``example_copy`` is a private copy of it in ``tmp_path`` for tests that break it.
* ``write_review`` builds a small review from Python data (see ``build_review``).

No test measures wall-clock time: Hypothesis's per-example deadline (200 ms by default)
is switched off for every test here, since a loaded machine would miss it; tests bound
CPU time and memory instead where cost matters (tests/security/test_hostile_yaml.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from reviewbuilder import build_review

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "reviews" / "northwind-consolidation"

settings.register_profile("reviewgen", deadline=None)
settings.load_profile("reviewgen")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected outputs in tests/golden/ from the current behaviour",
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def golden(update_goldens: bool) -> Callable[[Path, str], None]:
    """``golden(path, actual)``: compare with a golden file (rewrite it with --update-goldens)."""

    def check(expected: Path, actual: str) -> None:
        if update_goldens:
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_text(actual, encoding="utf-8")
        elif not expected.is_file():
            pytest.fail(f"{expected} is missing; run pytest with --update-goldens to create it")
        assert actual == expected.read_text(encoding="utf-8")

    return check


@pytest.fixture(scope="session")
def example_dir() -> Path:
    """The committed example review (read-only for tests)."""
    assert (EXAMPLE / "review.yaml").is_file(), EXAMPLE
    return EXAMPLE


@pytest.fixture
def example_copy(tmp_path: Path, example_dir: Path) -> Path:
    """A copy of the example review that a test may modify."""
    target = tmp_path / example_dir.name
    shutil.copytree(example_dir, target)
    return target


@pytest.fixture
def write_review(tmp_path: Path) -> Callable[..., Path]:
    """``write_review(name="r", **parts)``: `build_review` into ``tmp_path / name``."""

    def write(name: str = "review", **parts: Any) -> Path:
        return build_review(tmp_path / name, **parts)

    return write
