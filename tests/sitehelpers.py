"""Helpers for whole-site tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mkdocs(
    project: Path, *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real mkdocs CLI of this environment in `project`."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def copy_project(target: Path) -> Path:
    """mkdocs.yml, templates/ and reviews/ of the repository, copied into `target`."""
    import shutil

    target.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copytree(ROOT / "reviews", target / "reviews")
    return target


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout


def with_bare_remote(project: Path, remote: Path) -> Path:
    """Make `project` a git repository whose `origin` is a new bare repository `remote`."""
    git(remote.parent, "init", "--quiet", "--bare", str(remote))
    git(project, "init", "--quiet", "-b", "main")
    git(project, "config", "user.name", "Review Bot")
    git(project, "config", "user.email", "bot@example.invalid")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "sources")
    git(project, "push", "--quiet", "origin", "main")
    return project


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, text: str = "", seconds: float = 90) -> str:
    """Poll `url` until its body contains `text`; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not served at {url} within {seconds} s")


@contextlib.contextmanager
def serving(project: Path) -> Iterator[str]:
    """`mkdocs serve` of `project` on a free port of 127.0.0.1; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with (project.parent / "serve.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
