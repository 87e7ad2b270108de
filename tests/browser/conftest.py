"""Browser-test harness: headless Chromium (Debian package) driven by Playwright.

Fixtures
--------
chromium_path  (session)  -> str, path of the Chromium binary; skips locally
                             (fails when CI=true) if Chromium or Playwright
                             is missing.
example_site   (session)  -> pathlib.Path, the ``site/`` folder of one strict
                             build of the example review; read only.
serve_dir      (function) -> callable ``serve_dir(directory) -> base_url``;
                             base_url is ``http://127.0.0.1:PORT/``.
browser        (session)  -> playwright Browser (headless Chromium).
page_probe     (function) -> callable ``open(url, *, wait_until="networkidle",
                             **context_options) -> Probe``; the options go to
                             ``browser.new_context`` (viewport, color_scheme, ...).

Helper
------
screenshot(page, path, *, full_page=True) -> pathlib.Path
    A plain function here, also handed out by the fixture of the same name
    (``def test_x(screenshot): screenshot(probe.page, tmp_path / "x.png")``),
    so tests need not import conftest.
search(page, query) -> int
    Types *query* into Material's search box and waits until its results are
    shown; returns how many result items there are. Also a fixture.

Playwright's own browser download is never used: the Debian ``chromium``
package provides /usr/bin/chromium.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import pathlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Schemes that never leave the browser.
_NON_NETWORK_SCHEMES = frozenset(
    {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(message: str) -> None:
    if _in_ci():
        pytest.fail(f"{message} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        _unavailable(
            "Chromium not found at /usr/bin/chromium; install the Debian package "
            "chromium (the browser tests run in CI)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable(
            "Python package playwright not importable; pip install playwright "
            "(never 'playwright install': the Debian chromium is used; the "
            "browser tests run in CI)"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """One strict build of the example review, shared by the tests that only read it."""
    from sitehelpers import copy_project, mkdocs

    project = copy_project(tmp_path_factory.mktemp("example-site") / "project")
    mkdocs(project, "build", "--strict")
    return project / "site"


# --------------------------------------------------------------------------- #
# Static file server
# --------------------------------------------------------------------------- #


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve_dir() -> Iterator[Callable[[str | os.PathLike[str]], str]]:
    """Factory: ``serve_dir(path)`` serves *path* on 127.0.0.1 and returns the base URL.

    Each call starts its own server (port chosen by the OS); all are shut
    down at teardown.
    """
    servers: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []

    def _serve(directory: str | os.PathLike[str]) -> str:
        directory = pathlib.Path(directory).resolve()
        if not directory.is_dir():
            raise NotADirectoryError(str(directory))
        handler = functools.partial(_QuietHandler, directory=str(directory))
        # Port 0: the kernel picks a free port atomically at bind time.
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(
            target=server.serve_forever, name=f"serve_dir:{directory}", daemon=True
        )
        thread.start()
        servers.append((server, thread))
        host, port = server.server_address[:2]
        return f"http://{host}:{port}/"

    yield _serve

    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- #
# Browser
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield browser
        finally:
            browser.close()


def is_foreign(url: str) -> bool:
    """True when *url* would reach a host other than this machine's loopback."""
    parts = urlsplit(url)
    if parts.scheme in _NON_NETWORK_SCHEMES:
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def _local_only(route) -> None:
    if is_foreign(route.request.url):
        route.abort("blockedbyclient")
    else:
        route.continue_()


@dataclass
class Probe:
    """A page plus what it did: foreign requests, errors and dialogs."""

    page: Any
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """Assert no foreign request, console error, page error or dialog."""
        assert self.foreign_requests == [], f"requests to third parties: {self.foreign_requests}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs fired: {self.dialogs}"

    def goto(self, url: str, *, wait_until: str = "networkidle") -> None:
        self.page.goto(url, wait_until=wait_until)


@pytest.fixture
def page_probe(browser) -> Iterator[Callable[..., Probe]]:
    """Factory: ``open(url, *, wait_until="networkidle", **context_options) -> Probe``.

    Each call opens a fresh browser context (no shared cache or storage),
    records before navigating, then waits for network idle. Requests to any
    host but 127.0.0.1/localhost/::1 are recorded in ``foreign_requests`` and
    aborted, so no test traffic leaves the machine. Dialogs are recorded and
    dismissed. Contexts are closed at teardown.
    """
    contexts = []

    def _open(url: str, *, wait_until: str = "networkidle", **context_options: Any) -> Probe:
        context = browser.new_context(**context_options)
        contexts.append(context)
        # Never let a test reach past this machine: foreign requests are
        # recorded (the "request" event fires first) and then aborted.
        context.route("**/*", _local_only)
        page = context.new_page()
        probe = Probe(page=page)

        def on_request(request) -> None:
            if is_foreign(request.url):
                probe.foreign_requests.append(request.url)

        def on_console(message) -> None:
            if message.type == "error":
                loc = message.location or {}
                where = ""
                if loc.get("url"):
                    where = f" ({loc['url']}:{loc.get('lineNumber', '')})"
                probe.console_errors.append(f"{message.text}{where}")

        def on_dialog(dialog) -> None:
            probe.dialogs.append(f"{dialog.type}: {dialog.message}")
            with contextlib.suppress(Exception):  # already handled / page closed
                dialog.dismiss()

        def on_request_failed(request) -> None:
            probe.failed_requests.append(f"{request.url}: {request.failure}")

        page.on("request", on_request)
        page.on("console", on_console)
        page.on("pageerror", lambda error: probe.page_errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.on("requestfailed", on_request_failed)
        probe.goto(url, wait_until=wait_until)
        return probe

    yield _open

    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def screenshot(page, path: str | os.PathLike[str], *, full_page: bool = True) -> pathlib.Path:
    """Save a PNG screenshot of *page* at *path* (parent folders created)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(name="screenshot")
def _screenshot_fixture() -> Callable[..., pathlib.Path]:
    """The :func:`screenshot` helper, as a fixture."""
    return screenshot


# --------------------------------------------------------------------------- #
# Search
# --------------------------------------------------------------------------- #

SEARCH_WAIT_MS = 120_000
"""Safety limit for a search that never answers; not a speed criterion."""

_SEARCH_META = "document.querySelector('.md-search-result__meta')?.textContent.trim() ?? ''"


def search(page, query: str) -> int:
    """Search *page* for *query* with Material's search box; the number of result items.

    Waits for what the page shows, never for a fixed time: the search index loads in a
    web worker, as slowly as a loaded machine makes it. The box is emptied first and the
    query is entered at once (one query, not one per keystroke), so the first "matching"
    message after the empty-box placeholder is the answer to *query*.
    """
    box = page.locator(".md-search__input")
    box.click()
    box.fill("")
    box.press("End")  # Material reads the query on keyup
    page.wait_for_function(
        f"() => {_SEARCH_META} === 'Type to start searching'", timeout=SEARCH_WAIT_MS
    )
    box.fill(query)
    box.press("End")
    page.wait_for_function(
        f"() => /matching document/.test({_SEARCH_META})", timeout=SEARCH_WAIT_MS
    )
    return int(page.locator(".md-search-result__item").count())


@pytest.fixture(name="search")
def _search_fixture() -> Callable[..., int]:
    """The :func:`search` helper, as a fixture."""
    return search
