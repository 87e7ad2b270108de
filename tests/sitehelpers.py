"""Helpers for whole-site tests.

The tests belong to the project, not to the user's data: `copy_project` copies the example
review `reviews/northwind-consolidation` and nothing else of `reviews/`, so a review of
one's own under `reviews/` (publishable or not, valid or not) never changes a test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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
EXAMPLE_SLUG = "northwind-consolidation"
"""The one review tests use: the committed example."""

TAIL = 3000
"""Characters of a failed command's stdout and stderr shown in the assertion message."""


def failure_report(result: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit status and the tails of its stdout and stderr."""
    command = " ".join(str(part) for part in result.args)
    return (
        f"{command} exited with status {result.returncode}\n"
        f"--- stdout (last {TAIL} characters) ---\n{(result.stdout or '')[-TAIL:]}\n"
        f"--- stderr (last {TAIL} characters) ---\n{(result.stderr or '')[-TAIL:]}"
    )


def mkdocs(
    project: Path, *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real mkdocs CLI of this environment in `project`.

    With `check`, a non-zero exit raises AssertionError carrying the tails of the
    command's stdout and stderr (mkdocs explains its refusals on stderr). `timeout` is a
    safety net that stops a hung run, not a speed criterion.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(failure_report(result))
    return result


def copy_project(target: Path, source: Path = ROOT) -> Path:
    """mkdocs.yml, templates/ and the example review of `source`, copied into `target`.

    Of `source`/reviews/ only the example, reviews/northwind-consolidation, is copied:
    whatever else sits there (the user's own reviews) is never part of a test.
    """
    target.mkdir(parents=True)
    shutil.copy(source / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(source / "templates", target / "templates")
    (target / "reviews").mkdir()
    shutil.copytree(source / "reviews" / EXAMPLE_SLUG, target / "reviews" / EXAMPLE_SLUG)
    return target


def git(cwd: Path, *args: str) -> str:
    """`git ARGS` in `cwd`; its stdout. A failure raises AssertionError with its stderr."""
    result = subprocess.run(["git", *args], cwd=cwd, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(failure_report(result))
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
