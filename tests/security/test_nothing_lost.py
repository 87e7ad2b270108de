"""Nothing is lost: no command changes reviews/, outputs are replaced atomically, builds repeat.

* Every command (reviewgen check, compare, cvss, schema, render, new; mkdocs build, serve,
  gh-deploy), succeeding or failing, leaves the project's reviews/ exactly as it was:
  same files, bytes, modes and symlink targets. `reviewgen new` may only add the one file
  it reports (that it never overwrites is tested in tests/test_cli.py).
* `render --out` into reviews/ (or a folder holding it) is refused with status 2 and writes
  nothing; a failing render leaves an existing output folder intact, a successful one
  replaces it, and neither leaves staging folders behind.
* With SOURCE_DATE_EPOCH set, two `mkdocs build` runs give byte-identical sites, and two
  `reviewgen render` runs byte-identical folders.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitehelpers import copy_project, mkdocs, serving, wait_for

from reviewgen.cli import main

SLUG = "northwind-consolidation"
Digest = dict[str, tuple[str, ...]]


def digest(root: Path) -> Digest:
    """Every entry under `root`: kind, permission bits, and content hash or link target."""
    result: Digest = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            info = path.lstat()
            mode = oct(stat.S_IMODE(info.st_mode))
            key = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                result[key] = ("link", mode, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                result[key] = ("dir", mode)
            else:
                result[key] = ("file", mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return result


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def serve_once(project: Path) -> None:
    """Start `mkdocs serve`, wait until it serves the first build, stop it."""
    with serving(project) as url:
        wait_for(f"{url}/{SLUG}/", seconds=60)


@dataclass
class Projects:
    good: Path
    broken: Path
    scratch: Path


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Projects:
    root = tmp_path_factory.mktemp("nothing-lost")
    good = copy_project(root / "good")
    review = good / "reviews" / SLUG
    # A symlink and an unusual mode, so that the digest covers both.
    (review / "evidence" / "builds-link.txt").symlink_to("hv-01-esxi-builds.txt")
    (review / "evidence" / "is-01-nfs-exports.txt").chmod(0o640)
    broken = copy_project(root / "broken")
    finding = broken / "reviews" / SLUG / "findings" / "HV-01.yaml"
    text = finding.read_text(encoding="utf-8")
    finding.write_text(text.replace("category: hypervisor", "category: hypervsor"), "utf-8")
    git(good, "init", "--quiet", "-b", "main")
    git(good, "config", "user.name", "Review Bot")
    git(good, "config", "user.email", "bot@example.invalid")
    git(root, "init", "--quiet", "--bare", str(root / "remote.git"))
    git(good, "remote", "add", "origin", str(root / "remote.git"))
    git(good, "add", ".")
    git(good, "commit", "--quiet", "-m", "sources")
    return Projects(good, broken, root / "scratch")


def cli(*args: str) -> Callable[[Projects], int]:
    def run(p: Projects) -> int:
        return main([a.format(scratch=p.scratch, slug=SLUG) for a in args])

    return run


def via_mkdocs(*args: str) -> Callable[[Projects], int]:
    def run(p: Projects) -> int:
        return 0 if mkdocs(Path.cwd(), *args, check=False).returncode == 0 else 1

    return run


def serve(p: Projects) -> int:
    serve_once(Path.cwd())
    return 0


@dataclass(frozen=True)
class Command:
    project: str
    run: Callable[[Projects], int]
    status: int
    adds: str | None = None
    """The one file (relative to reviews/) a successful `new` creates."""


COMMANDS = {
    "check-ok": Command("good", cli("check"), 0),
    "check-failing": Command("broken", cli("check"), 1),
    "compare-text": Command("good", cli("compare", f"reviews/{SLUG}"), 0),
    "compare-json": Command("good", cli("compare", f"reviews/{SLUG}", "--format", "json"), 0),
    "compare-failing": Command("broken", cli("compare", f"reviews/{SLUG}"), 1),
    "cvss": Command("good", cli("cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 0),
    "schema-review": Command("good", cli("schema", "review"), 0),
    "schema-finding": Command("good", cli("schema", "finding"), 0),
    "render-ok": Command("good", cli("render", "--out", "{scratch}/render-ok"), 0),
    "render-failing": Command("broken", cli("render", "--out", "{scratch}/render-bad"), 1),
    "render-into-a-review": Command("good", cli("render", "--out", f"reviews/{SLUG}/out"), 2),
    "render-onto-reviews": Command("good", cli("render", "--out", "reviews"), 2),
    "render-beside-reviews": Command("good", cli("render", "--out", "reviews/site-copy"), 2),
    "render-onto-the-project": Command("good", cli("render", "--out", "."), 2),
    "new-review": Command(
        "good", cli("new", "review", "reviews/brand-new"), 0, "brand-new/review.yaml"
    ),
    "new-finding": Command(
        "good",
        cli("new", "finding", f"reviews/{SLUG}", "--id", "ZZ-99", "--title", "New"),
        0,
        f"{SLUG}/findings/ZZ-99.yaml",
    ),
    "new-review-refused": Command("good", cli("new", "review", f"reviews/{SLUG}"), 1),
    "new-finding-refused": Command(
        "good", cli("new", "finding", f"reviews/{SLUG}", "--id", "HV-01", "--title", "X"), 1
    ),
    "mkdocs-build": Command("good", via_mkdocs("build", "--strict"), 0),
    "mkdocs-build-failing": Command("broken", via_mkdocs("build", "--strict"), 1),
    "mkdocs-serve": Command("good", serve, 0),
    "gh-deploy": Command("good", via_mkdocs("gh-deploy", "--force"), 0),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_command_changes_reviews(
    name: str,
    projects: Projects,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = COMMANDS[name]
    project: Path = getattr(projects, command.project)
    reviews = project / "reviews"
    monkeypatch.chdir(project)
    monkeypatch.delenv("REVIEWGEN_PROFILE", raising=False)
    before = digest(reviews)
    outside_before = set(os.listdir(project))
    status = command.run(projects)
    err = capsys.readouterr().err
    after = digest(reviews)
    assert status == command.status, err
    assert "Traceback" not in err
    if command.adds and status == 0:
        added = {k: v for k, v in after.items() if k not in before}
        assert set(added) - {str(Path(command.adds).parent)} == {command.adds}
        assert {k: v for k, v in after.items() if k in before} == before
        created = reviews / command.adds
        created.unlink()
        if created.parent != reviews / SLUG / "findings":
            created.parent.rmdir()
    else:
        assert after == before
    if command.status == 2:
        assert err.startswith("reviewgen: refusing to write to ")
        new_entries = set(os.listdir(project)) - outside_before
        assert new_entries == set(), new_entries


# ----- atomic output folders ---------------------------------------------------------


def leftovers(folder: Path, name: str) -> list[str]:
    return [p for p in os.listdir(folder) if p.startswith(f".{name}.")]


def test_a_failing_render_keeps_the_old_output(
    projects: Projects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker.txt").write_text("the previous output\n", encoding="utf-8")
    before = digest(out)
    monkeypatch.chdir(projects.broken)
    assert main(["render", "--out", str(out)]) == 1
    assert digest(out) == before
    assert leftovers(tmp_path, "out") == []


def test_a_successful_render_replaces_the_old_output(
    projects: Projects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.chdir(projects.good)
    assert main(["render", "--out", str(out)]) == 0
    (out / "marker.txt").write_text("the previous output\n", encoding="utf-8")
    (out / "docs" / "stale.md").write_text("# stale\n", encoding="utf-8")
    assert main(["render", "--out", str(out)]) == 0
    assert not (out / "marker.txt").exists()
    assert not (out / "docs" / "stale.md").exists()
    assert (out / "mkdocs.yml").is_file()
    assert (out / "docs" / SLUG / "findings" / "hv-01.md").is_file()
    assert leftovers(tmp_path, "out") == []


def test_render_never_replaces_a_folder_it_did_not_write(
    projects: Projects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("a user's own file\n", encoding="utf-8")
    before = digest(out)
    monkeypatch.chdir(projects.good)
    assert main(["render", "--out", str(out)]) == 2
    assert digest(out) == before
    assert leftovers(tmp_path, "precious") == []


# ----- determinism -------------------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = copy_project(tmp_path / "project")
    mkdocs(project, "build", "--strict")
    first = tree_bytes(project / "site")
    shutil.rmtree(project / "site")
    time.sleep(1.1)  # a timestamp taken from the clock would now differ
    mkdocs(project, "build", "--strict")
    second = tree_bytes(project / "site")
    assert sorted(first) == sorted(second)
    differing = [path for path in first if first[path] != second[path]]
    assert differing == []
    assert "sitemap.xml.gz" in first


def test_two_renders_are_byte_identical(
    projects: Projects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(projects.good)
    assert main(["render", "--out", str(tmp_path / "one")]) == 0
    time.sleep(1.1)
    assert main(["render", "--out", str(tmp_path / "two")]) == 0
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert sorted(one) == sorted(two)
    assert [path for path in one if one[path] != two[path]] == []
