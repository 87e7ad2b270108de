"""Fixtures for whole-site tests: a scratch copy of the project to build and edit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sitehelpers import copy_project, mkdocs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch copy of the project; tests may edit it freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One strict build of the repository's own example, shared by read-only tests."""
    target = copy_project(tmp_path_factory.mktemp("example") / "project")
    mkdocs(target, "build", "--strict")
    return target / "site"


@pytest.fixture
def edit() -> Callable[[Path, str, str], None]:
    def _edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return _edit
