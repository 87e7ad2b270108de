"""The report as one paginated PDF, rendered with WeasyPrint from the site's own pages.

`build_pdf` takes the `Site` that `build.build_site` makes for one review, so a redaction
profile gives the same edition the site shows. Each page of `render.REPORT` and every
finding page is converted with Python-Markdown and the Markdown extensions of
`mkdocs.yml` (the one list; `markdown_settings` reads it, the plugin passes MkDocs' own),
and placed in one HTML document (`templates/pdf/document.html.j2`, rendered by the one
Jinja environment of `render.make_environment`), styled for paged media by
`templates/pdf/print.css`: cover and document control, contents with page numbers, a
running header with the title and the classification, and a footer with the
classification and "Page N of M". The pages keep `REPORT`'s reading order; the finding
pages follow the findings table, in its order, as they sit under it on the site.

In that document, links between pages become links to anchors inside it; links to files
the PDF does not hold (exports, evidence attachments) become plain text. Inline SVG charts
stay vector graphics; `templates/pdf/figures.css` is placed inside each, since WeasyPrint
draws an SVG with its own styles only. WeasyPrint fetches through `LocalFetcher`, which
refuses everything but `data:` URLs and the files given to it: rendering makes no request
and reads no file of the machine.

Nothing here imports MkDocs (only the plugin does); the page text is already escaped and
sanitized by the page templates, and nothing here adds reviewer text unescaped.
"""

from __future__ import annotations

import html
import importlib
import mimetypes
import os
import posixpath
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import markdown
import yaml
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .build import build_site, template_errors
from .errors import UsageError
from .render import BUILTIN_TEMPLATES, REPORT, Site, finding_path, make_environment

DOCUMENT_TEMPLATE = "pdf/document.html.j2"
PRINT_CSS = "pdf/print.css"
FIGURE_CSS = "pdf/figures.css"

#: Where the cover page (templates/cover.md.j2) takes the link to the PDF, when the
#: plugin builds one (`pdf: true`).
PDF_LINK_MARKER = "<!-- reviewgen:pdf -->"

#: Extensions MkDocs always loads before those of mkdocs.yml (MkDocs' own default).
MKDOCS_BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")

#: Link schemes kept as links in the PDF (a reader's viewer opens them; WeasyPrint
#: fetches none of them).
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})

#: The narrowest a table can be laid out, estimated per column from its longest word (a
#: run of characters with no break opportunity), against the width of the page's text
#: (A4 less the margins of print.css, in points). A table that would not fit is marked
#: `rg-tight`: print.css then lets its cells break anywhere. Generous on purpose: a wide
#: capital or a bold heading is wider than the average character.
TEXT_WIDTH_PT = (210 - 32) / 25.4 * 72
CHARACTER_PT = 0.66 * 7.8
CELL_PADDING_PT = 9.5
_WORD_BREAK = re.compile(r"\s+|(?<=-)(?=[A-Za-z])")

_FRONT_MATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_ATTRIBUTE = re.compile(
    r"(?P<lead>\s(?P<name>[^\s\"'>/=]+)\s*=\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+)"
)


def pdf_path(slug: str) -> str:
    """Where the plugin publishes a review's PDF, relative to the site."""
    return f"{slug}/exports/{slug}.pdf"


# ----- the Markdown extensions: read from mkdocs.yml, never copied --------------------


@dataclass(frozen=True)
class MarkdownSettings:
    """Python-Markdown extensions by name, and their settings (MkDocs' `mdx_configs`)."""

    extensions: tuple[str, ...]
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml as MkDocs does: `!ENV` variables and `!!python/name:` values."""


def _env_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = loader.construct_sequence(node)  # type: ignore[arg-type]
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    for name in names:
        if str(name) in os.environ:
            return os.environ[str(name)]
    return default


def _python_name(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    module, _, attribute = suffix.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


_MkdocsLoader.add_constructor("!ENV", _env_value)
_MkdocsLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)


def markdown_settings(mkdocs_yml: Path) -> MarkdownSettings:
    """The Markdown extensions MkDocs uses for the site, read from its `mkdocs.yml`."""
    try:
        config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_MkdocsLoader)
    except (OSError, yaml.YAMLError, ImportError, AttributeError) as err:
        raise UsageError(f"cannot read the Markdown extensions of {mkdocs_yml}: {err}") from None
    listed = config.get("markdown_extensions") if isinstance(config, dict) else None
    names = list(MKDOCS_BUILTIN_EXTENSIONS)
    configs: dict[str, Mapping[str, Any]] = {}
    for item in listed or []:
        if isinstance(item, dict) and len(item) == 1:
            ((name, settings),) = item.items()
            configs[str(name)] = dict(settings or {})
        elif isinstance(item, str):
            name = item
        else:
            raise UsageError(f"{mkdocs_yml}: markdown_extensions: cannot read {item!r}")
        if name not in names:
            names.append(str(name))
    return MarkdownSettings(tuple(names), configs)


def default_mkdocs_yml(given: Path | None = None) -> Path:
    """mkdocs.yml as given, else the one in the current folder, else reviewgen's own."""
    if given is not None:
        if not given.is_file():
            raise UsageError(f"{given} not found: give the site's mkdocs.yml")
        return given
    for candidate in (Path("mkdocs.yml"), BUILTIN_TEMPLATES.parent / "mkdocs.yml"):
        if candidate.is_file():
            return candidate
    raise UsageError(
        "no mkdocs.yml here: the PDF uses the Markdown extensions of the site's "
        "mkdocs.yml; name it with --config"
    )


# ----- pages to HTML ------------------------------------------------------------------


def front_matter(page: str) -> tuple[dict[str, Any], str]:
    """A page's YAML front matter (as MkDocs reads it) and the Markdown after it."""
    match = _FRONT_MATTER.match(page)
    if match is None:
        return {}, page
    data = yaml.safe_load(match.group(1))
    return (data if isinstance(data, dict) else {}), page[match.end() :]


def page_id(path: str) -> str:
    """The anchor of a review page inside the PDF: `findings/hv-01.md` gives `rg-findings-hv-01`."""
    return "rg-" + re.sub(r"[^a-z0-9]+", "-", path.removesuffix(".md").lower()).strip("-")


class _Rewriter(HTMLParser):
    """Copies one page's HTML as it is, except: links and ids for one document.

    * an `id` gets the page's anchor as prefix, so ids of different pages never clash;
    * a link to another page (or an anchor in it) points inside the document; a link to
      a file the PDF does not hold becomes a `<span>` of its text; http(s) and mailto
      links stay;
    * the permalink anchors of headings (`headerlink`) are dropped, as are comments;
    * each `<svg>` gets the figures' stylesheet as its first child.
    """

    def __init__(self, page: str, resolve: Callable[[str, str], str | None], svg_css: str):
        super().__init__(convert_charrefs=False)
        self.page = page
        self.prefix = page_id(page)
        self.resolve = resolve
        self.svg_css = svg_css
        self.out: list[str] = []
        self.links: list[str] = []
        """Pages this page links to, in order (anchors in the document, without '#')."""
        self._anchors: list[str] = []  # what each open <a> became: "a", "span" or "drop"
        self._dropping = 0
        self._tables: list[_Table] = []

    def _text(self, text: str) -> None:
        if self._tables:
            self._tables[-1].text(text)

    def _emit(self, text: str) -> None:
        if not self._dropping:
            self.out.append(text)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        raw = self.get_starttag_text() or ""
        values = {name: value for name, value in attrs}
        if tag == "table" and not closed:
            self._tables.append(_Table(len(self.out)))
        elif self._tables:
            self._tables[-1].start(tag, values)
        if tag == "a":
            if "headerlink" in (values.get("class") or "").split():
                self._anchors.append("drop")
                self._dropping += 1
                return
            href = values.get("href")
            if href is not None:
                target = self._href(href)
                if target is None:
                    self._anchors.append("span")
                    self._emit('<span class="rg-unlinked">')
                    return
                raw = _replace_attribute(raw, "href", target)
            self._anchors.append("a")
        if "id" in values:
            raw = _replace_attribute(raw, "id", f"{self.prefix}--{values['id']}")
        self._emit(raw)
        if tag == "svg" and not closed:
            self._emit(f"<style>{self.svg_css}</style>")

    def _href(self, href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme.lower() in EXTERNAL_SCHEMES:
            return href
        if parts.scheme or parts.netloc:
            return None
        if not parts.path:
            return f"#{self.prefix}--{parts.fragment}" if parts.fragment else f"#{self.prefix}"
        target = self.resolve(self.page, unquote(parts.path))
        if target is None:
            return None
        self.links.append(target)
        return f"#{target}--{parts.fragment}" if parts.fragment else f"#{target}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            table = self._tables.pop()
            self._emit("</table>")
            if table.too_wide() and table.at < len(self.out):
                self.out[table.at] = _add_class(self.out[table.at], "rg-tight")
            return
        if self._tables:
            self._tables[-1].end(tag)
        if tag == "a" and self._anchors:
            became = self._anchors.pop()
            if became == "drop":
                self._dropping -= 1
                return
            if became == "span":
                self._emit("</span>")
                return
        self._emit(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self._text(data)
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        self._text(html.unescape(f"&{name};"))
        self._emit(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._text(html.unescape(f"&#{name};"))
        self._emit(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        pass  # the PDF-link marker and template notes have no place in the document

    def handle_decl(self, decl: str) -> None:
        self._emit(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._emit(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._emit(f"<![{data}]>")


class _Table:
    """The words of one table's columns, to tell whether it can fit the page as it is."""

    def __init__(self, at: int) -> None:
        self.at = at  # where its start tag is in the rewritten output
        self.widest: dict[int, int] = {}  # column -> characters of its longest word
        self.column = -1
        self.span = 1
        self.cell: list[str] | None = None
        self.breakable = 0  # inside code or a link, which print.css breaks anywhere

    def start(self, tag: str, values: dict[str, str | None]) -> None:
        if tag == "tr":
            self.column, self.span = -1, 1
        elif tag in ("td", "th"):
            self.column += self.span
            colspan = values.get("colspan") or "1"
            self.span = int(colspan) if colspan.isdigit() else 1
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag in ("code", "a"):
            self.breakable += 1

    def text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(" " if self.breakable else text)

    def end(self, tag: str) -> None:
        if tag in ("code", "a"):
            self.breakable = max(0, self.breakable - 1)
        if tag in ("td", "th") and self.cell is not None:
            words = _WORD_BREAK.split("".join(self.cell))
            longest = max((len(word) for word in words), default=0)
            if self.span == 1:
                self.widest[self.column] = max(self.widest.get(self.column, 0), longest)
            self.cell = None

    def too_wide(self) -> bool:
        needed = sum(CELL_PADDING_PT + n * CHARACTER_PT for n in self.widest.values())
        return needed > TEXT_WIDTH_PT


def _add_class(tag: str, name: str) -> str:
    """A start tag with one more class."""
    for match in _ATTRIBUTE.finditer(tag):
        if match.group("name").lower() == "class":
            value = html.unescape(match.group("value").strip("\"'"))
            return _replace_attribute(tag, "class", f"{value} {name}")
    end = len(tag) - 2 if tag.endswith("/>") else len(tag) - 1
    return f'{tag[:end]} class="{name}"{tag[end:]}'


def _replace_attribute(tag: str, name: str, value: str) -> str:
    """`tag` (a start tag as written) with attribute `name` set to `value` (escaped here)."""
    quoted = '"' + html.escape(value, quote=True) + '"'

    def swap(match: re.Match[str]) -> str:
        if match.group("name").lower() != name:
            return match.group(0)
        return match.group("lead") + quoted

    return _ATTRIBUTE.sub(swap, tag)


def rewrite_page(
    page: str, body: str, resolve: Callable[[str, str], str | None], svg_css: str = ""
) -> tuple[str, list[str]]:
    """One page's HTML made part of the document, and the pages it links to, in order."""
    rewriter = _Rewriter(page, resolve, svg_css)
    rewriter.feed(body)
    rewriter.close()
    return "".join(rewriter.out), rewriter.links


def resolver(pages: Mapping[str, str]) -> Callable[[str, str], str | None]:
    """`resolve(page, href)`: the anchor of the review page a relative link points to.

    `pages` maps review-relative page paths (`findings/hv-01.md`) to their anchors. A
    link is read relative to the page's folder, as MkDocs reads Markdown links, then
    relative to its URL (`comparison/attack-paths/`), as a browser reads raw HTML links
    with directory URLs; `x.md`, `x/`, `x.html` and `x/index.html` all name page `x`.
    """

    def resolve(page: str, href: str) -> str | None:
        bases = [posixpath.dirname(page)]
        if posixpath.basename(page) != "index.md":
            bases.append(page.removesuffix(".md"))
        for base in bases:
            joined = posixpath.normpath(posixpath.join(base, href))
            if joined == ".." or joined.startswith("../"):
                continue  # above the review: the site's home page, not in the PDF
            stem = joined
            for suffix in ("/index.html", "/index.md", ".html", ".md"):
                if stem.endswith(suffix):
                    stem = stem.removesuffix(suffix)
                    break
            if stem in ("index", "."):
                stem = ""
            for candidate in [f"{stem}.md", f"{stem}/index.md"] if stem else ["index.md"]:
                if candidate in pages:
                    return pages[candidate]
        return None

    return resolve


# ----- the document ---------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One page of the report inside the PDF."""

    id: str
    kind: str
    """"cover", "page" or "finding"."""
    title: str
    html: Markup


@dataclass(frozen=True)
class ContentsEntry:
    title: str
    href: str | None
    """The part's anchor; None for a section heading such as "Appendices"."""
    level: int


@dataclass(frozen=True)
class Document:
    """The PDF's HTML and what it holds."""

    html: str
    title: str
    parts: list[Part]
    contents: list[ContentsEntry]
    stylesheets: list[str]


def review_slugs(site: Site) -> list[str]:
    """The reviews a site holds, by the folder their pages sit in."""
    return sorted({path.split("/", 1)[0] for path in site.pages if "/" in path})


def _template_text(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def document(
    site: Site, slug: str, settings: MarkdownSettings, env: jinja2.Environment
) -> Document:
    """The whole report of review `slug` in `site` as one HTML document for print."""
    prefix = f"{slug}/"
    report_pages = [(spec, section) for section, specs in REPORT for spec in specs]
    cover = report_pages[0][0].path
    folder = posixpath.dirname(finding_path("X-1"))
    findings_page = f"{folder}/index.md"  # the findings table, which links every finding
    finding_pages = [
        path.removeprefix(prefix)
        for path in site.pages
        if path.startswith(f"{prefix}{folder}/")
        and path in site.not_in_nav
        and path != prefix + findings_page
    ]
    missing = [s.path for s, _ in report_pages if prefix + s.path not in site.pages]
    if missing:
        raise UsageError(f"the site has no page {', '.join(missing)} of review {slug!r}")
    anchors = {spec.path: page_id(spec.path) for spec, _ in report_pages}
    anchors.update({path: page_id(path) for path in finding_pages})
    if len(set(anchors.values())) != len(anchors):
        raise UsageError(f"two pages of review {slug!r} share an anchor in the PDF")
    resolve = resolver(anchors)
    with template_errors(env):
        svg_css = _template_text(env, FIGURE_CSS)
        stylesheets = [_template_text(env, PRINT_CSS)]
        wrapper = env.get_template(DOCUMENT_TEMPLATE)
    converter = markdown.Markdown(
        extensions=list(settings.extensions),
        extension_configs={k: dict(v) for k, v in settings.configs.items()},
        output_format="html",
    )

    def convert(path: str) -> tuple[str, str, list[str]]:
        meta, body = front_matter(site.pages[prefix + path])
        converted = converter.reset().convert(body)
        rewritten, links = rewrite_page(path, converted, resolve, svg_css)
        return html.unescape(str(meta.get("title") or "")), rewritten, links

    # The findings table's page reads first: its links give the order of the finding
    # pages, which follow it (then any finding it does not list).
    findings_title, findings_body, finding_links = convert(findings_page)
    by_anchor = {anchors[path]: path for path in finding_pages}
    ordered = [by_anchor[a] for a in dict.fromkeys(finding_links) if a in by_anchor]
    ordered += [path for path in finding_pages if path not in ordered]

    parts: list[Part] = []
    contents: list[ContentsEntry] = []
    sections: set[str] = set()
    for spec, section in report_pages:
        if spec.path == findings_page:
            title, body = findings_title, findings_body
        else:
            title, body, _ = convert(spec.path)
        kind = "cover" if spec.path == cover else "page"
        parts.append(Part(anchors[spec.path], kind, title or spec.title, Markup(body)))
        if section and section not in sections:
            sections.add(section)
            contents.append(ContentsEntry(section, None, 1))
        level = 2 if section else 1
        if kind != "cover":
            contents.append(ContentsEntry(spec.title, anchors[spec.path], level))
        if spec.path == findings_page:
            for path in ordered:
                title, body, _ = convert(path)
                parts.append(Part(anchors[path], "finding", title, Markup(body)))
                contents.append(ContentsEntry(title, anchors[path], level + 1))
    title = parts[0].title
    with template_errors(env):
        text = wrapper.render(title=title, parts=parts, contents=contents)
    return Document(text, title, parts, contents, stylesheets)


# ----- WeasyPrint -------------------------------------------------------------------------


class RefusedURL(Exception):
    """WeasyPrint asked for something the PDF must not fetch."""


class LocalFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that serves `data:` URLs and the files it was given, only.

    Anything else (http, https, file, ...) is refused: WeasyPrint then leaves the
    resource out and logs a warning.
    """

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.files = dict(files or {})

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url in self.files:
            kind = mimetypes.guess_type(url)[0] or "application/octet-stream"
            return URLFetcherResponse(url, self.files[url], {"Content-Type": kind})
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        raise RefusedURL(f"the PDF fetches only data: URLs and its own files, not {url[:200]}")


def layout(doc: Document, fetcher: LocalFetcher | None = None) -> Any:
    """WeasyPrint's laid-out document (a `weasyprint.document.Document`): pages and boxes."""
    fetcher = fetcher or LocalFetcher()
    stylesheets = [CSS(string=text, url_fetcher=fetcher) for text in doc.stylesheets]
    return HTML(string=doc.html, url_fetcher=fetcher).render(stylesheets=stylesheets)


def pdf_bytes(doc: Document, fetcher: LocalFetcher | None = None) -> tuple[bytes, int]:
    """The PDF of a document, and its page count."""
    rendered = layout(doc, fetcher)
    data: bytes = rendered.write_pdf()
    return data, len(rendered.pages)


def link_pdf(site: Site, slug: str) -> None:
    """Put the link to the review's PDF on its cover, where the cover template marks it."""
    cover = f"{slug}/index.md"
    if cover in site.pages:
        href = pdf_path(slug).removeprefix(f"{slug}/")
        link = f"**PDF:** [{posixpath.basename(href)}](<{href}>)"
        site.pages[cover] = site.pages[cover].replace(PDF_LINK_MARKER, link, 1)


def add_pdfs(
    site: Site,
    settings: MarkdownSettings,
    templates: Path | None = None,
    overrides: Path | None = None,
) -> list[str]:
    """The plugin's `pdf: true`: each review's PDF as a file of the site, linked from its
    cover. Returns the PDFs' paths."""
    env = make_environment(overrides, templates)
    written = []
    for slug in review_slugs(site):
        data, _ = pdf_bytes(document(site, slug, settings, env))
        site.files[pdf_path(slug)] = data
        link_pdf(site, slug)
        written.append(pdf_path(slug))
    return written


@dataclass(frozen=True)
class Written:
    """What `build_pdf` wrote: the file, its pages, its size in bytes, its findings."""

    path: Path
    pages: int
    size: int
    findings: int


def build_pdf(
    review: Path,
    out: Path,
    profile: str | None = None,
    mkdocs_yml: Path | None = None,
    templates: Path | None = None,
    overrides: Path | None = None,
) -> Written:
    """`reviewgen pdf`: the PDF of one review (its `profile` edition) written to `out`."""
    target = out.resolve()
    if target.is_relative_to(review.resolve()):
        raise UsageError(f"refusing to write {out} inside the review folder {review}")
    if target.is_dir():
        raise UsageError(f"{out} is a folder; give the PDF's file name, such as report.pdf")
    settings = markdown_settings(default_mkdocs_yml(mkdocs_yml))
    site = build_site([review], templates=templates, overrides=overrides, profile=profile)
    slugs = review_slugs(site)
    if len(slugs) != 1:
        raise UsageError(f"{review} holds {len(slugs)} reviews; give one review folder")
    doc = document(site, slugs[0], settings, make_environment(overrides, templates))
    data, pages = pdf_bytes(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    findings = sum(1 for part in doc.parts if part.kind == "finding")
    return Written(out, pages, len(data), findings)
