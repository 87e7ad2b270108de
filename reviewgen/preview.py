"""What makes `mkdocs serve` a live preview that answers.

* `SiteCache`: the reviews, figures and pages of earlier builds, keyed by content, so a
  rebuild loads, scores and renders again only the reviews whose files changed (and a
  compiled-template cache, so no template is compiled twice while its source is the same).
* `error_site`: when a save leaves a review broken, the preview shows the located
  problems in the browser, on every page the reader may be on, instead of hanging.
  Only `mkdocs serve` uses it: a publishing build still fails on the first problem.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .errors import ReviewError
from .figures import Comparison
from .render import REPORT, Site
from .review import Review


def folder_digest(*folders: Path | None) -> str:
    """A hash of every file under the folders: names, kinds and contents.

    Content, not modification times: a save that restores the old bytes hits the cache,
    and a change within the clock's resolution is never missed. A link is hashed by its
    target's name and, for a file, the content it leads to (what the loader reads).
    """
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(b"\0folder\0" + str(folder).encode())
        if folder is None or not folder.is_dir():
            continue
        for parent, dirs, files in os.walk(folder):
            dirs.sort()
            here = Path(parent)
            for name in sorted(files) + [f"{d}/" for d in dirs if (here / d).is_symlink()]:
                path = here / name.rstrip("/")
                relative = path.relative_to(folder).as_posix()
                digest.update(b"\0path\0" + relative.encode("utf-8", "surrogateescape"))
                if path.is_symlink():
                    digest.update(b"\0link\0" + os.readlink(path).encode("utf-8", "replace"))
                try:
                    if path.is_file():
                        digest.update(b"\0data\0" + path.read_bytes())
                except OSError as err:  # unreadable now: the loader reports it
                    digest.update(f"\0error\0{err.errno}".encode())
    return digest.hexdigest()


@dataclass
class LoadedReview:
    """One review folder as loaded, checked, scored and compared."""

    digest: str
    review: Review
    figures: Comparison


@dataclass
class RenderedReview:
    """One review's share of the site, valid while `key` is the same."""

    key: tuple[str, str, str | None]
    """(digest of the review's files, digest of the templates, site_url)."""
    pages: dict[str, str]
    nav: list[Any]
    hidden: set[str]
    files: dict[str, bytes]


class TemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory across builds; Jinja checks each one's source
    checksum before using it, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.stored.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.stored[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.stored.clear()


@dataclass
class SiteCache:
    """What one `mkdocs serve` session keeps between rebuilds (owned by the plugin).

    Entries are keyed by the review folder and the redaction profile; an entry is used
    only while the digest of the review's files (and, for pages, of the templates and
    the site address) is the one it was made from.
    """

    loaded: dict[tuple[Path, str | None], LoadedReview] = field(default_factory=dict)
    rendered: dict[tuple[Path, str | None], RenderedReview] = field(default_factory=dict)
    templates: TemplateCache = field(default_factory=TemplateCache)
    loads: int = 0
    """Reviews loaded (not taken from the cache) since the cache was made."""
    renders: int = 0
    """Reviews rendered (not taken from the cache) since the cache was made."""

    def forget(self, keep: Iterable[Path]) -> None:
        """Drop the entries of review folders no longer built (deleted or excluded)."""
        wanted = set(keep)
        for store in (self.loaded, self.rendered):
            for key in [k for k in store if k[0] not in wanted]:
                del store[key]


# ----- the error page ------------------------------------------------------------------

NOTICE = (
    "This is the live preview: the review cannot be built as it is saved now. "
    "Fix the problems below and save; this page reloads by itself."
)


def _items(error: Exception) -> list[Markup]:
    if isinstance(error, ReviewError) and error.problems:
        return [
            Markup("<li><code>{}:{}:{}</code>: {}</li>").format(p.path, p.line, p.column, p.message)
            for p in error.problems
        ]
    return [Markup("<li>{}</li>").format(str(error))]


def error_page(error: Exception, title: str) -> str:
    """One page listing every problem, escaped (the messages quote the reviewer's text).

    The list is raw HTML, so Markdown never interprets the quoted text either.
    """
    problems = _items(error)
    count = len(problems)
    heading = f"{count} problem{'s' if count != 1 else ''} to fix"
    lines = [
        f"# {escape(title)}: {heading}",
        "",
        f'<p class="reviewgen-preview-notice"><strong>{escape(NOTICE)}</strong></p>',
        "",
        '<ul class="reviewgen-problems">',
        *problems,
        "</ul>",
        "",
    ]
    return "\n".join(lines)


def report_paths(slug: str) -> list[str]:
    """The report's own pages for a review (not its finding pages)."""
    return [f"{slug}/{spec.path}" for _, specs in REPORT for spec in specs]


def error_site(error: Exception, slugs: Iterable[str], previous: Iterable[str] = ()) -> Site:
    """A site of error pages: the home page, each review's report pages, and every page
    of the last good build (`previous`), so whichever page the browser shows reloads
    into the problems instead of a 404."""
    site = Site()
    site.pages["index.md"] = error_page(error, "Reviews")
    site.nav.append({"Problems": "index.md"})
    paths = {path for slug in slugs for path in report_paths(slug)} | set(previous)
    for path in sorted(paths):
        if not path.endswith(".md") or path == "index.md":
            continue
        site.pages[path] = error_page(error, path.split("/", 1)[0])
        site.not_in_nav.add(path)
    return site
