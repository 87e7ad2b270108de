"""A review whose every text field holds an XSS or template-injection payload.

Shared by tests/security/test_payloads_site.py and tests/browser/test_payloads_browser.py
(which loads this file by path, since browser tests live in another folder).

`write_hostile(root, mode)` writes the review and returns a `Placement`: which payloads went
into which field (and, per finding, which payload is its title, description and evidence).

* mode "hostile": payloads everywhere.
* mode "strict": payloads everywhere except the fields in `KNOWN_RAW_FIELDS`, which the
  site still renders as raw HTML (a reviewgen bug, see test_payloads_site.py); those get a
  plain marker text, so every other field can be held to the strict checks.
* mode "twin": the same review with every payload replaced by a plain marker text. It has
  the same pages and the same page structure, so the theme's own elements and scripts of
  each page can be compared with those of the hostile build.

`audit_site(site, twin)` parses every built HTML page with the stdlib HTML parser and
returns what it finds executable or dangerous.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from reviewbuilder import asset, build_review, finding, step

from reviewgen.markup import _TAGS

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
SLUG = "hostile-review"
FINDINGS = 8
#: Fields the generated site still shows as raw HTML outside the Markdown body (page titles
#: and navigation titles): MkDocs' theme environment does not autoescape, and reviewgen hands
#: it the reviewer's text as is. Payloads there execute; see the xfail test.
KNOWN_RAW_FIELDS = frozenset({"review.title", "finding.title"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def load_payloads() -> list[str]:
    """The corpus: one payload per line, `\\n` standing for a line break."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line]


@dataclass
class Placement:
    by_field: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    findings: dict[str, dict[str, str]] = field(default_factory=dict)
    """finding id -> field -> the payload (or marker) it holds."""

    @property
    def used(self) -> set[str]:
        return {p for values in self.by_field.values() for p in values}


class _Filler:
    """Hands out payloads in corpus order, cycling, and records where each one went."""

    def __init__(self, payloads: list[str], mode: str) -> None:
        self.payloads = payloads
        self.mode = mode
        self.next = 0
        self.placement = Placement()
        self.count: Counter[str] = Counter()

    def take(self, name: str) -> str:
        self.count[name] += 1
        if self.mode == "twin" or (self.mode == "strict" and name in KNOWN_RAW_FIELDS):
            return f"Plain {name} text {self.count[name]}"
        payload = self.payloads[self.next % len(self.payloads)]
        self.next += 1
        self.placement.by_field[name].append(payload)
        return payload

    def many(self, name: str, n: int, sep: str = " ") -> str:
        return sep.join(self.take(name) for _ in range(n))

    def listed(self, name: str, n: int) -> list[str]:
        return [self.take(name) for _ in range(n)]


def _finding(fill: _Filler, index: int, asset_id: str) -> dict[str, Any]:
    fid = f"XS-{index + 1:02d}"
    sid = f"S{index + 1}"
    data = finding(fid, step(sid, "internet", "foothold", asset_id))
    data.update(
        description=fill.take("finding.description"),
        evidence=fill.take("finding.evidence"),
        impact=fill.take("finding.impact"),
        recommendation=fill.take("finding.recommendation"),
        roadmap="now",
        effort="low",
        cves=[{"id": f"CVE-2025-{1000 + index}", "summary": fill.take("cve.summary")}],
        references=[
            {"framework": "fw-one", "id": fill.take("reference.id")},
            {"framework": "fw-two", "note": fill.take("reference.note")},
        ],
        evidence_files=[
            {"path": f"evidence/xs-{index + 1:02d}.txt", "caption": fill.take("evidence.caption")}
        ],
    )
    data["attack_steps"][0]["note"] = fill.take("attack_step.note")
    if index % 2:
        del data["severity"], data["severity_rationale"]
        data["cvss"] = {
            "v3_1": {"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "score": 9.8},
            "scored_scenario": fill.take("cvss.scored_scenario"),
        }
    else:
        data["severity"] = "high"
        data["severity_rationale"] = fill.take("severity_rationale")
    return data


def write_hostile(
    root: Path, mode: str = "hostile", payloads: list[str] | None = None
) -> Placement:
    """Write the review folder `root`; see the module docstring for `mode`."""
    assert mode in ("hostile", "strict", "twin"), mode
    fill = _Filler(load_payloads() if payloads is None else payloads, mode)
    asset_ids = ["host-a", "host-b", "guest-c", "guest-d"]
    # Finding titles first, so the corpus' first payloads (spreadsheet formulas) are
    # titles: the title is the text column of findings.csv.
    titles = [fill.take("finding.title") for _ in range(FINDINGS)]
    findings = [_finding(fill, i, asset_ids[i % len(asset_ids)]) for i in range(FINDINGS)]
    for data, title in zip(findings, titles, strict=True):
        data["title"] = title
    assets = []
    for asset_id in asset_ids:
        item = asset(asset_id, "hypervisor-host" if asset_id.startswith("host") else "service")
        item.update(name=fill.take("asset.name"), role=fill.take("asset.role"))
        item["crown_jewel"] = asset_id == "guest-d"
        assets.append(item)
    build_review(
        root,
        assets=assets,
        findings=findings,
        groups={"guests": ["guest-c", "guest-d"]},
        dominance=[
            {
                "from": "host-a",
                "to": "group:guests",
                "grants": ["C", "I", "A"],
                "via": fill.many("dominance.via", 2),
                "states": ["pre", "post"],
            }
        ],
    )
    review_file = root / "review.yaml"
    review = yaml.safe_load(review_file.read_text(encoding="utf-8"))
    review["review"].update(
        title=fill.many("review.title", 3),
        organisation={
            "name": fill.many("organisation.name", 3),
            "fictional": True,
            "notice": fill.many("organisation.notice", 3, "\n\n"),
        },
        reviewers=[
            {"name": fill.take("reviewer.name"), "role": fill.take("reviewer.role")}
            for _ in range(3)
        ],
        classification=fill.many("classification", 3),
        publishable=True,
        background=fill.many("background", 4, "\n\n"),
        objectives=fill.listed("objectives", 3),
        scope={"in_scope": fill.listed("scope.in", 3), "out_of_scope": fill.listed("scope.out", 3)},
        methodology=fill.listed("methodology", 3),
        limitations=fill.listed("limitations", 3),
        scoring={"primary": "3.1", "note": fill.many("scoring.note", 2, "\n\n")},
    )
    for item in review["states"] + review["roadmap"]:
        item.update(title=fill.take("state_or_phase.title"))
        item.update(description=fill.take("state_or_phase.description"))
    review["categories"][0].update(summary=fill.many("category.summary", 2, "\n\n"))
    review["entry_points"][0].update(
        title=fill.many("entry_point.title", 2),
        description=fill.many("entry_point.description", 2, "\n\n"),
    )
    review["frameworks"] = [
        {
            "id": "fw-one",
            "title": fill.take("framework.title"),
            "url": "javascript:alert(901)" if mode != "twin" else "https://example.org/",
            "note": fill.many("framework.note", 2),
        },
        {
            "id": "fw-two",
            "title": fill.take("framework.title"),
            "url": (
                'https://xss.invalid/" onmouseover="alert(902)'
                if mode != "twin"
                else "https://example.org/two"
            ),
        },
    ]
    review["threat_tags"] = [
        {"id": "tag-one", "description": fill.many("threat_tag.description", 2)}
    ]
    review["observations"] = [
        {
            "id": f"OB-{i + 1:02d}",
            "title": fill.take("observation.title"),
            "category": "general",
            "delta": "reduced",
            "description": fill.take("observation.description"),
        }
        for i in range(3)
    ]
    review_file.write_text(
        yaml.safe_dump(review, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    evidence = root / "evidence"
    evidence.mkdir(exist_ok=True)
    for i, data in enumerate(findings):
        text = f"Evidence of {data['id']}\n{fill.take('evidence.file_text')}\n"
        (evidence / f"xs-{i + 1:02d}.txt").write_text(text, encoding="utf-8")
        fill.placement.findings[data["id"]] = {
            "title": data["title"],
            "description": data["description"],
            "evidence": data["evidence"],
        }
    return fill.placement


# ----- auditing built HTML ------------------------------------------------------------

#: Tags the reviewer Markdown sanitizer lets through; every other tag of a hostile page must
#: be one the same page of the twin site has as well.
SANITIZER_TAGS = frozenset(_TAGS)
SCRIPT_SRC = re.compile(
    r"^(/|(\.\./)*)assets/javascripts/"
    r"(bundle\.[0-9a-f]{8}\.min\.js|tables\.js|vendor/tablesort(\.number)?\.min\.js)$"
)
_SCHEME_JUNK = re.compile(r"[\x00-\x20\x7f]+")
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster",
     "background", "codebase", "cite", "longdesc", "usemap", "dynsrc", "lowsrc", "to",
     "from", "values", "by"}
)  # fmt: skip


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._raw: str | None = None
        self._raw_attrs: dict[str, str | None] = {}
        self._raw_body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._raw, self._raw_attrs, self._raw_body = tag, dict(attrs), []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            body = "".join(self._raw_body)
            if tag == "script":
                self.scripts.append((self._raw_attrs.get("src"), body))
            else:
                self.styles.append(body)
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw:
            self._raw_body.append(data)
        else:
            self.text.append(data)


@dataclass
class Page:
    tags: Counter[str]
    elements: list[tuple[str, list[tuple[str, str | None]]]]
    scripts: list[tuple[str | None, str]]
    styles: list[str]
    text: str


def parse_page(html: str) -> Page:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return Page(parser.tags, parser.elements, parser.scripts, parser.styles, "".join(parser.text))


def html_pages(site: Path) -> dict[str, Page]:
    return {
        path.relative_to(site).as_posix(): parse_page(path.read_text(encoding="utf-8"))
        for path in sorted(site.rglob("*.html"))
    }


def dangerous_url(value: str) -> bool:
    """True for a javascript:/vbscript:/data: URL however it is spelled (case, spaces, tabs)."""
    squeezed = _SCHEME_JUNK.sub("", value).lower()
    return squeezed.startswith(DANGEROUS_SCHEMES)


def audit_page(page: Page, twin: Page) -> list[str]:
    """What in a hostile page could run or navigate; empty when it is inert.

    `twin` is the same page built from plain text: any script, style or element the
    sanitizer does not produce must be one the twin has as well (the theme's own).
    """
    problems = []
    for tag, attrs in page.elements:
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                problems.append(f"<{tag}> has event handler {name}={value!r}")
            if (name in URL_ATTRIBUTES or name.endswith(":href")) and dangerous_url(value):
                problems.append(f"<{tag} {name}={value!r}>: dangerous URL scheme")
            if name == "style" and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                problems.append(f"<{tag} style={value!r}>")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            problems.append(f"<meta http-equiv=refresh> {attrs}")
        if tag in ("iframe", "frame", "frameset", "object", "embed", "applet", "base"):
            problems.append(f"<{tag}> element {attrs}")
    for src, _ in page.scripts:
        if src is not None and not SCRIPT_SRC.match(src):
            problems.append(f"<script src={src!r}> not in the allow-list")
    extra_scripts = [s for s in page.scripts if s not in twin.scripts]
    if extra_scripts or len(page.scripts) != len(twin.scripts):
        problems.append(f"scripts the twin page does not have: {extra_scripts!r:.500}")
    if page.styles != twin.styles:
        problems.append(f"<style> elements the twin page does not have: {page.styles!r:.300}")
    ours = {t: n for t, n in page.tags.items() if t not in SANITIZER_TAGS}
    theirs = {t: n for t, n in twin.tags.items() if t not in SANITIZER_TAGS}
    if ours != theirs:
        diff = {
            t: (ours.get(t, 0), theirs.get(t, 0))
            for t in sorted(set(ours) | set(theirs))
            if ours.get(t, 0) != theirs.get(t, 0)
        }
        problems.append(f"element counts (hostile, twin) differ: {diff}")
    return problems


def audit_site(site: Path, twin_site: Path) -> dict[str, list[str]]:
    """Page -> problems, for every HTML page of the hostile build."""
    pages = html_pages(site)
    twins = html_pages(twin_site)
    assert set(pages) == set(twins), set(pages) ^ set(twins)
    result = {}
    for path, page in pages.items():
        problems = audit_page(page, twins[path])
        if problems:
            result[path] = problems
    return result
