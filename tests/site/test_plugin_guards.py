"""What the plugin guarantees whatever mkdocs.yml says: review sources stay out of the
site, gh-deploy publishes only the reviews chosen for it, and no failure is a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError
from sitehelpers import git, mkdocs, with_bare_remote

from reviewgen.build import NotPublishable, build_site
from reviewgen.cli import main
from reviewgen.plugin import _reported

SLUG = "northwind-consolidation"
CLIENT = "acme-client"


def _drop_exclude_docs(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    start = text.index("exclude_docs:")
    end = text.index("\n", text.index("*", start))
    config.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    assert "exclude_docs" not in config.read_text(encoding="utf-8")


def test_review_sources_stay_out_of_the_site_without_exclude_docs(project: Path) -> None:
    _drop_exclude_docs(project)
    unreferenced = project / "reviews" / SLUG / "evidence" / "not-referenced.txt"
    unreferenced.write_text("nobody references this file\n", encoding="utf-8")
    mkdocs(project, "build", "--strict")
    site = project / "site"
    published = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    assert f"{SLUG}/findings/hv-01/index.html" in published
    assert not [p for p in published if p.endswith((".yaml", ".yml"))]
    assert f"{SLUG}/evidence/not-referenced.txt" not in published
    assert f"{SLUG}/evidence/hv-01-esxi-builds.txt" in published  # referenced: published


@pytest.fixture
def two_reviews(project: Path, tmp_path: Path) -> Path:
    """The example beside a client's review that is not marked publishable."""
    client = project / "reviews" / CLIENT
    shutil.copytree(project / "reviews" / SLUG, client)
    review = client / "review.yaml"
    text = review.read_text(encoding="utf-8").replace("  publishable: true\n", "")
    review.write_text(text.replace("public_slug: consolidation-review", "public_slug: acme"))
    return with_bare_remote(project, tmp_path / "remote.git")


def _published(remote: Path) -> set[str]:
    names = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    return {name.split("/")[0] for name in names if "/" in name}


def test_gh_deploy_refuses_to_guess_which_reviews_to_publish(
    two_reviews: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVIEWGEN_PUBLISH", raising=False)
    result = mkdocs(two_reviews, "gh-deploy", "--force", check=False)
    assert result.returncode != 0
    assert "none is chosen among acme-client, northwind-consolidation" in result.stderr
    assert "REVIEWGEN_PUBLISH=" in result.stderr
    assert "Traceback" not in result.stderr
    assert git(two_reviews.parent / "remote.git", "branch", "--list", "gh-pages") == ""


def test_gh_deploy_publishes_only_the_chosen_review(
    two_reviews: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEWGEN_PUBLISH", SLUG)
    mkdocs(two_reviews, "gh-deploy", "--force")
    published = _published(two_reviews.parent / "remote.git")
    assert SLUG in published
    assert CLIENT not in published and "acme" not in published


def test_the_publish_option_chooses_and_the_client_review_goes_out_redacted(
    two_reviews: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVIEWGEN_PUBLISH", raising=False)
    config = two_reviews / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    chosen = f"      reviews_dir: reviews\n      publish: [{CLIENT}]\n"
    config.write_text(text.replace("      reviews_dir: reviews\n", chosen), encoding="utf-8")
    refused = mkdocs(two_reviews, "gh-deploy", "--force", check=False)
    assert refused.returncode != 0 and "refuses to publish" in refused.stderr
    monkeypatch.setenv("REVIEWGEN_PROFILE", "public")
    mkdocs(two_reviews, "gh-deploy", "--force")
    assert _published(two_reviews.parent / "remote.git") == {"acme", "assets", "search"}


def test_the_site_can_go_to_a_separate_pages_repository(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build in the private repository, push only the site elsewhere (the workflow's way)."""
    monkeypatch.delenv("REVIEWGEN_PUBLISH", raising=False)
    with_bare_remote(project, tmp_path / "private.git")
    pages = tmp_path / "pages.git"
    git(tmp_path, "init", "--quiet", "--bare", str(pages))
    git(project, "remote", "add", "pages", str(pages))
    mkdocs(project, "gh-deploy", "--force", "--remote-name", "pages", "--remote-branch", "main")
    assert f"{SLUG}/index.html" in git(pages, "ls-tree", "-r", "--name-only", "main")
    assert git(tmp_path / "private.git", "branch", "--list", "gh-pages") == ""
    sources = git(pages, "ls-tree", "-r", "--name-only", "main")
    assert "review.yaml" not in sources and "mkdocs.yml" not in sources


# ----- no error is hidden -------------------------------------------------------------


def test_a_missing_template_is_named_with_what_to_do(project: Path) -> None:
    (project / "templates" / "cover.md.j2").unlink()
    result = mkdocs(project, "build", check=False)
    assert result.returncode != 0
    assert "template 'cover.md.j2' not found in" in result.stderr
    assert "restore it from reviewgen's templates/ folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_override_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_dir: Path
) -> None:
    overrides = tmp_path / "mine"
    overrides.mkdir()
    (overrides / "cover.md.j2").write_text("# Cover\n\n{% if %}\n", encoding="utf-8")
    status = main(["render", str(example_dir), "--out", str(tmp_path / "out"),
                   "--templates", str(overrides)])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert f"{overrides}/cover.md.j2:3:1: template syntax error: Expected an expression" in err
    assert "Traceback" not in err

    (overrides / "cover.md.j2").write_text("# Cover\n\n{{ 1 / 0 }}\n", encoding="utf-8")
    status = main(["render", str(example_dir), "--out", str(tmp_path / "out"),
                   "--templates", str(overrides)])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert f"{overrides}/cover.md.j2:3:1: template error (ZeroDivisionError" in err


def test_render_templates_override_file_by_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_dir: Path
) -> None:
    overrides = tmp_path / "mine"
    overrides.mkdir()
    (overrides / "cover.md.j2").write_text("# Our own cover for {{ meta.id }}\n", "utf-8")
    out = tmp_path / "out"
    status = main(["render", str(example_dir), "--out", str(out), "--templates", str(overrides)])
    assert status == 0, capsys.readouterr().err
    cover = (out / "docs" / SLUG / "index.md").read_text(encoding="utf-8")
    assert cover == "# Our own cover for VSR-2025-001\n"
    summary = (out / "docs" / SLUG / "executive-summary.md").read_text(encoding="utf-8")
    assert "# Executive summary" in summary  # the built-in template, not overridden


def test_any_failure_inside_the_plugin_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEWGEN_DEBUG", raising=False)
    with pytest.raises(PluginError) as raised, _reported():
        raise KeyError("surprise")
    assert str(raised.value) == (
        "reviewgen: internal error (KeyError: 'surprise'); set REVIEWGEN_DEBUG=1 for details"
    )
    assert raised.value.__suppress_context__
    monkeypatch.setenv("REVIEWGEN_DEBUG", "1")
    with pytest.raises(KeyError), _reported():
        raise KeyError("surprise")


def test_a_profile_that_redacts_nothing_does_not_unlock_publishing(example_copy: Path) -> None:
    review = example_copy / "review.yaml"
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace("  publishable: true\n", "  publishable: false\n"), "utf-8")
    with pytest.raises(NotPublishable):
        build_site([example_copy], profile="internal", publishing=True)
    assert build_site([example_copy], profile="public", publishing=True).pages
