"""Classification and publishing: unpublishable reviews are never pushed as they are.

`mkdocs gh-deploy` of the example (publishable: true) is tested in
tests/site/test_gh_deploy.py. Here the example is marked `publishable: false`: gh-deploy to
a local bare repository is refused (nothing reaches gh-pages) unless the `public` redaction
profile is chosen, and the edition then published, like `reviewgen render --profile public`,
holds no reviewer name, listed host name, IPv4 address or CIDR, client name or evidence.
"""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import pytest
import yaml
from sitehelpers import ROOT, copy_project, git, mkdocs, with_bare_remote

from reviewgen.cli import main

SLUG = "northwind-consolidation"
PUBLIC_SLUG = "consolidation-review"  # redaction.public_slug of the example
EXAMPLE = ROOT / "reviews" / SLUG
FORBIDDEN = [
    *("A. Example", "B. Sample", "esx01", "esx02", "vcsa01", "nfs01", "Northwind"),
    *(SLUG, "VSR-2025-001", "Confidential - example data"),
]
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\d.])")
TAG = re.compile(r"<[^>]*>")


def normal(text: str) -> str:
    return " ".join(text.split())


def evidence_texts() -> list[str]:
    """Evidence of the example as it would read if it were published, redaction or not.

    Each finding's `evidence` field, and every line of 30 characters or more of the
    evidence files, leaving out text that redaction would change (names, addresses).
    """
    texts = []
    for path in sorted((EXAMPLE / "findings").glob("*.yaml")):
        evidence = yaml.safe_load(path.read_text(encoding="utf-8")).get("evidence")
        if evidence:
            texts.append(normal(evidence))
    for path in sorted((EXAMPLE / "evidence").glob("*")):
        texts += [normal(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        t
        for t in texts
        if len(t) >= 30 and not IPV4.search(t) and not any(word in t for word in FORBIDDEN)
    ]


def leaks(root: Path) -> list[str]:
    """Everything under `root` (a published tree) that should have been redacted."""
    evidence = evidence_texts()
    assert len(evidence) >= 20
    found = []
    files = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert len(files) > 30
    for path in files:
        relative = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = html.unescape(data.decode("utf-8", errors="replace"))
        found += [f"{relative}: {word!r}" for word in FORBIDDEN if word in text]
        folders = relative.split("/")[:-1]
        if any(
            f == "evidence" and folders[i - 1 : i] != ["appendices"] for i, f in enumerate(folders)
        ):
            found.append(f"{relative}: an evidence file")
        if relative.startswith(("assets/", "docs/assets/")):
            continue  # the theme's and our own static files: no review data
        if relative.endswith("search_index.json"):
            # The search index runs table cells together ("3.1" "3.2" -> "3.13.2"), so it is
            # no place to look for addresses; its pages are checked one text node at a time.
            continue
        visible = TAG.sub(" ", text) if path.suffix in (".html", ".md") else text
        found += [f"{relative}: address {m.group()!r}" for m in IPV4.finditer(visible)]
        flat = normal(visible)
        found += [f"{relative}: evidence {e[:50]!r}" for e in evidence if e in flat]
        if 'class="rg-evidence"' in text:
            found.append(f"{relative}: an evidence block")
    return found


@pytest.fixture
def unpublishable(tmp_path: Path) -> Path:
    """A git project of the example marked publishable: false, with a bare remote."""
    project = copy_project(tmp_path / "project")
    review = project / "reviews" / SLUG / "review.yaml"
    text = review.read_text(encoding="utf-8")
    assert "  publishable: true\n" in text
    review.write_text(text.replace("  publishable: true\n", "  publishable: false\n"), "utf-8")
    return with_bare_remote(project, tmp_path / "remote.git")


def test_the_raw_example_would_leak(tmp_path: Path) -> None:
    """The scanner finds what redaction must remove when there is no redaction."""
    out = tmp_path / "raw"
    config = str(ROOT / "mkdocs.yml")
    assert main(["render", str(EXAMPLE), "--out", str(out), "--config", config]) == 0
    found = "\n".join(leaks(out))
    for word in [*FORBIDDEN, "address", "evidence"]:
        assert word in found, word


def test_gh_deploy_refuses_an_unpublishable_review(
    unpublishable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVIEWGEN_PROFILE", raising=False)
    result = mkdocs(unpublishable, "gh-deploy", "--force", check=False)
    assert result.returncode != 0
    assert "refuses to publish" in result.stderr
    assert "REVIEWGEN_PROFILE=public" in result.stderr
    assert f"{SLUG} (classified 'Confidential - example data')" in result.stderr
    remote = unpublishable.parent / "remote.git"
    assert git(remote, "branch", "--list", "gh-pages") == ""
    assert "gh-pages" not in git(unpublishable, "branch", "--list", "--all")


def test_gh_deploy_with_the_public_profile_publishes_a_redacted_edition(
    unpublishable: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REVIEWGEN_PROFILE", "public")
    mkdocs(unpublishable, "gh-deploy", "--force")
    published = tmp_path / "published"
    git(tmp_path, "clone", "--quiet", "--branch", "gh-pages", str(tmp_path / "remote.git"),
        str(published))  # fmt: skip
    assert (published / PUBLIC_SLUG / "findings" / "hv-01" / "index.html").is_file()
    assert (published / PUBLIC_SLUG / "exports" / "findings.json").is_file()
    assert leaks(published) == []
    hv01 = published / PUBLIC_SLUG / "findings" / "hv-01" / "index.html"
    hv01 = hv01.read_text(encoding="utf-8")
    assert "Evidence is withheld in this edition" in hv01  # said, not silently dropped
    assert "host-1" in hv01


def test_render_with_the_public_profile_is_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "public"
    args = ["render", str(EXAMPLE), "--out", str(out), "--profile", "public"]
    assert main([*args, "--config", str(ROOT / "mkdocs.yml")]) == 0
    assert capsys.readouterr().err == ""
    assert (out / "mkdocs.yml").is_file()
    assert (out / "docs" / PUBLIC_SLUG / "findings" / "hv-01.md").is_file()
    assert leaks(out) == []


def test_an_unknown_profile_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    status = main(["render", str(EXAMPLE), "--out", str(out), "--profile", "secret-squirrel"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == (
        "reviewgen: unknown redaction profile 'secret-squirrel'; choose one of internal, public\n"
    )
    assert not out.exists()

    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("REVIEWGEN_PROFILE", "secret-squirrel")
    result = mkdocs(project, "build", check=False)
    assert result.returncode != 0
    assert "unknown redaction profile 'secret-squirrel'" in result.stderr
    assert "Traceback" not in result.stderr
