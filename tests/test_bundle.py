"""`reviewgen bundle`: the site of one review as a zip for a client, built by MkDocs.

What a browser does with it from `file://` is tested in tests/browser/test_bundle.py;
here: what the zip holds, that it is deterministic, that the public edition of a review
that names its client everywhere names no one, that only an earlier bundle is ever
replaced, and that failures are messages, not tracebacks.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from security.planted_review import KEPT, PLANTED, leaks, write_planted_review
from sitehelpers import EXAMPLE_SLUG, ROOT, copy_project, failure_report

from reviewgen.build import dump_mkdocs_config, read_mkdocs_config
from reviewgen.bundle import BUNDLE_MARKER, SHIM, bundle_config

EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC


def reviewgen(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line in `cwd`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reviewgen.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,  # a safety net against a hung build, not a speed criterion
    )


def bundled(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `reviewgen bundle ARGS`, which must succeed; its stdout."""
    result = reviewgen(cwd, "bundle", *args, env=env)
    assert result.returncode == 0, failure_report(result)
    return result.stdout


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def texts(archive: Path) -> dict[str, str]:
    """Every file of the zip, decoded: gzip undone, JSON unescaped, HTML entities resolved."""
    result = {}
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            data = zipped.read(name)
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            text = data.decode("utf-8", errors="replace")
            if name.endswith(".json"):
                text = json.dumps(json.loads(text), ensure_ascii=False)
            result[name] = html.unescape(text)
    return result


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(project, zip, stdout) of one bundle of the example, with SOURCE_DATE_EPOCH set."""
    project = copy_project(tmp_path_factory.mktemp("bundle") / "project")
    before = digest(project / "reviews")
    out = project.parent / "out" / "northwind.zip"
    stdout = bundled(project, "--out", str(out), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert digest(project / "reviews") == before, "the bundle changed reviews/"
    return project, out, stdout


def test_the_bundle_holds_the_site_with_file_urls(example: tuple[Path, Path, str]) -> None:
    _, out, stdout = example
    top = EXAMPLE_SLUG
    assert f"reviews/{EXAMPLE_SLUG}" in stdout and "unredacted edition" in stdout
    assert f"open {top}/index.html" in stdout
    with zipfile.ZipFile(out) as zipped:
        names = zipped.namelist()
        assert zipped.comment.startswith(BUNDLE_MARKER)
        home = zipped.read(f"{top}/index.html").decode()
        review = zipped.read(f"{top}/{EXAMPLE_SLUG}/index.html").decode()
    assert names == sorted(names) and all(n.startswith(f"{top}/") for n in names)
    # Pages are files, not folders: use_directory_urls is off.
    assert f"{top}/{EXAMPLE_SLUG}/findings/hv-01.html" in names
    assert not any(n.endswith("/executive-summary/index.html") for n in names)
    # The offline plugin's inlined search index and the vendored worker shim, with licence.
    assert {f"{top}/search/search_index.js", f"{top}/{SHIM}"} <= set(names)
    assert f"{top}/assets/javascripts/vendor/iframe-worker.LICENSE" in names
    assert f'src="{SHIM}"' in home and "unpkg.com" not in home
    assert f'href="{EXAMPLE_SLUG}/index.html"' in home
    assert 'href="executive-summary.html"' in review
    # Nothing of the review's sources.
    assert not any(n.endswith((".yaml", ".yml")) for n in names)


def test_every_entry_carries_the_fixed_time(example: tuple[Path, Path, str]) -> None:
    _, out, _ = example
    when = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC)
    expected = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(out) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {expected}


def test_two_bundles_are_byte_identical(example: tuple[Path, Path, str]) -> None:
    project, first, _ = example
    second = project.parent / "again" / first.name
    bundled(project, "--out", str(second), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert first.read_bytes() == second.read_bytes()


def test_without_source_date_epoch_entries_date_from_1980(
    example: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _, _ = example
    out = project.parent / "undated.zip"
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    bundled(project, "--out", str(out))
    with zipfile.ZipFile(out) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_an_earlier_bundle_is_replaced_and_anything_else_refused(
    example: tuple[Path, Path, str],
) -> None:
    project, earlier, _ = example
    target = project.parent / "replace" / "report.zip"
    target.parent.mkdir()
    target.write_bytes(earlier.read_bytes())
    bundled(project, "--out", str(target), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert target.read_bytes() == earlier.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.zip"], "temp file left"

    foreign_zip = project.parent / "replace" / "theirs.zip"
    with zipfile.ZipFile(foreign_zip, "w") as other:
        other.writestr("notes.txt", "the client's own zip")
    notes = project.parent / "replace" / "notes.zip"
    notes.write_text("not a zip at all\n", encoding="utf-8")
    folder = project.parent / "replace" / "folder.zip"
    folder.mkdir()
    for victim in (foreign_zip, notes, folder):
        before = digest(victim.parent)
        result = reviewgen(project, "bundle", "--out", str(victim))
        assert result.returncode == 2, failure_report(result)
        assert "refusing to replace" in result.stderr and "Traceback" not in result.stderr
        assert digest(victim.parent) == before


def test_never_writes_into_reviews(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    before = digest(project / "reviews")
    for out in ("reviews/site.zip", f"reviews/{EXAMPLE_SLUG}/site.zip"):
        result = reviewgen(project, "bundle", "--out", out)
        assert result.returncode == 2, failure_report(result)
        assert "refusing to write" in result.stderr
    assert digest(project / "reviews") == before


def test_the_only_review_is_taken_and_several_are_listed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    shutil.copytree(project / "reviews" / EXAMPLE_SLUG, project / "reviews" / "second-copy")
    result = reviewgen(project, "bundle", "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 2, failure_report(result)
    assert "holds 2 reviews" in result.stderr
    assert EXAMPLE_SLUG in result.stderr and "second-copy" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.zip").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    result = reviewgen(project, "bundle", str(empty), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 2 and "holds no review" in result.stderr


def test_a_broken_review_is_located_without_a_traceback(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    finding = project / "reviews" / EXAMPLE_SLUG / "findings" / "HV-01.yaml"
    text = finding.read_text(encoding="utf-8")
    assert "category: hypervisor" in text
    finding.write_text(text.replace("category: hypervisor", "category: hypervisr"), "utf-8")
    out = tmp_path / "broken.zip"
    result = reviewgen(project, "bundle", "--out", str(out))
    assert result.returncode == 1, failure_report(result)
    assert f"reviews/{EXAMPLE_SLUG}/findings/HV-01.yaml:" in result.stderr
    assert "hypervisr" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["project"], "a temporary file was left"


def test_a_failing_mkdocs_build_shows_its_located_messages(tmp_path: Path) -> None:
    """A template error surfaces only in the MkDocs build; it is shown where it is."""
    project = copy_project(tmp_path / "project")
    cover = project / "templates" / "cover.md.j2"
    lines = cover.read_text(encoding="utf-8").splitlines(keepends=True)
    cover.write_text("".join([*lines[:5], "{% if %}\n", *lines[5:]]), encoding="utf-8")
    out = tmp_path / "x.zip"
    result = reviewgen(project, "bundle", "--out", str(out))
    assert result.returncode == 1, failure_report(result)
    assert "templates/cover.md.j2:6:1: template syntax error" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_failing_mkdocs_build_without_a_location_shows_its_errors(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("name: material", "name: no-such-theme", 1), "utf-8")
    result = reviewgen(project, "bundle", "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1, failure_report(result)
    assert "the MkDocs build of the bundle failed" in result.stderr
    assert "no-such-theme" in result.stderr and "Traceback" not in result.stderr


PROJECT_YML = """\
site_name: Reviews
site_url: !ENV SITE_URL
use_directory_urls: true
exclude_docs: "*"
theme: material
extra:
  analytics: !ENV [ANALYTICS_KEY, none]
  polyfills: [https://unpkg.com/iframe-worker/shim]
plugins:
  - search
  - reviewgen:
      reviews_dir: reviews
      publish: [other]
      profile: internal
"""


def test_the_config_derives_from_mkdocs_yml_for_one_review_and_edition(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(PROJECT_YML, encoding="utf-8")
    project = read_mkdocs_config(tmp_path / "mkdocs.yml")
    review = tmp_path / "elsewhere" / "acme"
    docs, site = tmp_path / "work" / "docs", tmp_path / "work" / "site"
    config = bundle_config(project, tmp_path, review, "public", docs, site)
    assert "site_url" not in config and "exclude_docs" not in config
    assert config["use_directory_urls"] is False and config["strict"] is True
    assert (config["docs_dir"], config["site_dir"]) == (str(docs), str(site))
    assert config["theme"] == {"name": "material"}
    assert config["extra"]["polyfills"] == [SHIM]  # never the CDN's shim
    assert config["plugins"][0] == "search" and config["plugins"][-1] == "offline"
    options = config["plugins"][1]["reviewgen"]
    assert options == {
        "reviews_dir": str(review.parent.resolve()),
        "templates_dir": str((tmp_path / "templates").resolve()),
        "include": ["acme"],
        "profile": "public",
    }
    # Tagged values are written back under their tags, not evaluated.
    text = dump_mkdocs_config(config)
    assert "analytics: !ENV" in text and "SITE_URL" not in text
    assert "profile" not in str(bundle_config(project, tmp_path, review, None, docs, site))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding only the review that names its client everywhere."""
    project = tmp_path_factory.mktemp("planted") / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", project / "templates")
    write_planted_review(project / "reviews")
    return project


def test_the_public_bundle_names_no_one(planted: Path) -> None:
    out = planted.parent / "public.zip"
    stdout = bundled(planted, "--profile", "public", "--out", str(out))
    assert "public edition" in stdout and "TLP:CLEAR" in stdout
    published = texts(out)
    assert "hospital-review/hospital-review/findings/hv-01.html" in published
    assert "hospital-review/search/search_index.js" in published
    assert leaks(published) == []
    everything = "\n".join(published.values())
    assert all(kept in everything for kept in KEPT)


def test_the_unredacted_bundle_of_the_same_review_does_name_them(planted: Path) -> None:
    """The control for the test above: the search finds what is there."""
    out = planted.parent / "unredacted.zip"
    bundled(planted, "--out", str(out))
    everything = "\n".join(texts(out).values()).lower()
    assert all(word.lower() in everything for word in PLANTED)
