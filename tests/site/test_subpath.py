"""The site works when served under a sub-path, as a GitHub project site is (`/<repo>/`).

The example is built with SITE_URL=http://127.0.0.1:<port>/reviews-site/ and its `site/`
folder served under `/reviews-site/` by a small threaded HTTP server on 127.0.0.1 that,
like GitHub Pages, answers an unknown path with 404.html (status 404) and lists no
folders. Every link (href and src of a, link, script and img) of every page, the 404 page
fetched at a deep unknown path included, and the URLs Material's JavaScript derives from
the page's `__config` (search worker and search index), must answer 200 directly, without
a redirect. sitemap.xml must list every page under the prefix.

`mkdocs gh-deploy` without a site_url derives one from a GitHub `origin` remote; it is run
against a local bare repository set as the remote's push URL (GIT_ALLOW_PROTOCOL=file, so
nothing can reach the network).
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import re
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from sitehelpers import git, mkdocs, with_bare_remote

SLUG = "northwind-consolidation"
PREFIX = "/reviews-site/"
MATERIAL_FOOTER_HOST = "squidfunk.github.io"
"""'Made with Material for MkDocs' in every page's footer."""
LINK_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src"}
SERVER_LIFETIME = 300.0
"""Seconds after which the test server stops itself, whatever happens to the test."""
MAX_URLS = 5000
"""A bound on the crawl: the example has about 60 distinct URLs."""


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder under PREFIX; everything else, and any folder without an
    index.html, is a 404 answered with the site's 404.html, as on GitHub Pages."""

    timeout = 10  # seconds per connection: a stuck client cannot hold a thread

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / ".not-under-the-prefix")
        return super().translate_path("/" + path[len(PREFIX) :])

    def list_directory(self, path: str | Path) -> None:
        self.send_error(404)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving_under_prefix(site: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """Binds a free port of 127.0.0.1 for serving `site` under PREFIX; yields the origin
    (http://127.0.0.1:PORT) and the function that starts serving (the site may be built
    in between). Stops on exit, or by itself SERVER_LIFETIME seconds after starting."""
    handler = functools.partial(_SubPathHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    watchdog = threading.Timer(SERVER_LIFETIME, server.shutdown)
    watchdog.daemon = True

    def start() -> None:
        thread.start()
        watchdog.start()

    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", start
    finally:
        watchdog.cancel()
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.config: dict[str, Any] | None = None
        self._in_config = False
        self._config_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = LINK_ATTRIBUTES.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.links.append(value.strip())
        if tag == "script" and ("id", "__config") in attrs:
            self._in_config = True

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self._config_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_config:
            self._in_config = False
            self.config = json.loads(self._config_text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is reported as its own status, not followed


# No proxy from the environment: the requests go to 127.0.0.1 only.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET of `url`."""
    assert urlsplit(url).hostname == "127.0.0.1", url
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers.get_content_type(), err.read()


def page_links(url: str, body: bytes) -> list[str]:
    """Absolute URLs (without fragment) of the links of an HTML page, plus the search
    worker and search index Material's JavaScript loads from the page's __config."""
    parser = _Links()
    parser.feed(body.decode("utf-8"))
    parser.close()
    links = list(parser.links)
    found: list[str] = []
    if parser.config is not None:
        base = urljoin(url, parser.config["base"])  # as the bundle does: new URL(base, location)
        found.append(urljoin(base, "search/search_index.json"))
        links.append(parser.config["search"])
    for link in links:
        if link.startswith("#") or link.lower().startswith("mailto:"):
            continue
        found.append(urldefrag(urljoin(url, link)).url)
    return found


def source_hosts(project: Path) -> set[str]:
    """Hosts of the URLs written in the reviews and templates: the only external links
    the site may have, with Material's footer."""
    texts = [p.read_text(encoding="utf-8") for p in (project / "reviews").rglob("*.yaml")]
    texts += [p.read_text(encoding="utf-8") for p in (project / "templates").glob("*.j2")]
    hosts = {m.lower() for t in texts for m in re.findall(r"https?://([A-Za-z0-9.-]+)", t)}
    return hosts | {MATERIAL_FOOTER_HOST}


def crawl(
    origin: str, start: dict[str, int], allowed_hosts: set[str]
) -> tuple[dict[str, int], list[str], set[str]]:
    """Fetches every URL of `start` (URL -> expected status) and every same-origin URL
    linked from the HTML among them, each once. Returns the status of every URL fetched,
    the problems found and the external hosts linked."""
    prefix = origin + PREFIX
    status: dict[str, int] = {}
    problems: list[str] = []
    external: set[str] = set()
    queue = [(url, "(start)") for url in start]
    seen = set(start)
    while queue:
        url, referrer = queue.pop()
        assert len(status) < MAX_URLS, "the crawl does not end"
        code, content_type, body = fetch(url)
        status[url] = code
        if code != start.get(url, 200):
            problems.append(f"{url} answered {code} (linked from {referrer})")
        if content_type != "text/html" or code != start.get(url, 200):
            continue
        for link in page_links(url, body):
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https"):
                problems.append(f"{url} links to {link!r}")
            elif f"{parts.scheme}://{parts.netloc}" != origin:
                external.add(parts.netloc.lower())
                if parts.hostname not in allowed_hosts:
                    problems.append(f"{url} links to the external {link}")
            elif not link.startswith(prefix):
                problems.append(f"{url} links outside {PREFIX}: {link}")
            elif link not in seen:
                seen.add(link)
                queue.append((link, url))
    return status, problems, external


def page_url(prefix: str, site: Path, page: Path) -> str:
    relative = page.relative_to(site).as_posix()
    return prefix + (relative.removesuffix("index.html") if page.name == "index.html" else relative)


def test_every_link_resolves_under_a_sub_path(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = project / "site"
    with serving_under_prefix(site) as (origin, start):
        prefix = origin + PREFIX
        monkeypatch.setenv("SITE_URL", prefix)
        mkdocs(project, "build", "--strict")
        start()

        pages = {
            page_url(prefix, site, p): 200
            for p in sorted(site.rglob("*.html"))
            if p.name != "404.html"
        }
        assert f"{prefix}{SLUG}/findings/hv-01/" in pages
        unknown = {prefix + "no/such/page/": 404, prefix + "no-such-file.html": 404}
        status, problems, external = crawl(origin, {**pages, **unknown}, source_hosts(project))

        code, _, sitemap = fetch(prefix + "sitemap.xml")
        assert code == 200
        namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
        listed = [loc.text or "" for loc in ET.fromstring(sitemap).iter(f"{namespace}loc")]
        for loc in listed:
            if loc not in status:
                status[loc] = fetch(loc)[0]
            if status[loc] != 200:
                problems.append(f"sitemap.xml lists {loc}, which answered {status[loc]}")

    assert not problems, "\n".join(problems)
    assert len(status) > len(pages) + 10, "the pages' assets were not followed"
    assert external <= source_hosts(project), external
    assert "nvd.nist.gov" in external  # the reference links in finding pages are still there
    assert set(listed) == set(pages), set(listed) ^ set(pages)


def _github_origin(project: Path, remote: Path) -> None:
    """`origin` says github.com, but pushes go to the local bare repository `remote`."""
    with_bare_remote(project, remote)
    git(project, "remote", "set-url", "origin", "https://github.com/acme/reviews-site.git")
    git(project, "remote", "set-url", "--push", "origin", str(remote))


def _warnings(stderr: str) -> list[str]:
    """WARNING lines, but MkDocs' own note on the first deployment to a branch."""
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("WARNING") and "Version check skipped" not in line
    ]


@pytest.mark.parametrize(
    ("site_url", "expected", "root"),
    [
        (None, "https://acme.github.io/reviews-site/", "/reviews-site/"),
        ("https://reviews.example.org", "https://reviews.example.org/", "/"),  # SITE_URL wins
    ],
)
def test_gh_deploy_takes_the_site_url_from_a_github_origin(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    site_url: str | None,
    expected: str,
    root: str,
) -> None:
    if site_url is None:
        monkeypatch.delenv("SITE_URL", raising=False)
    else:
        monkeypatch.setenv("SITE_URL", site_url)
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")  # nothing may go to github.com
    remote = tmp_path / "remote.git"
    _github_origin(project, remote)

    result = mkdocs(project, "gh-deploy", "--force")

    assert not _warnings(result.stderr), result.stderr
    assert (f"site_url is {expected}" in result.stderr) == (site_url is None), result.stderr
    not_found = git(remote, "show", "gh-pages:404.html")
    assert f'href="{root}assets/stylesheets/reviewgen.css"' in not_found
    assert not re.search(rf'(?:href|src)="/(?!{root[1:]})', not_found), not_found
    sitemap = git(remote, "show", "gh-pages:sitemap.xml")
    assert f"<loc>{expected}{SLUG}/findings/hv-01/</loc>" in sitemap


def test_without_a_site_url_a_strict_build_passes_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)

    result = mkdocs(project, "build", "--strict")

    assert "WARNING" not in result.stderr, result.stderr
    assert "INFO    -  reviewgen: site_url is not set (set SITE_URL)" in result.stderr
    not_found = (project / "site" / "404.html").read_text(encoding="utf-8")
    assert 'href="/assets/stylesheets/reviewgen.css"' in not_found
