"""`mkdocs gh-deploy` publishes to gh-pages, tested against a local bare repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sitehelpers import mkdocs

SLUG = "northwind-consolidation"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                            text=True)
    return result.stdout


def test_gh_deploy_to_a_local_bare_repository(project: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(project, "init", "--quiet", "-b", "main")
    git(project, "config", "user.name", "Review Bot")
    git(project, "config", "user.email", "bot@example.invalid")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "sources")
    git(project, "push", "--quiet", "origin", "main")

    mkdocs(project, "gh-deploy", "--force")

    published = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert ".nojekyll" in published
    assert f"{SLUG}/findings/hv-01/index.html" in published
    assert f"{SLUG}/exports/findings.json" in published
    assert not [p for p in published if p.endswith(".yaml")]
    message = git(remote, "log", "-1", "--format=%s", "gh-pages")
    assert "Deployed" in message
