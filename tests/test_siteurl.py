"""reviewgen.siteurl: the GitHub Pages address derived from a git remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewgen.siteurl import (
    NO_SITE_URL,
    default_site_url,
    git_remote_url,
    github_pages_url,
    github_repository,
    pages_url_of_remote,
)


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("https://github.com/acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        ("https://github.com/acme/reviews-site", "https://acme.github.io/reviews-site/"),
        ("https://github.com/acme/reviews-site/", "https://acme.github.io/reviews-site/"),
        ("https://github.com/acme/reviews-site.git/", "https://acme.github.io/reviews-site/"),
        ("  https://github.com/acme/reviews-site.git\n", "https://acme.github.io/reviews-site/"),
        ("http://github.com/acme/reviews-site", "https://acme.github.io/reviews-site/"),
        ("https://www.github.com/acme/reviews-site", "https://acme.github.io/reviews-site/"),
        ("https://GitHub.com/acme/reviews-site", "https://acme.github.io/reviews-site/"),
        ("git@github.com:acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        ("git@github.com:acme/reviews-site", "https://acme.github.io/reviews-site/"),
        ("github.com:acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        ("ssh://git@github.com/acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        ("ssh://git@github.com:22/acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        ("git://github.com/acme/reviews-site.git", "https://acme.github.io/reviews-site/"),
        # The owner is a host name, always lower case; the repository keeps its case.
        ("https://github.com/Acme-Corp/Reviews.Site", "https://acme-corp.github.io/Reviews.Site/"),
        # A user or organisation site is served at the root of its domain.
        ("https://github.com/acme/acme.github.io.git", "https://acme.github.io/"),
        ("git@github.com:Acme/ACME.GitHub.io.git", "https://acme.github.io/"),
        ("https://github.com/acme/other.github.io", "https://acme.github.io/other.github.io/"),
    ],
)
def test_github_remotes_give_their_pages_address(remote: str, expected: str) -> None:
    assert pages_url_of_remote(remote) == expected


@pytest.mark.parametrize(
    "remote",
    [
        "",
        "../remote.git",
        "/srv/git/reviews.git",
        "file:///srv/git/reviews.git",
        "C:/repos/reviews.git",
        "https://gitlab.com/acme/reviews-site.git",
        "https://github.example.com/acme/reviews-site.git",  # GitHub Enterprise
        "https://github.com.evil.example/acme/reviews-site.git",
        "https://evil.example/github.com/acme/reviews-site.git",
        "git@gitlab.com:acme/reviews-site.git",
        "https://github.com/acme",
        "https://github.com/acme/",
        "https://github.com/acme/reviews-site/tree/main",
        "https://github.com/acme/reviews-site?x=1",
        "https://github.com/acme/..",
        "https://github.com/-acme/reviews-site",
        "https://github.com/ac_me/reviews-site",
        "https://github.com/acme/reviews site",
        "https://github.com/acme/re%2Fviews",
        "https://[github.com/acme/reviews-site",
        "ftp://github.com/acme/reviews-site",
    ],
)
def test_other_remotes_give_nothing(remote: str) -> None:
    assert pages_url_of_remote(remote) is None


def test_credentials_in_the_remote_never_reach_the_address() -> None:
    remote = "https://x-access-token:ghs_secret@github.com/acme/reviews-site.git"
    assert github_repository(remote) == ("acme", "reviews-site")
    assert pages_url_of_remote(remote) == "https://acme.github.io/reviews-site/"


def test_pages_address() -> None:
    assert github_pages_url("acme", "reviews-site") == "https://acme.github.io/reviews-site/"
    assert github_pages_url("ACME", "acme.github.io") == "https://acme.github.io/"


def _repository(path: Path, origin: str | None) -> Path:
    path.mkdir()
    subprocess.run(["git", "init", "--quiet", str(path)], check=True)
    if origin is not None:
        subprocess.run(["git", "remote", "add", "origin", origin], cwd=path, check=True)
    return path


def test_remote_url_of_a_repository(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", "git@github.com:acme/reviews-site.git")
    assert git_remote_url("origin", repo) == "git@github.com:acme/reviews-site.git"
    assert git_remote_url("upstream", repo) is None
    assert git_remote_url("--help", repo) is None
    assert git_remote_url("", repo) is None


def test_no_remote_url_outside_a_repository_or_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    folder.mkdir()
    assert git_remote_url("origin", folder) is None
    repo = _repository(tmp_path / "repo", "https://github.com/acme/reviews-site.git")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert git_remote_url("origin", repo) is None


def test_default_site_url_only_for_gh_deploy(tmp_path: Path) -> None:
    github = _repository(tmp_path / "github", "https://github.com/acme/reviews-site.git")
    url, line = default_site_url("gh-deploy", "origin", github)
    assert url == "https://acme.github.io/reviews-site/"
    assert url in line and "SITE_URL" in line
    # A local build or preview is served from the root: nothing is derived.
    for command in ("build", "serve", None):
        assert default_site_url(command, "origin", github) == (None, NO_SITE_URL)

    local = _repository(tmp_path / "local", str(tmp_path / "remote.git"))
    assert default_site_url("gh-deploy", "origin", local) == (None, NO_SITE_URL)


def test_the_line_never_shows_the_remote(tmp_path: Path) -> None:
    remote = "https://x-access-token:ghs_secret@github.com/acme/reviews-site.git"
    repo = _repository(tmp_path / "repo", remote)
    url, line = default_site_url("gh-deploy", "origin", repo)
    assert url == "https://acme.github.io/reviews-site/"
    assert "ghs_secret" not in line and "x-access-token" not in line
