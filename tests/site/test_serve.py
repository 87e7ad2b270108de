"""`mkdocs serve` on 127.0.0.1 rebuilds when a review or a template changes."""

from __future__ import annotations

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

import pytest

SLUG = "northwind-consolidation"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, text: str, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    body = None
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not served at {url} within {seconds} s")


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with (project.parent / "serve.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project, env=env, stdout=log, stderr=log, start_new_session=True,
        )
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_editing_a_finding_title_is_served(project: Path, server: str, edit) -> None:
    page = f"{server}/{SLUG}/findings/hv-01/"
    _wait_for(page, "HV-01")
    finding = project / "reviews" / SLUG / "findings" / "HV-01.yaml"
    edit(finding, 'title: "ESXi hosts', 'title: "Freshly edited title: ESXi hosts')
    body = _wait_for(page, "Freshly edited title")
    assert "HV-01" in body


def test_editing_a_template_is_served(project: Path, server: str, edit) -> None:
    page = f"{server}/{SLUG}/"
    _wait_for(page, "Background")
    edit(project / "templates" / "cover.md.j2", "## Background", "## Background of the review")
    _wait_for(page, "Background of the review")
