"""`mkdocs gh-deploy` publishes to gh-pages, tested against a local bare repository."""

from __future__ import annotations

from pathlib import Path

from sitehelpers import git, mkdocs, with_bare_remote

SLUG = "northwind-consolidation"




def test_gh_deploy_to_a_local_bare_repository(project: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    with_bare_remote(project, remote)

    mkdocs(project, "gh-deploy", "--force")

    published = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert ".nojekyll" in published
    assert f"{SLUG}/findings/hv-01/index.html" in published
    assert f"{SLUG}/exports/findings.json" in published
    assert not [p for p in published if p.endswith(".yaml")]
    message = git(remote, "log", "-1", "--format=%s", "gh-pages")
    assert "Deployed" in message
