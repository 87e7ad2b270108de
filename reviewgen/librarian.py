"""The virtualization finding library: templates a reviewer starts a finding from.

A library folder holds one template per YAML file and, optionally, `registry.yaml`: the
frameworks, categories and threat tags its templates cite. The package ships one
(`reviewgen/library/`). A reviewer's own folders (`--library DIR`, or the
`REVIEWGEN_LIBRARY` environment variable, folders separated by the path separator)
extend it: a template with the id of a shipped one replaces it, a registry entry with the
id of a shipped one replaces that entry.

Every template is checked on load like a finding, with the same `path:line:column`
problems: shape (the `Template` model), scores (each stated score against the computed
one), and references to the registry. `new finding --from` turns a template into
`findings/<ID>.yaml`, never overwriting a file and never touching `review.yaml` unless
asked to (`--add-registries`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, StringConstraints
from yaml.resolver import Resolver

from .errors import Problem, ReviewError, UsageError, display_path
from .load import FINDINGS_DIR, REVIEW_FILE, _read, _score_finding, _validate, duplicate_id
from .model import (
    Category,
    Cve,
    CvssBlock,
    Delta,
    Finding,
    Framework,
    Id,
    KnownExploited,
    Level,
    Markdown,
    Reference,
    ReviewFile,
    Severity,
    Strict,
    Text,
    ThreatTag,
)
from .registry import VERSIONS
from .scaffold import FINDING_SCHEMA_LINE, create
from .scoring import Score
from .yamlsource import Document, YamlProblem, read_yaml

SHIPPED = Path(__file__).resolve().parent / "library"
REGISTRY_FILE = "registry.yaml"
ENV_VAR = "REVIEWGEN_LIBRARY"
WIDTH = 100

#: The finding-id prefix of each of the domain's categories (those of the example review).
CATEGORY_PREFIXES = {
    "hypervisor": "HV",
    "management-plane": "MP",
    "image-store": "IS",
    "migration": "MG",
    "virtual-network": "VN",
    "vm-lifecycle": "LC",
    "patch-posture": "PP",
    "guest": "GU",
}

Prefix = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$")]


class Template(Strict):
    """One library file: a finding without the parts only a review can supply."""

    id: Id
    """Kebab-case, unique in the library; a reviewer's template with the same id replaces it."""
    title: Text
    category: Id
    prefix: Prefix | None = None
    """The finding-id prefix (default: the category's, e.g. HV for hypervisor)."""
    platforms: list[Id] = Field(default_factory=list)
    """Where the weakness occurs: esxi, vcenter, kvm, proxmox-ve, hyper-v, any, ..."""
    threats: list[Id] = Field(default_factory=list)
    delta: Delta = "new"
    """The usual delta; `new finding --delta` overrides it."""
    cves: list[Cve] = Field(default_factory=list)
    known_exploited: KnownExploited = KnownExploited()
    cvss: CvssBlock | None
    severity: Severity | None = None
    severity_rationale: Markdown | None = None
    description: Markdown
    verify: Markdown | None = None
    """How to check for it, and so whether the fix worked: becomes the finding's `verify`
    and is repeated as a comment above where the evidence goes."""
    impact: Markdown | None = None
    recommendation: Markdown
    effort: Level | None = None
    references: list[Reference] = Field(default_factory=list)


class LibraryRegistry(Strict):
    """`registry.yaml` of a library folder."""

    frameworks: list[Framework] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    threat_tags: list[ThreatTag] = Field(default_factory=list)


#: Keys of a template that a finding does not have.
_TEMPLATE_ONLY = ("id", "prefix", "platforms")
#: The order a generated finding's keys are written in (that of the example review).
_FINDING_ORDER = (
    "id",
    "title",
    "category",
    "threats",
    "delta",
    "status",
    "affected",
    "cves",
    "known_exploited",
    "cvss",
    "severity",
    "severity_rationale",
    "description",
    "impact",
    "recommendation",
    "verify",
    "effort",
    "references",
)
_SECTIONS = ("frameworks", "categories", "threat_tags")


@dataclass(frozen=True)
class LoadedTemplate:
    template: Template
    doc: Document
    scores: tuple[Score, ...]
    replaces: str | None = None
    """The file of the template this one replaces (shown path), if any."""

    @property
    def id(self) -> str:
        return self.template.id

    def severity_text(self) -> str:
        """'v3.1 8.4 High, v4.0 9.3 Critical', or 'high (not CVSS-scored)'."""
        if not self.scores:
            return f"{self.template.severity or '?'} (not CVSS-scored)"
        ordered = sorted(self.scores, key=lambda s: float(s.version))
        return ", ".join(f"v{s.version} {s.score:.1f} {s.severity}" for s in ordered)


@dataclass
class Library:
    templates: dict[str, LoadedTemplate]
    registry: dict[str, dict[str, dict[str, Any]]]
    """Section -> id -> the entry as written (plain data, in the file's key order)."""
    registry_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    folders: tuple[Path, ...] = ()

    def get(self, template_id: str) -> LoadedTemplate:
        if template_id in self.templates:
            return self.templates[template_id]
        close = difflib.get_close_matches(template_id, sorted(self.templates), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"no library template {template_id!r}{hint} (`reviewgen library list` lists them)"
        )

    def needs(self, template: Template) -> dict[str, list[str]]:
        """The registry ids a finding from `template` cites, per review.yaml section."""
        frameworks = list(dict.fromkeys(ref.framework for ref in template.references))
        return {
            "frameworks": frameworks,
            "categories": [template.category],
            "threat_tags": list(dict.fromkeys(template.threats)),
        }


def library_dirs(cli_dirs: Sequence[Path] | None = None) -> list[Path]:
    """The reviewer's folders: REVIEWGEN_LIBRARY's first, then --library's (later wins)."""
    env = os.environ.get(ENV_VAR, "")
    folders = [Path(part) for part in env.split(os.pathsep) if part.strip()]
    return folders + list(cli_dirs or [])


def _close(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(set(choices)), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _template_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix in (".yaml", ".yml") and path.is_file() and path.name != REGISTRY_FILE
    )


def _score(doc: Document, template: Template, problems: list[Problem]) -> tuple[Score, ...]:
    """The template's scores, checked exactly as a finding's are (load._score_finding).

    Derived requirements need a review's assets, so a template is scored on its vectors
    as written; the finding made from it derives them in its review.
    """
    cvss = template.cvss
    if cvss is not None and cvss.derive_requirements:
        cvss = cvss.model_copy(update={"derive_requirements": False})
    probe = Finding(
        id="LIB-1",
        title=template.title,
        category=template.category,
        delta=template.delta,
        affected={},
        cvss=cvss,
        severity=template.severity,
        severity_rationale=template.severity_rationale,
        description=template.description,
        recommendation=template.recommendation,
    )
    scores, _ = _score_finding(doc, _no_review(), probe, problems)
    return scores


@cache
def _no_review() -> ReviewFile:
    """The review `_score_finding` is given for a template: it is only consulted for
    derived requirements, which templates are scored without."""
    return ReviewFile.model_construct()  # type: ignore[call-arg]


def load_library(extra: Sequence[Path] = (), *, shipped: Path = SHIPPED) -> Library:
    """The shipped library extended by `extra` folders; `ReviewError` with every problem."""
    problems: list[Problem] = []
    folders = [shipped, *extra]
    registry: dict[str, dict[str, dict[str, Any]]] = {section: {} for section in _SECTIONS}
    sources: dict[str, dict[str, str]] = {section: {} for section in _SECTIONS}
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(display_path(folder), 1, 1, "no such library folder"))
            continue
        path = folder / REGISTRY_FILE
        if not path.is_file():
            continue
        doc = _read(path, problems)
        spec = _validate(doc, LibraryRegistry, problems) if doc else None
        if doc is None or spec is None:
            continue
        for section in _SECTIONS:
            seen: dict[str, int] = {}
            for index, entry in enumerate(getattr(spec, section)):
                if entry.id in seen:
                    problems.append(
                        doc.problem(
                            (section, index, "id"),
                            f"duplicate {section} id {entry.id!r} (first at line "
                            f"{doc.at((section, seen[entry.id]))[0]})",
                        )
                    )
                    continue
                seen[entry.id] = index
                registry[section][entry.id] = dict(doc.data[section][index])
                sources[section][entry.id] = doc.shown
    templates: dict[str, LoadedTemplate] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        in_folder: dict[str, Document] = {}
        for path in _template_files(folder):
            doc = _read(path, problems)
            template = _validate(doc, Template, problems) if doc else None
            if doc is None or template is None:
                continue
            if template.id in in_folder:
                problems.append(duplicate_id(doc, "template", template.id, in_folder[template.id]))
                continue
            in_folder[template.id] = doc
            problems.extend(_references(doc, template, registry))
            scores = _score(doc, template, problems)
            previous = templates.get(template.id)
            templates[template.id] = LoadedTemplate(
                template, doc, scores, previous.doc.shown if previous else None
            )
    if problems:
        raise ReviewError(problems)
    ordered = {key: templates[key] for key in sorted(templates)}
    return Library(ordered, registry, sources, tuple(folders))


def _references(
    doc: Document, template: Template, registry: dict[str, dict[str, dict[str, Any]]]
) -> list[Problem]:
    """Each category, threat tag and framework the template cites is in the registry."""
    problems = []

    def known(path: tuple[str | int, ...], value: str, section: str, what: str) -> None:
        if value not in registry[section]:
            problems.append(
                doc.problem(
                    path,
                    f"unknown {what} {value!r}{_close(value, registry[section])}; "
                    f"declare it in a library {REGISTRY_FILE}",
                )
            )

    known(("category",), template.category, "categories", "category")
    for i, tag in enumerate(template.threats):
        known(("threats", i), tag, "threat_tags", "threat tag")
    for i, ref in enumerate(template.references):
        known(("references", i, "framework"), ref.framework, "frameworks", "framework")
    if template.known_exploited.date_added and not template.known_exploited.cisa_kev:
        problems.append(
            doc.problem(
                ("known_exploited", "date_added"),
                "date_added is only for a template with cisa_kev: true",
            )
        )
    return problems


# ----- reviewgen library list / show -----------------------------------------------


def list_table(library: Library, category: str | None = None) -> str:
    rows = [
        (t.id, t.template.category, t.severity_text(), t.template.title)
        for t in library.templates.values()
        if category is None or t.template.category == category
    ]
    header = ("ID", "CATEGORY", "SEVERITY", "TITLE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row))
        for row in [header, *rows]
    ]
    replaced = [t for t in library.templates.values() if t.replaces]
    extra = [display_path(folder) for folder in library.folders[1:]]
    footer = f"{len(rows)} template{'s' if len(rows) != 1 else ''}"
    if extra:
        footer += f" (shipped library extended by {', '.join(extra)}"
        footer += f"; {len(replaced)} shipped replaced)" if replaced else ")"
    return "\n".join([*lines, footer]) + "\n"


def show_text(library: Library, template_id: str) -> str:
    loaded = library.get(template_id)
    template = loaded.template
    lines = [f"# library template {template.id}: {loaded.doc.shown}"]
    if loaded.replaces:
        lines.append(f"# replaces {loaded.replaces}")
    for score in loaded.scores:
        lines.append(f"# {score.label}: {score.score:.1f} {score.severity} ({score.vector})")
    if not loaded.scores:
        lines.append(f"# not CVSS-scored; severity {template.severity}")
    for section, ids in library.needs(template).items():
        if ids:
            lines.append(f"# review.yaml {section} it needs: {', '.join(ids)}")
    lines.append(f"# finding id prefix: {finding_prefix(template)}")
    text = loaded.doc.text if loaded.doc.text.endswith("\n") else loaded.doc.text + "\n"
    return "\n".join(lines) + "\n" + text


def finding_prefix(template: Template) -> str:
    if template.prefix:
        return template.prefix
    if template.category in CATEGORY_PREFIXES:
        return CATEGORY_PREFIXES[template.category]
    parts = template.category.split("-")
    letters = "".join(p[0] for p in parts) if len(parts) > 1 else template.category[:2]
    return re.sub(r"[^A-Z0-9]", "", letters.upper()) or "F"


# ----- YAML text for generated files -------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$")
_RESOLVER = Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    resolved = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if _PLAIN.match(text) and resolved == _STR_TAG:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\x85"):
        quoted = quoted.replace(char, f"\\u{ord(char):04x}")
    return quoted


def _flow(value: Any) -> str | None:
    """`value` on one line, or None when it cannot be (multi-line text)."""
    if isinstance(value, str):
        return None if "\n" in value else _scalar(value)
    if isinstance(value, list):
        items = [_flow(item) for item in value]
        return None if None in items else "[" + ", ".join(str(i) for i in items) + "]"
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            flowed = _flow(item)
            if flowed is None:
                return None
            parts.append(f"{_scalar(key)}: {flowed}")
        return "{" + ", ".join(parts) + "}"
    return _scalar(value)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def _text(prefix: str, text: str, indent: str) -> list[str]:
    """`prefix` (such as '  description:' or '  -') followed by `text`, as YAML lines."""
    if "\n" not in text and len(prefix) + 1 + len(_scalar(text)) <= WIDTH:
        return [f"{prefix} {_scalar(text)}"]
    special = "\t" in text or "\r" in text or text != text.strip(" ")
    if "\n" not in text and not special and "  " not in text:
        return [f"{prefix} >-"] + [indent + line for line in _wrap(text, WIDTH - len(indent))]
    body = text.removesuffix("\n")
    literal_ok = not special and not body.startswith("\n") and not body.endswith("\n")
    if "\n" in text and literal_ok and not any(line != line.rstrip() for line in body.split("\n")):
        chomp = "|" if text.endswith("\n") else "|-"
        return [f"{prefix} {chomp}"] + [indent + line if line else "" for line in body.split("\n")]
    return [f"{prefix} {_scalar(text)}"]


def _entry(key: str, value: Any, indent: str) -> list[str]:
    if isinstance(value, str):
        return _text(f"{indent}{_scalar(key)}:", value, indent + "  ")
    flowed = _flow(value)
    if flowed is not None and len(indent) + len(key) + 2 + len(flowed) <= WIDTH:
        return [f"{indent}{_scalar(key)}: {flowed}"]
    if isinstance(value, dict):
        return [f"{indent}{_scalar(key)}:", *_mapping(value, indent + "  ")]
    if isinstance(value, list):
        return [f"{indent}{_scalar(key)}:", *_sequence(value, indent + "  ")]
    return [f"{indent}{_scalar(key)}: {_scalar(value)}"]


def _mapping(data: dict[str, Any], indent: str) -> list[str]:
    return [line for key, value in data.items() for line in _entry(key, value, indent)]


def _sequence(items: list[Any], indent: str) -> list[str]:
    lines: list[str] = []
    for item in items:
        flowed = _flow(item)
        if flowed is not None and len(indent) + 2 + len(flowed) <= WIDTH:
            lines.append(f"{indent}- {flowed}")
        elif isinstance(item, dict) and item:
            inner = _mapping(item, indent + "  ")
            inner[0] = f"{indent}- {inner[0][len(indent) + 2 :]}"
            lines.extend(inner)
        elif isinstance(item, str):
            lines.extend(_text(f"{indent}-", item, indent + "  "))
        else:
            lines.append(f"{indent}- {_flow(item) or _scalar(item)}")
    return lines


def _comment(text: str) -> list[str]:
    lines = []
    for paragraph in text.strip().split("\n"):
        lines += ["# " + line for line in _wrap(paragraph.strip(), WIDTH - 2)] if paragraph else []
    return lines


# ----- reading the review a finding goes into ----------------------------------------


@dataclass(frozen=True)
class ReviewInfo:
    """What `new finding --from` needs from a review folder, read leniently."""

    states: list[str]
    assets: dict[str, dict[str, str]]
    """State -> asset id -> name, for the assets placed in that state."""
    registry: dict[str, dict[str, dict[str, Any]]]
    findings: dict[str, str]
    """Finding id -> category, for the finding files that parse."""
    taken: set[str]
    """Finding ids and file stems in use."""
    phases: list[str]
    """Roadmap phase ids."""


def read_review(root: Path) -> ReviewInfo:
    doc = read_yaml(root / REVIEW_FILE)
    data = doc.data if isinstance(doc.data, dict) else {}

    def items(key: str) -> list[dict[str, Any]]:
        value = data.get(key)
        return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []

    # The states a new finding is placed in: the built ones. A proposed state (a redesign)
    # gets a finding only when the reviewer decides it carries over.
    states = [str(s["id"]) for s in items("states") if "id" in s and s.get("role") != "proposed"]
    assets: dict[str, dict[str, str]] = {state: {} for state in states}
    for asset in items("assets"):
        placement = asset.get("placement")
        if not isinstance(placement, dict) or "id" not in asset:
            continue
        for state in placement:
            if state in assets:
                assets[state][str(asset["id"])] = str(asset.get("name", ""))
    registry = {
        section: {str(e["id"]): e for e in items(section) if "id" in e} for section in _SECTIONS
    }
    findings: dict[str, str] = {}
    taken: set[str] = set()
    folder = root / FINDINGS_DIR
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".yaml", ".yml"):
                continue
            taken.add(path.stem)
            try:
                found = read_yaml(path).data
            except YamlProblem:  # a broken finding file: `check` reports it, not `new`
                continue
            if isinstance(found, dict) and isinstance(found.get("id"), str):
                taken.add(found["id"])
                findings[found["id"]] = str(found.get("category", ""))
    phases = [str(p["id"]) for p in items("roadmap") if "id" in p]
    return ReviewInfo(states, assets, registry, findings, taken, phases)


def next_finding_id(info: ReviewInfo, template: Template) -> str:
    """The next free id for the template's category: the prefix the review already uses
    for that category if it uses one, else the template's or the category's."""
    used = Counter(
        fid.rsplit("-", 1)[0]
        for fid, category in info.findings.items()
        if category == template.category
    )
    prefix = used.most_common(1)[0][0] if used else finding_prefix(template)
    numbers = [
        (int(m.group(2)), len(m.group(2)))
        for m in (re.fullmatch(r"(.+)-([0-9]+)", t) for t in info.taken)
        if m and m.group(1) == prefix
    ]
    width = max([2] + [w for _, w in numbers])
    number = max([0] + [n for n, _ in numbers]) + 1
    while f"{prefix}-{number:0{width}d}" in info.taken:
        number += 1
    return f"{prefix}-{number:0{width}d}"


def parse_affected(info: ReviewInfo, flags: Sequence[str]) -> dict[str, list[str]]:
    """`STATE=ASSET,ASSET` flags, checked against the review's states and placements."""
    affected: dict[str, list[str]] = {}
    for flag in flags:
        state, sep, rest = flag.partition("=")
        state = state.strip()
        if not sep:
            raise UsageError(f"--affected {flag!r}: write STATE=ASSET,ASSET (e.g. post=esx01)")
        if state not in info.assets:
            raise UsageError(
                f"--affected {flag!r}: unknown state {state!r}{_close(state, info.states)} "
                f"(states: {', '.join(info.states)})"
            )
        assets = [a.strip() for a in rest.split(",") if a.strip()]
        affected[state] = _check_assets(info, state, assets)
    return affected


def _check_assets(info: ReviewInfo, state: str, assets: list[str]) -> list[str]:
    placed = info.assets[state]
    for asset in assets:
        if asset not in placed:
            others = {a for names in info.assets.values() for a in names}
            why = "has no placement in" if asset in others else "is not an asset of"
            raise UsageError(
                f"{asset!r} {why} state {state!r}{_close(asset, placed)}; "
                f"assets in {state}: {', '.join(sorted(placed)) or 'none'}"
            )
    return list(dict.fromkeys(assets))


def ask_affected(
    info: ReviewInfo, delta: str, ask: Callable[[str], str], say: Callable[[str], None]
) -> dict[str, list[str]]:
    """Ask for the affected assets state by state, listing the assets placed in each."""
    affected: dict[str, list[str]] = {}
    for index, state in enumerate(info.states):
        if index == 0 and delta == "new":
            say(f"{state}: none (a 'new' finding affects nothing in the baseline state)")
            affected[state] = []
            continue
        if index == len(info.states) - 1 and delta == "removed":
            say(f"{state}: none (a 'removed' finding affects nothing in the current state)")
            affected[state] = []
            continue
        placed = info.assets[state]
        if not placed:
            say(f"{state}: none (no asset is placed in this state)")
            affected[state] = []
            continue
        say(f"Assets in {state}: " + ", ".join(f"{a} ({n})" if n else a for a, n in placed.items()))
        while True:
            answer = ask(f"Affected in {state} (comma-separated ids, empty for none): ")
            assets = [a.strip() for a in answer.split(",") if a.strip()]
            try:
                affected[state] = _check_assets(info, state, assets)
                break
            except UsageError as err:
                say(str(err))
    return affected


# ----- review.yaml registry entries ---------------------------------------------------


def missing_entries(library: Library, template: Template, info: ReviewInfo) -> dict[str, list[Any]]:
    """Registry entries the finding cites that review.yaml lacks, as the library has them."""
    missing: dict[str, list[Any]] = {}
    for section, ids in library.needs(template).items():
        absent = [library.registry[section][i] for i in ids if i not in info.registry[section]]
        if absent:
            missing[section] = absent
    return missing


def entry_lines(missing: dict[str, list[Any]]) -> list[str]:
    lines = []
    for section, entries in missing.items():
        lines.append(f"{section}:")
        lines.extend(_sequence(entries, "  "))
    return lines


def version_notes(library: Library, template: Template, info: ReviewInfo) -> list[str]:
    """Where review.yaml cites another edition of a framework than the library read."""
    notes = []
    for fid in library.needs(template)["frameworks"]:
        ours = library.registry["frameworks"].get(fid, {}).get("version")
        theirs = info.registry["frameworks"].get(fid, {}).get("version")
        if fid in info.registry["frameworks"] and ours and theirs and str(ours) != str(theirs):
            notes.append(
                f"note: review.yaml cites {fid} version {theirs}; the library's ids for it were "
                f"read from version {ours}: check them against {theirs}"
            )
    return notes


def add_registry_entries(review_yaml: Path, missing: dict[str, list[Any]]) -> None:
    """Append entries to review.yaml's block lists, leaving every other line as it is."""
    doc = read_yaml(review_yaml)
    data = doc.data if isinstance(doc.data, dict) else {}
    lines = doc.text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    top_keys = sorted(loc[0] for path, loc in doc.keys.items() if len(path) == 1)
    inserts: list[tuple[int, list[str]]] = []
    for section, entries in missing.items():
        if section not in data:
            inserts.append((len(lines), ["\n", f"{section}:\n", *_block(entries, "  ")]))
            continue
        key_line = doc.keys[(section,)][0]
        after_colon = lines[key_line - 1].split(":", 1)[1].split("#", 1)[0].strip()
        if after_colon == "[]":  # an empty flow list becomes a block list; a comment stays
            lines[key_line - 1] = lines[key_line - 1].replace("[]", "", 1)
            inserts.append((key_line, _block(entries, "  ")))
            continue
        value = data[section]
        if after_colon or not (value is None or isinstance(value, list)):
            raise UsageError(
                f"{doc.shown}:{key_line}: '{section}' is not a block list; add the entries "
                "by hand (run without --add-registries to see them)"
            )
        indent = "  "
        if value:
            line, column = doc.values[(section, 0)]
            text = lines[line - 1]
            indent = " " * text.rfind("-", 0, column - 1)
        following = [k for k in top_keys if k > key_line]
        end = following[0] - 1 if following else len(lines)
        while end > key_line and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        inserts.append((end, _block(entries, indent)))
    # From the end backwards, so earlier positions stay valid; sections in their order.
    for _, position, block in sorted(
        ((i, p, b) for i, (p, b) in enumerate(inserts)), key=lambda t: (t[1], t[0]), reverse=True
    ):
        lines[position:position] = block
    new_text = "".join(lines)
    _replace_checked(review_yaml, new_text, missing)


def _block(entries: list[Any], indent: str) -> list[str]:
    return [line + "\n" for line in _sequence(entries, indent)]


def _replace_checked(path: Path, text: str, missing: dict[str, list[Any]]) -> None:
    """Write `text` over `path` only if it still parses and now holds every entry."""
    handle, temporary = tempfile.mkstemp(prefix=".review-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            data = read_yaml(Path(temporary)).data
        except YamlProblem:
            data = None
        if not isinstance(data, dict):
            raise UsageError(
                f"could not add entries to {display_path(path)} safely; add them by hand "
                "(run without --add-registries to see them)"
            )
        for section, entries in missing.items():
            present = {e.get("id") for e in data.get(section) or [] if isinstance(e, dict)}
            if not {e["id"] for e in entries} <= present:
                raise UsageError(
                    f"could not add the {section} entries to {display_path(path)} safely; "
                    "add them by hand (run without --add-registries to see them)"
                )
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# ----- the finding ----------------------------------------------------------------


def finding_data(
    loaded: LoadedTemplate, finding_id: str, delta: str, affected: dict[str, list[str]]
) -> dict[str, Any]:
    raw = {k: v for k, v in loaded.doc.data.items() if k not in _TEMPLATE_ONLY}
    raw.update(id=finding_id, delta=delta, status="open", affected=affected)
    if isinstance(raw.get("cvss"), dict):
        cvss = dict(raw["cvss"])
        by_version = {s.version: s for s in loaded.scores}
        for version, entry in VERSIONS.items():
            if isinstance(cvss.get(entry.key), dict) and version in by_version:
                score = by_version[version]
                stated = score.base if score.nomenclature is None else score.score
                cvss[entry.key] = {**cvss[entry.key], "score": stated}
        raw["cvss"] = cvss
    ordered = {key: raw[key] for key in _FINDING_ORDER if key in raw}
    ordered.update({key: value for key, value in raw.items() if key not in ordered})
    return ordered


def finding_text(loaded: LoadedTemplate, data: dict[str, Any], phases: list[str]) -> str:
    template = loaded.template
    lines = [FINDING_SCHEMA_LINE.rstrip("\n")]
    lines += _comment(
        f"Made from the reviewgen library template '{template.id}'. Rewrite it for what you "
        "found: the description, the scored scenario and its vectors, the affected assets "
        "(per state), the evidence and the roadmap phase."
    )
    for key, value in data.items():
        if key == "impact" or (key == "recommendation" and "impact" not in data):
            lines += _evidence_comment(template)
        if key == "effort" or (key == "references" and "effort" not in data):
            lines += _roadmap_comment(phases)
        lines += _entry(key, value, "")
    if "effort" not in data and "references" not in data:
        lines += _roadmap_comment(phases)
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != data:  # the writer above is ours; never write what differs
        raise RuntimeError(f"the finding written from {template.id} does not read back as made")
    Finding.model_validate(data)
    return text


def _evidence_comment(template: Template) -> list[str]:
    lines = ["# evidence: What you observed, verbatim (commands and their output)."]
    if template.verify:
        lines += ["# How to check (from the library template):"]
        lines += _comment(template.verify)
    return lines


def _roadmap_comment(phases: list[str]) -> list[str]:
    choice = f" (one of: {', '.join(phases)})" if phases else ""
    return [f"# roadmap: the remediation phase{choice}"]


@dataclass
class Created:
    path: Path
    finding_id: str
    affected: dict[str, list[str]]
    missing: dict[str, list[Any]]
    added: bool
    notes: list[str]


def create_finding(
    library: Library,
    review_dir: Path,
    template_id: str,
    *,
    finding_id: str | None = None,
    title: str | None = None,
    delta: str | None = None,
    affected_flags: Sequence[str] = (),
    add_registries: bool = False,
    interactive: bool = False,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> Created:
    """Write `findings/<ID>.yaml` from a template; refuse to overwrite anything."""
    if not (review_dir / REVIEW_FILE).is_file():
        raise UsageError(f"no {REVIEW_FILE} in {display_path(review_dir)}")
    loaded = library.get(template_id)
    template = loaded.template
    info = read_review(review_dir)
    if not info.states:
        raise UsageError(f"{display_path(review_dir / REVIEW_FILE)} declares no states")
    chosen_id = finding_id or next_finding_id(info, template)
    target = review_dir / FINDINGS_DIR / f"{chosen_id}.yaml"
    if target.exists():
        raise FileExistsError(errno.EEXIST, "File exists", str(target))
    if chosen_id in info.findings:
        raise UsageError(f"finding id {chosen_id} is already used in {display_path(review_dir)}")
    delta = delta or template.delta
    if affected_flags:
        affected = parse_affected(info, affected_flags)
    elif interactive:
        affected = ask_affected(info, delta, ask, say)
    else:
        affected = {}
    affected = {state: affected.get(state, []) for state in info.states}
    missing = missing_entries(library, template, info)
    data = finding_data(loaded, chosen_id, delta, affected)
    if title:
        data["title"] = title
    text = finding_text(loaded, data, info.phases)
    if add_registries and missing:
        add_registry_entries(review_dir / REVIEW_FILE, missing)
    create(target, text)
    notes = version_notes(library, template, info)
    return Created(target, chosen_id, affected, missing, add_registries and bool(missing), notes)
