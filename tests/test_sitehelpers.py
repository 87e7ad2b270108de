"""The test suite belongs to the project, not to the user's data.

A review of one's own under reviews/ (unpublishable, unfinished, anything) must not change
what a test sees: `copy_project`, the source of every whole-site test's project, copies the
example review alone. These tests point it at a scratch repository layout that holds the
example beside such reviews. And when a helper's subprocess fails, the test failure shows
that subprocess's stderr, not an opaque CalledProcessError.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitehelpers import EXAMPLE_SLUG, ROOT, copy_project, git, mkdocs, with_bare_remote

USER_REVIEW = "zz-client"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def plant_repository(root: Path) -> Path:
    """A repository layout whose reviews/ holds the example and a user's own reviews.

    `zz-client` is a complete, valid review marked `publishable: false` (gh-deploy refuses
    it); `draft` is an unfinished one that does not even parse; `notes.md` is a loose file.
    """
    root.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", root / "templates")
    reviews = root / "reviews"
    shutil.copytree(ROOT / "reviews" / EXAMPLE_SLUG, reviews / EXAMPLE_SLUG)
    client = reviews / USER_REVIEW
    shutil.copytree(ROOT / "reviews" / EXAMPLE_SLUG, client)
    review = client / "review.yaml"
    text = review.read_text(encoding="utf-8")
    assert "  publishable: true\n" in text
    text = text.replace("  publishable: true\n", "  publishable: false\n")
    review.write_text(text.replace('id: "VSR-2025-001"', 'id: "ZZ-2026-001"', 1), "utf-8")
    (reviews / "draft").mkdir()
    (reviews / "draft" / "review.yaml").write_text("schema_version: [\n", encoding="utf-8")
    (reviews / "notes.md").write_text("# My notes\n", encoding="utf-8")
    return root


def test_copy_project_copies_only_the_example_review(tmp_path: Path) -> None:
    source = plant_repository(tmp_path / "repository")
    project = copy_project(tmp_path / "project", source)
    assert sorted(p.name for p in (project / "reviews").iterdir()) == [EXAMPLE_SLUG]
    example = project / "reviews" / EXAMPLE_SLUG
    assert tree(example) == tree(source / "reviews" / EXAMPLE_SLUG)
    assert len(list((example / "findings").glob("*.yaml"))) == 26
    assert tree(project / "templates") == tree(source / "templates")
    assert (project / "mkdocs.yml").read_bytes() == (source / "mkdocs.yml").read_bytes()


def test_copy_project_of_the_repository_holds_the_example_alone(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    assert sorted(p.name for p in (project / "reviews").iterdir()) == [EXAMPLE_SLUG]
    assert tree(project / "reviews" / EXAMPLE_SLUG) == tree(ROOT / "reviews" / EXAMPLE_SLUG)


def test_a_users_unpublishable_review_does_not_break_gh_deploy(tmp_path: Path) -> None:
    """The failure this guards against: gh-deploy of a project copied with everything in
    reviews/ refused to publish the user's `publishable: false` review."""
    source = plant_repository(tmp_path / "repository")
    project = with_bare_remote(copy_project(tmp_path / "project", source), tmp_path / "r.git")
    mkdocs(project, "gh-deploy", "--force")
    published = git(tmp_path / "r.git", "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert f"{EXAMPLE_SLUG}/findings/hv-01/index.html" in published
    assert not [p for p in published if p.startswith((f"{USER_REVIEW}/", "draft/"))]


def test_a_failing_mkdocs_shows_its_stderr(tmp_path: Path) -> None:
    with pytest.raises(AssertionError) as caught:
        mkdocs(tmp_path, "build", "--strict")  # no mkdocs.yml here
    message = str(caught.value)
    assert "mkdocs build --strict exited with status 1" in message
    assert "Config file 'mkdocs.yml' does not exist" in message


def test_check_false_returns_the_failed_result(tmp_path: Path) -> None:
    result = mkdocs(tmp_path, "build", check=False)
    assert result.returncode == 1
    assert "Config file 'mkdocs.yml' does not exist" in result.stderr


def test_a_failing_git_shows_its_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(AssertionError) as caught:
        git(tmp_path, "rev-parse", "HEAD")
    message = str(caught.value)
    assert "git rev-parse HEAD exited with status 128" in message
    assert "not a git repository" in message
