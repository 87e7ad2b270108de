"""Make reviewer text safe to place in generated Markdown pages.

Three ways text enters a page, each with one function:

* `inline`: plain text in a sentence, a heading or a table cell. HTML is escaped and
  every character Markdown (or a Material extension) could read as syntax becomes a
  numeric character reference, so `*`, `[`, `|`, backticks and `{{` stay literal.
* `markdown_block`: Markdown fields (description, impact, ...). Rendered to HTML by
  Python-Markdown, then cleaned by nh3 (an allow-list sanitizer): no scripts, no event
  handlers, no `javascript:` URLs. The result is a raw HTML block, which MkDocs passes
  through untouched.
* `verbatim`: evidence, shown as code exactly as written and never interpreted.

The Jinja environment applies `inline` to every `{{ value }}` that is not already
marked safe, so forgetting a filter cannot open a hole.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

# Characters left as they are: they cannot start Markdown syntax in the middle of a
# line. Everything else outside letters, digits and spaces is written as &#NN;.
_PLAIN = re.compile(r"[^A-Za-z0-9 \-.,/\u0080-\uffff]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3",
    "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
_SCHEMES = {"http", "https", "mailto"}

# After sanitising, characters that MkDocs' own Markdown extensions look for even
# inside raw HTML blocks (fences, snippets, emoji, critic marks) become references.
_REINTERPRETED = str.maketrans(
    {
        "`": "&#96;",
        "~": "&#126;",
        ":": "&#58;",
        "{": "&#123;",
        "}": "&#125;",
        "-": "&#45;",
        "=": "&#61;",
        "+": "&#43;",
        "^": "&#94;",
        "*": "&#42;",
        "_": "&#95;",
    }
)


def inline(text: object) -> Markup:
    """Plain text, safe anywhere in a line of Markdown."""
    return _inline_text(str(text))


# Every interpolation of every page comes through here, and most are the same few
# values (ids, states, severities, metric names): a cache saves the two substitutions.
@lru_cache(maxsize=16384)
def _inline_text(text: str) -> Markup:
    value = _LINE_BREAKS.sub(" ", text)
    return Markup(_PLAIN.sub(lambda m: f"&#{ord(m.group())};", value))


def _protect_text(fragment: str) -> str:
    """Escape re-interpretable characters in text only, leaving tags and attributes."""
    parts = re.split(r"(<[^>]*>)", fragment)
    return "".join(
        part if part.startswith("<") else part.translate(_REINTERPRETED) for part in parts
    )


def _reviewer_markdown() -> markdown.Markdown:
    """Python-Markdown with raw HTML switched off: tags a reviewer types show as text."""
    converter = markdown.Markdown(
        extensions=["tables", "sane_lists", "fenced_code"], output_format="html"
    )
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    # Images would fetch from wherever they point, and the site makes no third-party
    # requests; `![alt](url)` shows as text instead.
    for pattern in ("image_link", "image_reference", "short_image_ref"):
        converter.inlinePatterns.deregister(pattern)
    return converter


_CONVERTER = _reviewer_markdown()


def markdown_block(text: object, css_class: str = "rg-md") -> Markup:
    """Reviewer Markdown as sanitised HTML, as a raw block on its own lines.

    A block-level element without a `markdown` attribute is raw HTML to Python-Markdown,
    md_in_html included; `markdown="0"` said the same and was left in the built page.
    """
    return Markup(f'\n<div class="{css_class}">\n{_sanitised_html(str(text))}\n</div>\n')


# Converting is the costliest part of a page, and findings often share text. The result
# depends on the text alone (the converter is reset each time); the bound keeps a
# long-running preview from growing.
@lru_cache(maxsize=8192)
def _sanitised_html(text: str) -> str:
    """Reviewer Markdown converted to HTML, sanitised, with re-read characters escaped."""
    rendered = _CONVERTER.reset().convert(text)
    clean = nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return _protect_text(clean)


def markdown_inline(text: object) -> Markup:
    """Reviewer Markdown for a single line (a list item): paragraph tags removed."""
    block = str(markdown_block(text, "rg-md-inline")).strip()
    body = block.removeprefix('<div class="rg-md-inline">').removesuffix("</div>")
    body = body.strip().removeprefix("<p>").removesuffix("</p>").replace("\n", " ")
    return Markup(f'<span class="rg-md-inline">{body}</span>')


def verbatim(text: object, css_class: str = "rg-evidence") -> Markup:
    """Text shown exactly as written, as a code block that nothing interprets."""
    escaped = html.escape(str(text), quote=True).translate(_REINTERPRETED)
    return Markup(f'\n<pre class="{css_class}"><code>{escaped}</code></pre>\n')


def attribute(text: object) -> Markup:
    """A value for an HTML attribute written by a template.

    `inline` already turns every character but letters, digits, spaces and `-.,/` into a
    character reference, quotes included, so it is a complete attribute escape; marking
    the result safe keeps `finalize` from escaping the `&` of those references again.
    """
    return inline(text)


def title_text(text: object) -> str:
    """A title for MkDocs' navigation or a page's front matter.

    Material prints these without escaping (in the navigation, the header and
    <title>), so the HTML is escaped here; the text reads the same.
    """
    return html.escape(" ".join(str(text).split()), quote=True)


def front_matter_title(text: object) -> Markup:
    """`title:` for YAML front matter: escaped as above, then quoted as JSON (valid YAML)."""
    return Markup(json.dumps(title_text(text)))
