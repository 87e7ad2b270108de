"""The address the site is published at, for MkDocs' `site_url`.

MkDocs needs `site_url` for two things a GitHub project site (served at `/<repository>/`)
depends on: the 404 page, served at any unknown path, links to the site's root by the
path of `site_url`; and sitemap.xml is empty without it. mkdocs.yml reads it from the
SITE_URL variable. When it is not set, `mkdocs gh-deploy` (which publishes to the GitHub
Pages of the repository it pushes to) derives it from the GitHub remote:

    https://github.com/OWNER/REPO(.git), git@github.com:OWNER/REPO.git, ssh://...
        -> https://owner.github.io/REPO/
    OWNER/OWNER.github.io (a user or organisation site) -> https://owner.github.io/

A custom domain cannot be seen from the remote: set SITE_URL for one.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
"""A GitHub user or organisation name."""
REPOSITORY = re.compile(r"[A-Za-z0-9._-]{1,100}")
"""A GitHub repository name."""
SCP_LIKE = re.compile(r"(?:[^@/:]+@)?(?P<host>[^@/:]+):(?P<path>.*)")
"""git's scp-like syntax, `[user@]host:path` (git@github.com:OWNER/REPO.git)."""
URL_SCHEMES = frozenset({"https", "http", "ssh", "git", "git+ssh", "ssh+git"})

NO_SITE_URL = (
    "site_url is not set (set SITE_URL): sitemap.xml is empty and the 404 page "
    "works only when the site is served at the root of its domain"
)


def github_repository(remote_url: str) -> tuple[str, str] | None:
    """(owner, repository) of a github.com remote URL; None for anything else."""
    remote_url = remote_url.strip()
    if "://" in remote_url:
        try:
            parts = urlsplit(remote_url)
            host = parts.hostname
        except ValueError:  # a malformed port or address
            return None
        if parts.scheme.lower() not in URL_SCHEMES or parts.query or parts.fragment:
            return None
        path = parts.path
    else:
        match = SCP_LIKE.fullmatch(remote_url)
        if match is None:
            return None
        host, path = match["host"], match["path"]
    if host is None or host.lower() not in GITHUB_HOSTS:
        return None
    path = path.strip("/")
    path = path.removesuffix(".git")
    owner, _, repository = path.partition("/")
    if not OWNER.fullmatch(owner) or not REPOSITORY.fullmatch(repository):
        return None
    if repository in (".", ".."):
        return None
    return owner, repository


def github_pages_url(owner: str, repository: str) -> str:
    """The GitHub Pages address of a repository (without a custom domain)."""
    host = f"{owner.lower()}.github.io"
    if repository.lower() == host:
        return f"https://{host}/"
    return f"https://{host}/{repository}/"


def pages_url_of_remote(remote_url: str) -> str | None:
    """The GitHub Pages address for a remote URL; None when it is not on github.com."""
    repository = github_repository(remote_url)
    return github_pages_url(*repository) if repository else None


def git_remote_url(name: str = "origin", cwd: Path | None = None) -> str | None:
    """The URL of the git remote `name` of the repository at `cwd` (default: the current
    folder, where `mkdocs gh-deploy` pushes from); None without git, a repository or
    that remote."""
    if not name or name.startswith("-"):
        return None
    try:
        result = subprocess.run(
            ["git", "remote", "get-url", name],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    url = result.stdout.strip()
    return url if result.returncode == 0 and url else None


def default_site_url(
    command: str | None, remote_name: str = "origin", cwd: Path | None = None
) -> tuple[str | None, str]:
    """The site_url to use when mkdocs.yml gives none, and a line that says so.

    Only `gh-deploy` derives one (from the GitHub remote it pushes to); a local build or
    preview keeps serving from the root. The line never shows the remote URL, which may
    hold a token.
    """
    if command == "gh-deploy":
        remote_url = git_remote_url(remote_name, cwd)
        url = pages_url_of_remote(remote_url) if remote_url else None
        if url is not None:
            return url, (
                f"site_url is {url}, the GitHub Pages address of the remote "
                f"'{remote_name}' (set SITE_URL for a custom domain)"
            )
    return None, NO_SITE_URL
