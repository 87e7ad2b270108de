"""`reviewgen import`: scanner and compliance results become draft findings.

Three formats are read: Nessus v2 (`.nessus`), XCCDF results (OpenSCAP, SCC; a Benchmark
with TestResults, or an ARF report holding them) and HDF JSON (InSpec runs, Heimdall).
Each distinct failed rule or plugin becomes one draft finding, `draft: true`, affecting
the assets its hosts are mapped to (`--map HOST=ASSET`) in one state of the review.

The scan file is hostile input until proven otherwise:

* it is refused before parsing when larger than `MAX_BYTES`;
* XML goes through defusedxml, which refuses entity declarations (billion laughs) and
  external entities and references, and is read as a stream: only the elements an
  importer needs are built, at most `MAX_XML_DEPTH` levels deep;
* every text taken from it is cut to a length and stripped of control characters
  before it reaches a YAML file.

Errors carry the file's line and column when the parser knows them. Nothing is written
outside `REVIEW_DIR/findings/`; each draft is written to a temporary file there, read
back and validated with reviewgen's own reader, then linked into place, which fails
rather than replace a file already there.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shlex
import stat
import tempfile
import xml.parsers.expat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import yaml
from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError

from .errors import Problem, ReviewError, UsageError, display_path
from .load import FINDINGS_DIR, REVIEW_FILE, load_review
from .model import CVE_ID, FINDING_ID, Finding, ReviewFile
from .registry import VERSION_KEYS
from .scaffold import FINDING_SCHEMA_LINE
from .scoring import VectorError, score_vector, version_of
from .yamlsource import YamlProblem, read_yaml

TOOLS = ("nessus", "xccdf", "hdf")
MAX_BYTES = 50 * 1024 * 1024
"""Scan files larger than this are refused before parsing (split the scan instead)."""
MAX_XML_DEPTH = 64
"""Nessus and XCCDF files nest about ten levels; anything deeper is refused."""
TEXT_LIMIT = 20_000
"""Characters kept of one description or recommendation."""
EVIDENCE_LIMIT = 4_000
"""Characters kept of the scanner's output for one host."""
MAX_EVIDENCE_HOSTS = 20
"""Hosts whose output a draft quotes; the rest are named only."""
_CHUNK = 1024 * 1024

#: Framework registry entries for the references drafts carry, as `frameworks:` needs them.
FRAMEWORK_ENTRIES = {
    "cci": (
        '{id: cci, title: "DISA Control Correlation Identifiers (CCI)", '
        'url: "https://public.cyber.mil/stigs/cci/"}'
    ),
    "nist-800-53": (
        '{id: nist-800-53, title: "NIST SP 800-53, Security and Privacy Controls", '
        'note: "control ids as the scanner maps them"}'
    ),
}
DEFAULT_STIG_FRAMEWORK = "disa-stig"


def _stig_entry(framework: str) -> str:
    return (
        f'{{id: {framework}, title: "DISA Security Technical Implementation Guides (STIG)", '
        'url: "https://public.cyber.mil/stigs/", note: "id = STIG-ID, vuln_id = V-number"}'
    )


class ScanFileError(Exception):
    """A scan file refused without a location in it (too large, unreadable, wrong kind)."""


# ----- what an importer reads out of a file --------------------------------------------


@dataclass
class Rule:
    """One failed rule or plugin, with every host it failed on."""

    key: str
    title: str
    severity: str
    """The scanner's rating as a qualitative severity (none, low, medium, high, critical)."""
    rating: str
    """The scanner's own words for it, e.g. "Nessus severity 3 (High)"."""
    description: str = ""
    recommendation: str = ""
    vectors: list[str] = field(default_factory=list)
    cves: list[str] = field(default_factory=list)
    references: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    """(kind, id, vuln_id) with kind one of stig, cci, nist."""
    see_also: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    """Per host, in the order found: what the scanner reported there."""

    def add_host(self, host: str, text: str) -> None:
        outputs = self.evidence.setdefault(host, [])
        if text and text not in outputs and len(outputs) < 10:
            outputs.append(text)

    def add_reference(self, kind: str, ident: str | None, vuln_id: str | None = None) -> None:
        entry = (kind, ident or None, vuln_id or None)
        if (entry[1] or entry[2]) and entry not in self.references:
            self.references.append(entry)


@dataclass
class Scan:
    """What one file holds, before anything is mapped to the review."""

    tool: str
    name: str
    hosts: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    """Results not imported, by reason, counted per host and rule."""
    attention: Counter[str] = field(default_factory=Counter)
    """Results not imported that need a look by hand (XCCDF error/unknown, ...)."""

    def host(self, name: str) -> None:
        if name not in self.hosts:
            self.hosts.append(name)


# ----- reading files safely ------------------------------------------------------------


def _open_limited(path: Path) -> Iterator[bytes]:
    """The file's bytes in chunks; refused before reading when it is over `MAX_BYTES`."""
    shown = display_path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ScanFileError(f"{shown}: not a regular file")
        handle = path.open("rb")
    except OSError as err:
        raise ScanFileError(f"{shown}: cannot read file: {err.strerror}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_BYTES:
            raise ScanFileError(
                f"{shown}: the file is {size / 2**20:.0f} MB, more than the "
                f"{MAX_BYTES // 2**20} MB reviewgen imports; nothing was read. "
                "Export the scan in parts (fewer hosts per file)"
            )
        read = 0
        while chunk := handle.read(_CHUNK):
            read += len(chunk)
            if read > MAX_BYTES:
                raise ScanFileError(
                    f"{shown}: the file grew past {MAX_BYTES // 2**20} MB while being read"
                )
            yield chunk


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


Ancestors = list[tuple[str, dict[str, str]]]


class _Refused(Exception):
    """Raised inside the parser's callbacks; reported at the parser's position."""


class _Collector:
    """A parser target that builds elements only inside the subtrees an importer wants.

    Everything else is seen as a start tag (`on_start`) and forgotten, so memory follows
    the size of the wanted subtrees, not the size of the file.
    """

    def __init__(
        self,
        wanted: Callable[[str], bool],
        on_element: Callable[[Element, Ancestors], None],
        on_start: Callable[[str, dict[str, str], Ancestors], None],
    ) -> None:
        self.wanted = wanted
        self.on_element = on_element
        self.on_start = on_start
        self.ancestors: Ancestors = []
        self.builder: TreeBuilder | None = None
        self.inner = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if len(self.ancestors) + self.inner >= MAX_XML_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_XML_DEPTH} levels")
        if self.builder is not None:
            self.inner += 1
            self.builder.start(tag, attrib)
        elif self.wanted(tag):
            self.builder = TreeBuilder()
            self.builder.start(tag, attrib)
            self.inner = 1
        else:
            self.on_start(tag, attrib, self.ancestors)
            self.ancestors.append((tag, dict(attrib)))

    def end(self, tag: str) -> None:
        if self.builder is None:
            self.ancestors.pop()
            return
        self.builder.end(tag)
        self.inner -= 1
        if self.inner == 0:
            element = self.builder.close()
            self.builder = None
            self.on_element(element, self.ancestors)

    def data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def close(self) -> None:
        return None


def _parse_xml(path: Path, collector: _Collector) -> None:
    shown = display_path(path)
    parser = DefusedXMLParser(
        target=collector, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    expat = parser.parser

    def here(message: str) -> ReviewError:
        line, column = expat.CurrentLineNumber, expat.CurrentColumnNumber + 1
        return ReviewError([Problem(shown, line, column, message)])

    try:
        for chunk in _open_limited(path):
            parser.feed(chunk)
        parser.close()
    except ParseError as err:
        line, column = err.position
        reason = xml.parsers.expat.ErrorString(err.code) if err.code else str(err)
        raise ReviewError(
            [Problem(shown, line, column + 1, f"not well-formed XML: {reason}")]
        ) from None
    except EntitiesForbidden as err:
        if err.sysid or err.pubid:
            what = f"external entity {err.name!r} ({err.sysid or err.pubid})"
        else:
            what = f"entity declaration {err.name!r}"
        raise here(
            f"{what} refused: scan files are read without XML entities "
            "(they are how billion-laughs and external-entity attacks work)"
        ) from None
    except ExternalReferenceForbidden as err:
        raise here(f"external reference {err.sysid or err.pubid!r} refused") from None
    except DefusedXmlException as err:
        raise here(f"refused: {err}") from None
    except _Refused as err:
        raise here(str(err)) from None
    except LookupError as err:  # an encoding declaration Python does not know
        raise here(f"cannot read the file's encoding: {err}") from None


# ----- text hygiene --------------------------------------------------------------------

# Everything but tab, newline and printable characters (as yamlsource accepts them),
# and the Unicode line separators YAML would read as line breaks.
_UNPRINTABLE = re.compile(
    r"[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


_LINE_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _clean(text: str | None, limit: int = TEXT_LIMIT) -> str:
    """Scanner text made safe for a YAML file: no control characters, tabs or trailing blanks."""
    if not text:
        return ""
    text = text[: limit * 2].replace("\r\n", "\n").expandtabs(4)
    text = _LINE_BREAKS.sub("\n", text)
    text = _UNPRINTABLE.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    if len(text) > limit:
        cut = len(text) - limit
        text = text[:limit].rstrip() + f"\n[... {cut} more characters cut by reviewgen import]"
    return text


def _prose(text: str | None) -> str:
    """Scanner prose for a Markdown field: cleaned, and no line indented into a code block."""
    return "\n".join(line.lstrip() for line in _clean(text).split("\n"))


def _one_line(text: str | None, limit: int = 300) -> str:
    return " ".join(_clean(text, limit).split())


def _child_text(element: Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return "".join(child.itertext())
    return ""


def _children_text(element: Element, name: str) -> list[str]:
    return ["".join(c.itertext()).strip() for c in element if _local(c.tag) == name]


# ----- Nessus --------------------------------------------------------------------------

_NESSUS_SEVERITY = {"1": "low", "2": "medium", "3": "high", "4": "critical"}
_NESSUS_RATING = {"0": "Info", "1": "Low", "2": "Medium", "3": "High", "4": "Critical"}


def _compliance_references(rule: Rule, text: str) -> None:
    """`cm:compliance-reference`: '800-53|AC-2,CCI|CCI-000015,STIG-ID|X,Vuln-ID|V-1'."""
    stig: str | None = None
    vuln: str | None = None
    for item in text.split(","):
        kind, _, value = item.partition("|")
        kind, value = kind.strip().upper(), _one_line(value, 80)
        if not value:
            continue
        if kind.startswith("800-53"):
            rule.add_reference("nist", value)
        elif kind == "CCI":
            rule.add_reference("cci", value)
        elif kind in ("STIG-ID", "STIG_ID"):
            stig = stig or value
        elif kind in ("VULN-ID", "VULN_ID"):
            vuln = vuln or value
    if stig or vuln:
        rule.add_reference("stig", stig, vuln)


def parse_nessus(path: Path) -> Scan:
    scan = Scan("nessus", path.name)

    def on_start(tag: str, attrib: dict[str, str], ancestors: Ancestors) -> None:
        name = _local(tag)
        if not ancestors and name != "NessusClientData_v2":
            raise _Refused(
                f"not a Nessus v2 file: the root element is <{name}>, "
                "not <NessusClientData_v2> (export the scan as .nessus)"
            )
        if name == "ReportHost":
            scan.host(_one_line(attrib.get("name")) or "(unnamed host)")

    def on_item(item: Element, ancestors: Ancestors) -> None:
        host = next(
            (
                _one_line(a.get("name")) or "(unnamed host)"
                for t, a in reversed(ancestors)
                if _local(t) == "ReportHost"
            ),
            None,
        )
        if host is None:
            return
        plugin = _one_line(item.get("pluginID"), 40) or "unknown"
        severity = (item.get("severity") or "").strip()
        values = {_local(c.tag): "".join(c.itertext()) for c in item}
        result = values.get("compliance-result", "").strip().upper()
        if result:
            if result == "PASSED":
                scan.skipped["passed compliance checks"] += 1
                return
            if result != "FAILED":
                scan.attention[f"compliance checks {result}"] += 1
                return
            check = _one_line(values.get("compliance-check-id") or "", 100) or _one_line(
                values.get("compliance-check-name"), 100
            )
            key = f"{plugin}:{check}" if check else plugin
        elif severity in ("0", ""):
            scan.skipped["informational results (severity 0)"] += 1
            return
        else:
            key = plugin
        rule = scan.rules.get(key)
        if rule is None:
            title = values.get("compliance-check-name") if result else item.get("pluginName")
            level = severity if severity in _NESSUS_SEVERITY else "2"
            rule = Rule(
                key,
                _one_line(title) or f"Nessus plugin {plugin}",
                _NESSUS_SEVERITY[level],
                f"Nessus severity {severity or '?'}, {_NESSUS_RATING.get(severity, 'unrated')}",
            )
            if result:
                rule.description = _prose(
                    values.get("compliance-info") or values.get("description")
                )
                rule.recommendation = _prose(values.get("compliance-solution"))
                _compliance_references(rule, values.get("compliance-reference", ""))
            else:
                parts = [values.get("synopsis", "").strip(), values.get("description", "").strip()]
                rule.description = _prose("\n\n".join(p for p in parts if p))
                rule.recommendation = _prose(values.get("solution"))
            for name in ("cvss4_vector", "cvss3_vector", "cvss_vector"):
                vector = _one_line(values.get(name), 300).removeprefix("CVSS2#")
                if vector:
                    rule.vectors.append(vector)
            rule.cves = [_one_line(c, 40) for c in _children_text(item, "cve")]
            rule.see_also = [
                _one_line(u, 300) for u in values.get("see_also", "").split() if u.strip()
            ][:10]
            scan.rules[key] = rule
        port = item.get("port") or ""
        where = f"port {item.get('protocol', '')}/{port}" if port not in ("", "0") else ""
        output = values.get("compliance-actual-value") if result else values.get("plugin_output")
        text = _clean(output, EVIDENCE_LIMIT)
        rule.add_host(host, "\n".join(p for p in (where and f"({where})", text) if p))

    _parse_xml(path, _Collector(lambda t: _local(t) == "ReportItem", on_item, on_start))
    return scan


# ----- XCCDF ---------------------------------------------------------------------------

_XCCDF_NAMESPACES = {
    "http://checklists.nist.gov/xccdf/1.1",
    "http://checklists.nist.gov/xccdf/1.2",
}
_XCCDF_WANTED = {"Rule", "rule-result", "target"}
_XCCDF_SEVERITY = {"low": "low", "medium": "medium", "high": "high", "info": "none"}
_STIG_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d{5,6}$")
_VULN_ID = re.compile(r"(?<![A-Za-z])S?V-(\d+)")
_IMPORTED_RESULTS = {"fail"}
_ATTENTION_RESULTS = {"error", "unknown"}


@dataclass
class _XccdfRule:
    title: str
    severity: str
    description: str
    fix: str
    version: str
    group: str
    idents: list[tuple[str, str]]
    references: list[tuple[str, str]]


def _vuln_discussion(text: str) -> str:
    """DISA benchmarks wrap the description in <VulnDiscussion> inside escaped XML text."""
    found = re.search(r"<VulnDiscussion>(.*?)</VulnDiscussion>", text, re.S)
    return found.group(1) if found else re.sub(r"<[^>]{0,200}>", " ", text)


def _xccdf_references(
    rule: Rule,
    idents: list[tuple[str, str]],
    refs: list[tuple[str, str]],
    version: str,
    group: str,
    key: str,
) -> None:
    for system, value in idents:
        value = _one_line(value, 80)
        if "cci" in system.lower() or value.startswith("CCI-"):
            rule.add_reference("cci", value)
        elif "cve" in system.lower() and re.fullmatch(CVE_ID, value):
            rule.cves.append(value)
    stig = version if _STIG_ID.match(version) else None
    for href, value in refs:
        value = _one_line(value, 80)
        if "800-53" in href:
            rule.add_reference("nist", value)
        elif value.startswith("CCI-"):
            rule.add_reference("cci", value)
        elif "stig" in href.lower() and _STIG_ID.match(value):
            stig = stig or value
    found = _VULN_ID.search(group) or _VULN_ID.search(key)
    vuln = f"V-{found.group(1)}" if found else None
    if stig or vuln:
        rule.add_reference("stig", stig, vuln)


def parse_xccdf(path: Path) -> Scan:
    scan = Scan("xccdf", path.name)
    definitions: dict[str, _XccdfRule] = {}
    targets: dict[int, str] = {}
    results: list[tuple[int, str, Element]] = []
    test_results = 0
    """TestResults seen so far; the current one's number names its target."""

    def xccdf(tag: str, name: str) -> bool:
        return _local(tag) == name and _namespace(tag) in _XCCDF_NAMESPACES

    def wanted(tag: str) -> bool:
        return _namespace(tag) in _XCCDF_NAMESPACES and _local(tag) in _XCCDF_WANTED

    def on_start(tag: str, attrib: dict[str, str], ancestors: Ancestors) -> None:
        nonlocal test_results
        if xccdf(tag, "TestResult"):
            test_results += 1

    def on_element(element: Element, ancestors: Ancestors) -> None:
        name = _local(element.tag)
        if name == "Rule":
            groups = [a.get("id", "") for t, a in ancestors if _local(t) == "Group"]
            rule_id = element.get("id", "")
            description = _child_text(element, "description")
            definitions[rule_id] = _XccdfRule(
                title=_one_line(_child_text(element, "title")),
                severity=element.get("severity", ""),
                description=_prose(_vuln_discussion(description)),
                fix=_prose(_child_text(element, "fixtext")),
                version=_one_line(_child_text(element, "version"), 80),
                group=groups[-1] if groups else "",
                idents=[
                    (c.get("system", ""), "".join(c.itertext()))
                    for c in element
                    if _local(c.tag) == "ident"
                ],
                references=[
                    (c.get("href", ""), "".join(c.itertext()))
                    for c in element
                    if _local(c.tag) == "reference" and len(c) == 0
                ],
            )
            return
        if not any(xccdf(tag, "TestResult") for tag, _ in ancestors):
            return
        if name == "target":
            target = _one_line("".join(element.itertext()))
            if target and test_results not in targets:
                targets[test_results] = target
                scan.host(target)
        else:
            outcome = _one_line(_child_text(element, "result"), 40).lower() or "unknown"
            results.append((test_results, outcome, element))

    _parse_xml(path, _Collector(wanted, on_element, on_start))
    if not test_results:
        raise ScanFileError(
            f"{display_path(path)}: no XCCDF TestResult in this file; import the results "
            "(oscap xccdf eval --results FILE), not the benchmark"
        )
    for number, outcome, element in results:
        host = targets.get(number, "")
        if not host:
            raise ScanFileError(
                f"{display_path(path)}: TestResult number {number} names no <target> host"
            )
        if outcome in _ATTENTION_RESULTS:
            scan.attention[f"rule results '{outcome}'"] += 1
            continue
        if outcome not in _IMPORTED_RESULTS:
            scan.skipped[f"rule results '{outcome}'"] += 1
            continue
        key = _one_line(element.get("idref"), 300) or "unknown-rule"
        rule = scan.rules.get(key)
        if rule is None:
            known = definitions.get(key)
            level = (element.get("severity") or (known.severity if known else "")).lower()
            rule = Rule(
                key,
                (known.title if known else "") or key,
                _XCCDF_SEVERITY.get(level, "none"),
                f"XCCDF severity '{level or 'unknown'}'",
                description=known.description if known else "",
                recommendation=known.fix if known else "",
            )
            idents = list(known.idents) if known else []
            idents += [
                (c.get("system", ""), "".join(c.itertext()))
                for c in element
                if _local(c.tag) == "ident"
            ]
            version = element.get("version") or (known.version if known else "")
            _xccdf_references(
                rule,
                idents,
                known.references if known else [],
                _one_line(version, 80),
                known.group if known else "",
                key,
            )
            scan.rules[key] = rule
        checks = [
            _one_line(c.get("name"), 200)
            for c in element.iter()
            if _local(c.tag) == "check-content-ref" and c.get("name")
        ]
        messages = [_clean(m, 1000) for m in _children_text(element, "message")]
        text = "\n".join(["result: fail" + (f" ({checks[0]})" if checks else ""), *messages])
        rule.add_host(host, _clean(text, EVIDENCE_LIMIT))
    return scan


# ----- HDF -----------------------------------------------------------------------------

_HDF_SEVERITIES = {"none", "low", "medium", "high", "critical"}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _impact_severity(impact: float) -> str:
    if impact >= 0.9:
        return "critical"
    if impact >= 0.7:
        return "high"
    if impact >= 0.4:
        return "medium"
    return "low" if impact > 0 else "none"


def _hdf_text(control: dict[str, Any], label: str) -> str:
    for entry in control.get("descriptions") or []:
        if isinstance(entry, dict) and entry.get("label") == label:
            data = entry.get("data")
            return data if isinstance(data, str) else ""
    return ""


def parse_hdf(path: Path) -> Scan:
    shown = display_path(path)
    raw = b"".join(_open_limited(path))
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ReviewError(
            [Problem(shown, err.lineno, err.colno, f"not valid JSON: {err.msg}")]
        ) from None
    except UnicodeDecodeError:
        raise ScanFileError(f"{shown}: not UTF-8 JSON text") from None
    except RecursionError:
        raise ScanFileError(f"{shown}: JSON nested too deeply to be an HDF file") from None
    except ValueError as err:  # e.g. a number of more digits than Python converts
        raise ScanFileError(f"{shown}: not valid JSON: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
        raise ScanFileError(f"{shown}: not an HDF results file: no 'profiles' list")
    platform = data.get("platform")
    target = platform.get("target_id") if isinstance(platform, dict) else None
    host = _one_line(target) if isinstance(target, str) else ""
    if not host:
        raise ScanFileError(
            f"{shown}: the file names no host: platform.target_id is missing or empty "
            "(InSpec writes it; set it with `inspec exec ... --target-id NAME`)"
        )
    scan = Scan("hdf", path.name, hosts=[host])
    controls: dict[str, dict[str, Any]] = {}
    statuses: dict[str, list[str]] = {}
    for profile in data["profiles"]:
        if not isinstance(profile, dict) or not isinstance(profile.get("controls"), list):
            raise ScanFileError(f"{shown}: not an HDF results file: a profile has no 'controls'")
        for control in profile["controls"]:
            if not isinstance(control, dict) or not isinstance(control.get("id"), str):
                raise ScanFileError(f"{shown}: not an HDF results file: a control has no 'id'")
            key = _one_line(control["id"], 300) or "unknown-control"
            controls.setdefault(key, control)  # overlays repeat controls: the first wins
            results = control.get("results")
            statuses.setdefault(key, []).extend(
                str(r.get("status", "")) for r in results or [] if isinstance(r, dict)
            )
    for key, control in controls.items():
        impact = control.get("impact")
        impact = float(impact) if isinstance(impact, int | float) else 0.5
        found = statuses[key]
        if impact == 0:
            scan.skipped["controls not applicable (impact 0)"] += 1
            continue
        if "failed" not in found:
            if "error" in found:
                scan.attention["controls with errors"] += 1
            elif found and all(s == "passed" for s in found):
                scan.skipped["controls passed"] += 1
            else:
                scan.skipped["controls not reviewed (skipped or no results)"] += 1
            continue
        tags: dict[str, Any] = control["tags"] if isinstance(control.get("tags"), dict) else {}
        tagged = str(tags.get("severity", "")).lower()
        severity = tagged if tagged in _HDF_SEVERITIES else _impact_severity(impact)
        description = control.get("desc") if isinstance(control.get("desc"), str) else ""
        rule = Rule(
            key,
            _one_line(control.get("title") if isinstance(control.get("title"), str) else "") or key,
            severity,
            f"HDF impact {impact:g}" + (f", severity '{tagged}'" if tagged else ""),
            description=_prose(description or _hdf_text(control, "default")),
            recommendation=_prose(_hdf_text(control, "fix")),
        )
        for name in ("cvss4_vector", "cvss3_vector", "cvss_vector", "cvss"):
            for vector in _as_list(tags.get(name)):
                cleaned = _one_line(vector, 300).removeprefix("CVSS2#")
                if cleaned and ":" in cleaned:
                    rule.vectors.append(cleaned)
        rule.cves = [
            _one_line(c, 40) for c in _as_list(tags.get("cve")) + _as_list(tags.get("cves"))
        ]
        for nist in _as_list(tags.get("nist")):
            if not re.fullmatch(r"Rev_\d+|unmapped", nist.strip(), re.I):
                rule.add_reference("nist", _one_line(nist, 80))
        for cci in _as_list(tags.get("cci")):
            rule.add_reference("cci", _one_line(cci, 80))
        stig = _one_line(tags.get("stig_id") if isinstance(tags.get("stig_id"), str) else "", 80)
        gid = tags.get("gid") if isinstance(tags.get("gid"), str) else ""
        vuln = _VULN_ID.search(gid) if isinstance(gid, str) else None
        if stig or vuln:
            rule.add_reference("stig", stig or None, f"V-{vuln.group(1)}" if vuln else None)
        lines = []
        for result in control.get("results") or []:
            if isinstance(result, dict) and result.get("status") == "failed":
                said = _one_line(str(result.get("code_desc", "")), 500)
                message = _clean(str(result.get("message", "")), 1000)
                lines.append("failed: " + said + (f"\n{message}" if message else ""))
        rule.add_host(host, _clean("\n".join(lines), EVIDENCE_LIMIT))
        scan.rules[key] = rule
    return scan


PARSERS: dict[str, Callable[[Path], Scan]] = {
    "nessus": parse_nessus,
    "xccdf": parse_xccdf,
    "hdf": parse_hdf,
}


# ----- from a scan to drafts -----------------------------------------------------------

_SEVERITY_ORDER = ["critical", "high", "medium", "low", "none"]
_TOOL_NAMES = {"nessus": "Nessus", "xccdf": "XCCDF", "hdf": "HDF"}


@dataclass
class Outcome:
    """What an import did, for the summary the command prints."""

    review: Path
    scan: Scan
    state: str
    category: str
    created: list[tuple[str, str, int]] = field(default_factory=list)
    """(file, finding id, assets affected) of each draft written."""
    present: list[str] = field(default_factory=list)
    """Rules skipped because a finding already has them (draft or triaged)."""
    unmapped_only: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    """Hosts with failed rules and no --map, with how many rules failed there."""
    unknown_hosts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    frameworks_needed: dict[str, str] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        scan = self.scan
        name = _TOOL_NAMES[scan.tool]
        out = [
            f"{self.review}: {len(self.created)} draft"
            f"{'s' if len(self.created) != 1 else ''} imported from {scan.name} ({name}), "
            f"state '{self.state}', category '{self.category}'"
        ]
        out += [
            f"  created {file} ({fid}, {n} asset{'s' if n != 1 else ''})"
            for file, fid, n in self.created
        ]
        failed = len(scan.rules)
        out.append(
            f"  {failed} failed rule{'s' if failed != 1 else ''} on {len(scan.hosts)} "
            f"host{'s' if len(scan.hosts) != 1 else ''} in the file"
        )
        if self.present:
            out.append(
                f"  {len(self.present)} already in the review (draft or triaged), left as "
                "they are: "
                + ", ".join(self.present[:10])
                + (f" and {len(self.present) - 10} more" if len(self.present) > 10 else "")
            )
        if self.unmapped_only:
            out.append(
                f"  {self.unmapped_only} failed only on unmapped hosts: map them and import again"
            )
        for reason, count in sorted(scan.skipped.items()):
            out.append(f"  not imported: {count} {reason}")
        for reason, count in sorted(scan.attention.items()):
            out.append(f"  not imported, check by hand: {count} {reason}")
        out += [f"  note: {note}" for note in self.notes]
        if self.unmapped:
            out.append("  unmapped hosts (their results were not imported); add:")
            for host, count in self.unmapped.items():
                asset = self.suggestions.get(host, "ASSET")
                out.append(
                    f"    --map {shlex.quote(f'{host}={asset}')}"
                    f"   ({count} failed rule{'s' if count != 1 else ''})"
                )
        if self.unknown_hosts:
            out.append(
                "  --map names hosts this file does not have: "
                + ", ".join(self.unknown_hosts)
                + f" (hosts in the file: {', '.join(scan.hosts[:10]) or 'none'})"
            )
        if self.frameworks_needed:
            out.append(
                "  review.yaml declares no framework for some references of the drafts; "
                "`reviewgen check` reports them until you add under frameworks:"
            )
            out += [f"    - {entry}" for entry in self.frameworks_needed.values()]
        return out


def _parse_maps(maps: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for entry in maps:
        host, sep, asset = entry.rpartition("=")
        if not sep or not host or not asset:
            raise UsageError(f"--map {entry!r}: write HOST=ASSET, e.g. --map esx01.corp=esx01")
        result.setdefault(host, [])
        if asset not in result[host]:
            result[host].append(asset)
    return result


def _suggest(host: str, assets: list[str]) -> str | None:
    first = re.split(r"[.:]", host.lower(), maxsplit=1)[0]
    if first in assets:
        return first
    close = difflib.get_close_matches(first, assets, n=1, cutoff=0.8)
    return close[0] if close else None


def _file_name(tool: str, rule: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", rule).strip("-.")[:100] or "rule"
    if safe != rule:
        safe += "-" + hashlib.sha256(rule.encode()).hexdigest()[:8]
    return f"draft-{tool}-{safe}.yaml"


def _delta(states: list[str], state: str, baseline: str) -> str:
    """A delta the check accepts for a finding affecting assets in `state` only."""
    if state != baseline:
        return "new"
    return "removed" if len(states) > 1 else "carried-over"


def _cvss(rule: Rule, tool: str, notes: list[str]) -> dict[str, Any] | None:
    block: dict[str, Any] = {}
    for vector in rule.vectors:
        try:
            version = version_of(vector)
            score_vector(vector)
        except VectorError as err:
            notes.append(f"{rule.key}: the scanner's vector {vector[:120]!r} was dropped ({err})")
            continue
        key = VERSION_KEYS[version]
        if key not in block:
            block[key] = {"vector": vector}
    if not block:
        return None
    block["scored_scenario"] = (
        f"The scanner's vector{'s' if len(block) > 1 else ''} for this "
        f"{_TOOL_NAMES[tool]} rule ({rule.rating}), not yet reviewed for this estate."
    )
    return block


def _references(rule: Rule, stig_framework: str) -> list[dict[str, str]]:
    refs = []
    for kind, ident, vuln in rule.references:
        framework = {"stig": stig_framework, "cci": "cci", "nist": "nist-800-53"}[kind]
        ref = {"framework": framework}
        if ident:
            ref["id"] = ident
        if vuln:
            ref["vuln_id"] = vuln
        refs.append(ref)
    return refs


def _evidence(scan: Scan, rule: Rule, hosts: list[tuple[str, list[str]]]) -> str:
    what = {"nessus": "Nessus plugin", "xccdf": "XCCDF rule", "hdf": "HDF control"}[scan.tool]
    parts = [f"{what} {rule.key} in {scan.name}:"]
    for host, assets in hosts[:MAX_EVIDENCE_HOSTS]:
        outputs = rule.evidence.get(host, [])
        body = "\n".join(outputs) or "(no output)"
        body = _clean(body, EVIDENCE_LIMIT)
        parts.append(f"\n{host} (asset {', '.join(assets)}):\n{body}")
    if len(hosts) > MAX_EVIDENCE_HOSTS:
        parts.append(f"\n... and {len(hosts) - MAX_EVIDENCE_HOSTS} more hosts")
    return "\n".join(parts)


def _draft(
    scan: Scan,
    rule: Rule,
    finding_id: str,
    spec: ReviewFile,
    state: str,
    category: str,
    hosts: list[tuple[str, list[str]]],
    stig_framework: str,
    notes: list[str],
) -> dict[str, Any]:
    # Drafts go to the built states; a proposed redesign gets a finding only when the
    # reviewer decides it carries over.
    states = [s.id for s in spec.states if s.role != "proposed"]
    order = [a.id for a in spec.assets]
    assets = sorted({a for _, mapped in hosts for a in mapped}, key=order.index)
    data: dict[str, Any] = {
        "id": finding_id,
        "draft": True,
        "source": {"tool": scan.tool, "rule": rule.key},
        "title": rule.title or rule.key,
        "category": category,
        "threats": [],
        "delta": _delta(states, state, spec.baseline_state),
        "status": "open",
        "affected": {s: list(assets) if s == state else [] for s in states},
    }
    cves = list(dict.fromkeys(c for c in rule.cves if re.fullmatch(CVE_ID, c)))
    if cves:
        data["cves"] = [{"id": c} for c in cves]
    cvss = _cvss(rule, scan.tool, notes)
    data["cvss"] = cvss
    if cvss is None:
        data["severity"] = rule.severity
        data["severity_rationale"] = (
            f"As the scanner rated it ({rule.rating}); not yet reviewed for this estate."
        )
    description = rule.description or f"{_TOOL_NAMES[scan.tool]} reported {rule.key} as failed."
    if rule.see_also:
        description += "\n\nSee also:\n\n" + "\n".join(f"- <{url}>" for url in rule.see_also)
    data["description"] = description
    data["evidence"] = _evidence(scan, rule, hosts)
    data["recommendation"] = rule.recommendation or "The scanner gives none; write it in triage."
    references = _references(rule, stig_framework)
    if references:
        data["references"] = references
    return data


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text_representer(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text_representer)


def _yaml(data: dict[str, Any], scan: Scan) -> str:
    header = (
        FINDING_SCHEMA_LINE
        + f"# Draft imported by `reviewgen import {scan.tool}` from {_one_line(scan.name, 100)}.\n"
        "# Triage it: check the assets, delta, category, scores and text, add attack steps,\n"
        "# then delete `draft: true`. Keep `source:`: importing again skips this rule.\n"
    )
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def _write_new(folder: Path, name: str, content: str) -> bool:
    """Write `folder/name` atomically, never replacing a file; False if one is there."""
    target = folder / name
    if target.exists() or target.is_symlink():
        return False
    handle, temporary = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        # Read back with reviewgen's own reader: what was written is what check will read.
        try:
            Finding.model_validate(read_yaml(Path(temporary)).data)
        except YamlProblem as err:
            raise AssertionError(f"draft {name} does not read back: {err}") from None
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        except OSError:
            # A file system without hard links: exclusive create, then the content.
            try:
                with target.open("x", encoding="utf-8") as stream:
                    stream.write(content)
            except FileExistsError:
                return False
        return True
    finally:
        os.unlink(temporary)


def _next_id(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    taken.add(f"{prefix}-{number}")
    return f"{prefix}-{number}"


@dataclass(frozen=True)
class _Existing:
    """A finding file as far as importing needs it: read, not checked."""

    file: str
    id: str
    source: tuple[str, str] | None
    affected: dict[str, list[str]]


def _review_file(review_dir: Path) -> ReviewFile:
    """review.yaml, validated; its own problems, located, when it does not validate."""
    path = review_dir / REVIEW_FILE
    if not path.is_file():
        raise UsageError(f"no {REVIEW_FILE} in {review_dir}")
    try:
        return ReviewFile.model_validate(read_yaml(path).data)
    except YamlProblem as err:
        raise ReviewError([err.problem]) from None
    except ValidationError:
        pass
    # Only the full load locates what is wrong; the problems of review.yaml are the ones
    # that stop an import (a draft's own problems do not).
    try:
        load_review(review_dir)
    except ReviewError as err:
        shown = display_path(path)
        raise ReviewError([p for p in err.problems if p.path == shown] or err.problems) from None
    raise UsageError(f"{path} does not validate; run reviewgen check {review_dir}")


def _existing(review_dir: Path) -> list[_Existing]:
    """Every finding file's id, source key and affected assets, drafts and broken ones too."""
    folder = review_dir / FINDINGS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        try:
            data = read_yaml(path).data
        except YamlProblem as err:
            # Its source key cannot be read, so importing could duplicate it: stop here.
            raise ReviewError([err.problem]) from None
        if not isinstance(data, dict):
            continue
        source = data.get("source")
        key = None
        if isinstance(source, dict):
            key = (str(source.get("tool", "")), str(source.get("rule", "")))
        affected = data.get("affected")
        found.append(
            _Existing(
                f"{FINDINGS_DIR}/{path.name}",
                str(data.get("id", "")),
                key,
                {
                    str(k): [str(a) for a in v]
                    for k, v in (affected.items() if isinstance(affected, dict) else [])
                    if isinstance(v, list)
                },
            )
        )
    return found


def import_scan(
    tool: str,
    file: Path,
    review_dir: Path,
    maps: list[str],
    *,
    state: str | None = None,
    category: str | None = None,
    stig_framework: str = DEFAULT_STIG_FRAMEWORK,
) -> Outcome:
    """Read `file`, then write one draft per failed rule not in the review yet."""
    mapping = _parse_maps(maps)
    if tool not in PARSERS:
        raise UsageError(f"unknown format {tool!r}: use one of {', '.join(TOOLS)}")
    scan = PARSERS[tool](file)
    spec = _review_file(review_dir)
    # Drafts go to the built states; a proposed redesign gets a finding only when the
    # reviewer decides it carries over.
    states = [s.id for s in spec.states if s.role != "proposed"]
    chosen = state or spec.current_state
    if chosen not in states:
        raise UsageError(f"--state {chosen!r}: the review's states are {', '.join(states)}")
    categories = [c.id for c in spec.categories]
    chosen_category = category or categories[0]
    if chosen_category not in categories:
        raise UsageError(
            f"--category {chosen_category!r}: the review's categories are {', '.join(categories)}"
        )
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stig_framework):
        raise UsageError(f"--stig-framework {stig_framework!r} is not a framework id")
    placed = [a.id for a in spec.assets if chosen in a.placement]
    for host, assets in mapping.items():
        for asset in assets:
            if asset not in placed:
                close = difflib.get_close_matches(asset, placed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise UsageError(
                    f"--map {host}={asset}: no asset {asset!r} in state {chosen!r}{hint}"
                )
    findings_dir = review_dir / FINDINGS_DIR
    if findings_dir.exists() and not findings_dir.resolve().is_relative_to(review_dir.resolve()):
        raise UsageError(f"{findings_dir} leads outside the review folder; nothing was written")
    outcome = Outcome(review_dir, scan, chosen, chosen_category)
    outcome.unknown_hosts = [h for h in mapping if h not in scan.hosts]
    everything = _existing(review_dir)
    present: dict[tuple[str, str], _Existing] = {}
    for existing_file in everything:
        if existing_file.source is not None:
            present.setdefault(existing_file.source, existing_file)
    taken = {f.id for f in everything} | {o.id for o in spec.observations}
    prefix = tool.upper()
    assert re.fullmatch(FINDING_ID, f"{prefix}-1")
    declared = {f.id for f in spec.frameworks}
    order = sorted(scan.rules.values(), key=lambda r: (_SEVERITY_ORDER.index(r.severity), r.key))
    for rule in order:
        hosts = [(h, mapping[h]) for h in rule.evidence if h in mapping]
        for host in rule.evidence:
            if host not in mapping:
                outcome.unmapped[host] = outcome.unmapped.get(host, 0) + 1
        existing = present.get((tool, rule.key))
        if existing is not None:
            outcome.present.append(existing.id)
            listed = set(existing.affected.get(chosen, []))
            missing = sorted({a for _, assets in hosts for a in assets} - listed)
            if missing:
                outcome.notes.append(
                    f"{existing.id} ({existing.file}) also failed on "
                    f"{', '.join(missing)}, which it does not list in '{chosen}'; "
                    "add them by hand if they belong"
                )
            continue
        if not hosts:
            outcome.unmapped_only += 1
            continue
        finding_id = _next_id(prefix, taken)
        data = _draft(
            scan,
            rule,
            finding_id,
            spec,
            chosen,
            chosen_category,
            hosts,
            stig_framework,
            outcome.notes,
        )
        for ref in data.get("references", []):
            framework = ref["framework"]
            if framework not in declared:
                outcome.frameworks_needed[framework] = FRAMEWORK_ENTRIES.get(
                    framework, _stig_entry(framework)
                )
        findings_dir.mkdir(exist_ok=True)
        name = _file_name(tool, rule.key)
        if _write_new(findings_dir, name, _yaml(data, scan)):
            shown = f"{FINDINGS_DIR}/{name}"
            outcome.created.append((shown, finding_id, len(data["affected"][chosen])))
        else:
            outcome.notes.append(
                f"{FINDINGS_DIR}/{name} already exists and was left as it is; "
                f"{rule.key} was not imported"
            )
    placed_sorted = sorted(placed)
    for host in outcome.unmapped:
        guess = _suggest(host, placed_sorted)
        if guess:
            outcome.suggestions[host] = guess
    return outcome
