"""Evidence paths stay inside the review folder; a build publishes nothing from outside it.

`evidence_files` entries that leave the review (`..`, absolute, drive letters, a symlinked
file or folder pointing outside) fail `reviewgen check` with a located message, and a
successful `mkdocs build` publishes exactly the referenced evidence files, byte for byte,
and nothing else: a marker string in files outside the review appears in no built file.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from reviewbuilder import asset, build_review, finding, step
from sitehelpers import copy_project, mkdocs

from reviewgen.cli import main
from reviewgen.yamlsource import read_yaml

MARKER = "OutsideTheReview7f3a9c"  # letters and digits: no character gets escaped
SLUG = "paths-review"


def evidence_finding(paths: list[str]) -> dict[str, Any]:
    data = finding("EV-01", step("S1", "internet", "foothold", "web"))
    data["evidence_files"] = [{"path": p, "caption": f"file {i}"} for i, p in enumerate(paths)]
    return data


def make_review(root: Path, paths: list[str]) -> Path:
    return build_review(root, assets=[asset("web")], findings=[evidence_finding(paths)])


def outside_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "secret.txt"
    target.write_text(f"{MARKER}\n", encoding="utf-8")
    return target


def path_locations(finding_file: Path) -> dict[str, tuple[int, int]]:
    """Line and column of each evidence `path:` value, read independently of the check."""
    doc = read_yaml(finding_file)
    return {
        entry["path"]: doc.values[("evidence_files", i, "path")]
        for i, entry in enumerate(doc.data["evidence_files"])
    }


BAD_PATHS = {
    "../x.txt": "evidence paths may not leave the review folder ('..')",
    "evidence/../../x.txt": "evidence paths may not leave the review folder ('..')",
    "/etc/passwd": "evidence paths are relative to the review folder",
    "C:\\x.txt": "evidence paths are relative to the review folder",
    "\\\\server\\share\\x.txt": "evidence paths are relative to the review folder",
    "evidence/link-out.txt": "evidence path leaves the review folder through a link",
    "evidence/linked-dir/secret.txt": "evidence path leaves the review folder through a link",
}


def test_paths_leaving_the_review_are_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    review = make_review(tmp_path / "review", list(BAD_PATHS))
    secret = outside_file(tmp_path / "outside")
    (review / "evidence").mkdir()
    (review / "evidence" / "link-out.txt").symlink_to(secret)
    (review / "evidence" / "linked-dir").symlink_to(secret.parent, target_is_directory=True)
    monkeypatch.chdir(tmp_path)

    assert main(["check", "review"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and MARKER not in err
    where = path_locations(review / "findings" / "EV-01.yaml")
    assert set(where) == set(BAD_PATHS)
    for value, message in BAD_PATHS.items():
        line, column = where[value]
        assert f"review/findings/EV-01.yaml:{line}:{column}: {message}\n" in err, (value, err)
    assert err.splitlines()[-1] == f"{len(BAD_PATHS)} problems found"


def test_a_build_with_a_link_out_of_the_review_fails_and_publishes_nothing(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / "reviews")
    review = make_review(project / "reviews" / SLUG, ["evidence/link-out.txt"])
    (review / "evidence").mkdir()
    (review / "evidence" / "link-out.txt").symlink_to(outside_file(tmp_path / "outside"))
    result = mkdocs(project, "build", "--strict", check=False)
    assert result.returncode != 0
    assert "evidence path leaves the review folder through a link" in result.stderr
    site = project / "site"
    for path in site.rglob("*") if site.exists() else []:
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path


def test_a_build_publishes_exactly_the_referenced_evidence(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / "reviews")
    referenced = ["evidence/a.txt", "evidence/sub/b.log", "evidence/inside-link.txt"]
    review = make_review(project / "reviews" / SLUG, referenced)
    evidence = review / "evidence"
    (evidence / "sub").mkdir(parents=True)
    (evidence / "a.txt").write_text("evidence a\n", encoding="utf-8")
    (evidence / "sub" / "b.log").write_bytes(b"evidence b\x00\xff binary tail\n")
    (evidence / "inside-link.txt").symlink_to("a.txt")  # a link that stays inside: allowed
    (evidence / "unreferenced.txt").write_text(f"not referenced {MARKER}\n", encoding="utf-8")
    # Marker files all around the review: next to mkdocs.yml, in reviews/, beside reviews/.
    (project / "outside.txt").write_text(MARKER, encoding="utf-8")
    (project / "reviews" / "stray.txt").write_text(MARKER, encoding="utf-8")
    outside_file(tmp_path / "elsewhere")
    (review / "notes-link.txt").symlink_to(tmp_path / "elsewhere" / "secret.txt")

    mkdocs(project, "build", "--strict")

    site = project / "site"
    published = {
        p.relative_to(site / SLUG).as_posix(): p
        for p in (site / SLUG / "evidence").rglob("*")
        if p.is_file()
    }
    assert set(published) == set(referenced)
    for relative, path in published.items():
        assert not path.is_symlink()
        assert path.read_bytes() == (review / relative).resolve().read_bytes(), relative
    for path in site.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    assert not any(p.suffix in (".yaml", ".yml") for p in site.rglob("*")), "YAML published"


LINKED_FINDING = (
    "load.py reads findings/*.yaml (and review.yaml) through symlinks without checking that "
    "they resolve inside the review folder, so text from a file outside the review is "
    "published; only evidence_files get the 'leaves the review folder through a link' check"
)


def test_a_finding_file_linked_from_outside_the_review_is_not_published(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / "reviews")
    review = make_review(project / "reviews" / SLUG, [])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    text = (review / "findings" / "EV-01.yaml").read_text(encoding="utf-8")
    text = text.replace("EV-01", "EV-02").replace("S1", "S2")
    text = text.replace("description: Test data.", f"description: {MARKER}")
    (elsewhere / "EV-02.yaml").write_text(text, encoding="utf-8")
    (review / "findings" / "EV-02.yaml").symlink_to(elsewhere / "EV-02.yaml")
    result = mkdocs(project, "build", "--strict", check=False)
    site = project / "site"
    leaked = (
        [p for p in site.rglob("*") if p.is_file() and MARKER.encode() in p.read_bytes()]
        if result.returncode == 0
        else []
    )
    assert leaked == []
