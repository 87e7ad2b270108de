"""Load review folders: parse, validate shape, check references, score, all in one pass.

Every problem found is collected with its `path:line:column`; one `ReviewError`
carries them all. Nothing here writes to disk.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, ReviewError, display_path
from .model import PATTERN_HELP, Finding, ReviewFile
from .plan_checks import check_plan
from .redact import (
    Profile,
    Redactor,
    adjust_finding_data,
    adjust_review_data,
    redact_document,
    redactor_for,
)
from .registry import VERSION_KEYS
from .review import Review, ScoredFinding
from .scoring import Score, VectorError, score_vector, version_of, with_requirements
from .secretscan import MAX_SUSPECT_LINES, TooManySuspectLines, scan_text, scan_texts
from .yamlsource import Document, PathKey, YamlProblem, read_yaml

REVIEW_FILE = "review.yaml"
FINDINGS_DIR = "findings"
SCORE_TOLERANCE = 0.05
MAX_EVIDENCE_SCAN = 10 * 1024 * 1024

_TYPE_WORDS = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "date_type": "expected a date such as 2025-04-30",
    "date_parsing": "expected a date such as 2025-04-30",
    "date_from_datetime_parsing": "expected a date such as 2025-04-30",
    "date_from_datetime_inexact": "expected a date such as 2025-04-30 without a time",
    "none_required": "expected nothing here",
}


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a date" if hasattr(value, "isoformat") else "a value"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Known keys of the mapping at `loc`, to suggest a spelling for an unknown key."""
    candidates: list[Any] = [model]
    for part in loc:
        following: list[Any] = []
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if isinstance(part, int) and origin is list:
                following += _unwrap(typing.get_args(candidate)[0])
            elif origin is dict:
                following += _unwrap(typing.get_args(candidate)[1])
            elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, info in candidate.model_fields.items():
                    if part in (name, info.alias):
                        following += _unwrap(info.annotation)
        candidates = following
    names: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            names += [info.alias or name for name, info in candidate.model_fields.items()]
    return names


def _data_path(doc: Document, loc: tuple[Any, ...]) -> PathKey:
    """Drop pydantic's union-branch tags from a location, keeping real data keys."""
    path: list[str | int] = []
    node = doc.data
    for part in loc:
        if part == "[key]":
            continue
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
    return tuple(path)


def _validation_problems(
    doc: Document, model: type[BaseModel], error: ValidationError
) -> list[Problem]:
    problems: dict[tuple[PathKey, bool], list[str]] = {}
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        path = _data_path(doc, loc)
        at_key = False
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _field_names(model, loc[:-1])
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            if not close and known:
                hint = f"; expected one of: {', '.join(sorted(known))}"
            message = f"unknown key {key!r}{hint}"
            at_key = True
        elif kind == "missing":
            message = f"missing required key {str(loc[-1])!r}"
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"expected one of {expected}, got {item['input']!r}"
        elif kind == "string_pattern_mismatch":
            pattern = item.get("ctx", {}).get("pattern", "")
            wanted = PATTERN_HELP.get(pattern, f"text matching {pattern}")
            message = f"expected {wanted}, got {item['input']!r}"
            at_key = "[key]" in loc
        elif kind in ("string_too_short", "too_short"):
            message = "must not be empty"
        elif kind in _TYPE_WORDS:
            message = f"{_TYPE_WORDS[kind]}, got {_describe(item['input'])}"
            at_key = "[key]" in loc
        else:
            message = item["msg"]
        problems.setdefault((path, at_key), []).append(message)
    result = []
    for (path, at_key), messages in problems.items():
        unique = list(dict.fromkeys(messages))
        if len(unique) > 1 and all(m.startswith("expected ") for m in unique):
            wanted = " or ".join(m.split(", got ")[0].removeprefix("expected ") for m in unique)
            got = unique[0].split(", got ")[-1]
            unique = [f"expected {wanted}, got {got}"]
        result += [doc.problem(path, message, key=at_key) for message in unique]
    return result


#: The positions an attack step may require (and an entry point assume): holding a
#: foothold on, control of, or read access to (stored credentials, a disk image,
#: migration memory) an asset or any member of a group.
POSITION_KINDS = ("foothold", "control", "read")
POSITION_FORMS = ", ".join(f"'{kind}:<asset>', '{kind}:group:<group>'" for kind in POSITION_KINDS)


class _Checker:
    """Cross-reference checks over a validated review, each problem at its node."""

    def __init__(self, root: Path, doc: Document, spec: ReviewFile) -> None:
        self.root = root
        self.doc = doc
        self.spec = spec
        self.problems: list[Problem] = []
        self.states = [s.id for s in spec.states]
        self.assets = {a.id: a for a in spec.assets}
        self.groups = spec.groups
        self.entry_points = {e.id for e in spec.entry_points}
        self.present = {
            state: {a.id for a in spec.assets if state in a.placement} for state in self.states
        }

    def report(self, doc: Document, path: PathKey, message: str, *, key: bool = False) -> None:
        self.problems.append(doc.problem(path, message, key=key))

    def known(
        self, doc: Document, path: PathKey, value: str, choices: Collection[str], what: str
    ) -> bool:
        if value in choices:
            return True
        options = sorted(set(choices))
        close = difflib.get_close_matches(value, options, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if not options:
            hint = f"; none are declared in {REVIEW_FILE}"
        self.report(doc, path, f"unknown {what} {value!r}{hint}")
        return False

    def unique(self, doc: Document, section: str, items: list[Any], what: str) -> None:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                line = doc.at((section, seen[item.id]))[0]
                self.report(
                    doc,
                    (section, index, "id"),
                    f"duplicate {what} id {item.id!r} (first used at line {line})",
                )
            else:
                seen[item.id] = index

    def asset_in(self, doc: Document, path: PathKey, asset: str, states: list[str]) -> None:
        if not self.known(doc, path, asset, self.assets, "asset"):
            return
        for state in states:
            if state in self.present and asset not in self.present[state]:
                self.report(doc, path, f"asset {asset!r} has no placement in state {state!r}")

    def target(self, doc: Document, path: PathKey, to: str | list[str], states: list[str]) -> None:
        """An asset id, 'group:<id>', or a list of asset ids."""
        if isinstance(to, list):
            for index, asset in enumerate(to):
                self.asset_in(doc, (*path, index), asset, states)
        elif to.startswith("group:"):
            self.known(doc, path, to.removeprefix("group:"), self.groups, "group")
        else:
            self.asset_in(doc, path, to, states)

    def state_list(self, doc: Document, path: PathKey, states: list[str]) -> list[str]:
        return [
            state
            for index, state in enumerate(states)
            if self.known(doc, (*path, index), state, self.states, "state")
        ]

    def check_review(self) -> None:
        doc, spec = self.doc, self.spec
        for section, what in (
            ("states", "state"),
            ("roadmap", "roadmap phase"),
            ("frameworks", "framework"),
            ("categories", "category"),
            ("threat_tags", "threat tag"),
            ("networks", "network"),
            ("clusters", "cluster"),
            ("datastores", "datastore"),
            ("assets", "asset"),
            ("entry_points", "entry point"),
            ("observations", "observation"),
        ):
            self.unique(doc, section, getattr(spec, section), what)
        networks = [n.id for n in spec.networks]
        clusters = [c.id for c in spec.clusters]
        datastores = [d.id for d in spec.datastores]
        for i, asset in enumerate(spec.assets):
            if asset.zone is not None:
                self.known(doc, ("assets", i, "zone"), asset.zone, networks, "network")
            for state, place in asset.placement.items():
                where: PathKey = ("assets", i, "placement", state)
                if not self.known(doc, where, state, self.states, "state"):
                    continue
                for field, choices in (("cluster", clusters), ("datastore", datastores)):
                    value = getattr(place, field)
                    if value is None:
                        continue
                    if place.platform != "vm":
                        self.report(doc, (*where, field), f"only a vm has a {field}")
                    else:
                        self.known(doc, (*where, field), value, choices, field)
        for i, cluster in enumerate(spec.clusters):
            for j, host in enumerate(cluster.hosts):
                self.known(doc, ("clusters", i, "hosts", j), host, self.assets, "asset")
            if cluster.managed_by:
                self.known(
                    doc, ("clusters", i, "managed_by"), cluster.managed_by, self.assets, "asset"
                )
            if cluster.migration_network:
                self.known(
                    doc,
                    ("clusters", i, "migration_network"),
                    cluster.migration_network,
                    networks,
                    "network",
                )
        for i, store in enumerate(spec.datastores):
            self.known(doc, ("datastores", i, "served_by"), store.served_by, self.assets, "asset")
        for group, members in spec.groups.items():
            for j, member in enumerate(members):
                self.known(doc, ("groups", group, j), member, self.assets, "asset")
        for i, edge in enumerate(spec.dominance):
            states = self.state_list(doc, ("dominance", i, "states"), edge.states)
            self.asset_in(doc, ("dominance", i, "from"), edge.source, states)
            self.target(doc, ("dominance", i, "to"), edge.to, states)
        for i, entry in enumerate(spec.entry_points):
            if entry.assumes is not None:
                assumed_at: PathKey = ("entry_points", i, "assumes")
                if ":" not in entry.assumes:
                    self.report(
                        doc,
                        assumed_at,
                        f"an assumed position is one of {POSITION_FORMS}",
                    )
                else:
                    self.check_position(doc, assumed_at, entry.assumes, [])
        for i, rule in enumerate(spec.redaction.patterns):
            pattern_at: PathKey = ("redaction", "patterns", i, "pattern")
            try:
                compiled = re.compile(rule.pattern)
            except re.error as err:
                self.report(doc, pattern_at, f"not a regular expression: {err}")
                continue
            if compiled.fullmatch(""):
                self.report(
                    doc, pattern_at, "this pattern matches empty text; make it match a name"
                )
        categories = [c.id for c in spec.categories]
        for i, obs in enumerate(spec.observations):
            self.known(doc, ("observations", i, "category"), obs.category, categories, "category")

    def check_finding(self, doc: Document, finding: Finding) -> None:
        spec = self.spec
        self.known(
            doc, ("category",), finding.category, [c.id for c in spec.categories], "category"
        )
        for i, tag in enumerate(finding.threats):
            self.known(doc, ("threats", i), tag, [t.id for t in spec.threat_tags], "threat tag")
        for state, assets in finding.affected.items():
            if not self.known(doc, ("affected", state), state, self.states, "state"):
                continue
            for j, asset in enumerate(assets):
                self.asset_in(doc, ("affected", state, j), asset, [state])
        self.check_delta(doc, finding)
        if finding.roadmap is not None:
            self.known(
                doc, ("roadmap",), finding.roadmap, [p.id for p in spec.roadmap], "roadmap phase"
            )
        for i, ref in enumerate(finding.references):
            self.known(
                doc,
                ("references", i, "framework"),
                ref.framework,
                [f.id for f in spec.frameworks],
                "framework",
            )
        kev = finding.known_exploited
        if kev.date_added is not None and not kev.cisa_kev:
            self.report(
                doc,
                ("known_exploited", "date_added"),
                "date_added is only for a finding with cisa_kev: true",
            )
        for i, cve in enumerate(finding.cves):
            if cve.vendor_cvss is not None:
                try:
                    score_vector(cve.vendor_cvss)
                except VectorError as err:
                    self.report(doc, ("cves", i, "vendor_cvss"), str(err))
        for i, attachment in enumerate(finding.evidence_files):
            self.check_evidence_path(doc, ("evidence_files", i, "path"), attachment.path)
        for i, step in enumerate(finding.attack_steps):
            where: PathKey = ("attack_steps", i)
            states = self.state_list(doc, (*where, "states"), step.states)
            self.check_position(doc, (*where, "requires"), step.requires, states)
            self.target(doc, (*where, "to"), step.to, states)

    def check_delta(self, doc: Document, finding: Finding) -> None:
        first, last = self.states[0], self.states[-1]
        lists = {state: finding.affected.get(state, []) for state in self.states}
        if finding.delta == "new" and lists[first]:
            self.report(
                doc,
                ("affected", first),
                f"a 'new' finding must affect nothing in the baseline state {first!r}",
            )
        if finding.delta == "removed" and lists[last]:
            self.report(
                doc,
                ("affected", last),
                f"a 'removed' finding must affect nothing in the current state {last!r}",
            )
        if finding.delta == "carried-over" and len({tuple(sorted(v)) for v in lists.values()}) > 1:
            self.report(
                doc,
                ("affected",),
                "a 'carried-over' finding must affect the same assets in every state",
            )

    def check_position(
        self, doc: Document, path: PathKey, requires: str, states: list[str]
    ) -> None:
        kind, _, subject = requires.partition(":")
        if not subject:
            self.known(doc, path, requires, self.entry_points, "entry point")
        elif kind not in POSITION_KINDS:
            self.report(
                doc,
                path,
                f"unknown position {requires!r}: use an entry point id, {POSITION_FORMS}",
            )
        elif subject.startswith("group:"):
            self.known(doc, path, subject.removeprefix("group:"), self.groups, "group")
        else:
            self.asset_in(doc, path, subject, states)

    def check_evidence_path(self, doc: Document, path: PathKey, value: str) -> None:
        candidate = Path(value)
        if candidate.is_absolute() or value.startswith(("/", "\\")) or ":" in value:
            self.report(doc, path, "evidence paths are relative to the review folder")
            return
        if ".." in candidate.parts:
            self.report(doc, path, "evidence paths may not leave the review folder ('..')")
            return
        root = self.root.resolve()
        resolved = (self.root / candidate).resolve()
        if not resolved.is_relative_to(root):
            self.report(doc, path, "evidence path leaves the review folder through a link")
        elif not resolved.is_file():
            self.report(doc, path, f"no such evidence file {value!r} in the review folder")


def _requirements(review: ReviewFile, finding: Finding) -> dict[str, str]:
    """Highest CIA requirement over the affected assets, current state first."""
    order = ["low", "medium", "high"]
    assets = {a.id: a for a in review.assets}
    for state in reversed([s.id for s in review.states]):
        affected = [assets[a] for a in finding.affected.get(state, []) if a in assets]
        if affected:
            return {
                "CR": max((a.requirements.confidentiality for a in affected), key=order.index),
                "IR": max((a.requirements.integrity for a in affected), key=order.index),
                "AR": max((a.requirements.availability for a in affected), key=order.index),
            }
    return {}


def _score_finding(
    doc: Document, spec: ReviewFile, finding: Finding, problems: list[Problem]
) -> tuple[tuple[Score, ...], dict[str, str] | None]:
    if finding.cvss is None:
        missing = [k for k in ("severity", "severity_rationale") if getattr(finding, k) is None]
        if missing:
            problems.append(
                doc.problem(
                    ("cvss",),
                    "cvss: null needs a qualitative 'severity' and a "
                    f"'severity_rationale' (missing: {', '.join(missing)})",
                    key=True,
                )
            )
        return (), None
    if finding.severity is not None:
        problems.append(
            doc.problem(
                ("severity",),
                "severity comes from the CVSS vectors; set it only with cvss: null",
                key=True,
            )
        )
    requirements = _requirements(spec, finding) if finding.cvss.derive_requirements else None
    scores = []
    for version, key in VERSION_KEYS.items():
        entry = getattr(finding.cvss, key)
        if entry is None:
            continue
        where: PathKey = ("cvss", key, "vector")
        try:
            declared = version_of(entry.vector.strip())
            if declared != version:
                raise VectorError(
                    f"a CVSS {declared} vector under {key}; move it under {VERSION_KEYS[declared]}"
                )
            written = score_vector(entry.vector.strip())
            result = written
            if requirements:
                result = score_vector(with_requirements(written.vector, requirements))
        except VectorError as err:
            problems.append(doc.problem(where, str(err)))
            continue
        if entry.score is not None:
            # The stated score is checked against the vector as written, not against the
            # one with derived requirements appended (for v4 those change the score).
            stated_against = written.base if written.nomenclature is None else written.score
            if abs(entry.score - stated_against) > SCORE_TOLERANCE:
                what = "base score" if written.nomenclature is None else written.label + " score"
                problems.append(
                    doc.problem(
                        ("cvss", key, "score"),
                        f"stated score {entry.score} disagrees with the computed {what} "
                        f"{stated_against:.1f} for {entry.vector.strip()}",
                    )
                )
        scores.append(result)
    if not any(getattr(finding.cvss, key) for key in VERSION_KEYS.values()):
        problems.append(
            doc.problem(
                ("cvss",),
                "cvss needs at least one vector ("
                + ", ".join(VERSION_KEYS.values())
                + "), or write cvss: null",
                key=True,
            )
        )
    return tuple(scores), requirements


def _secret_message(kind: str, value: str) -> str:
    # The message names the kind and the first characters only: CI logs are not a
    # place to repeat a credential.
    return (
        f"possible secret ({kind}) starting {value[:4]!r}: remove it, or list the "
        "redacted or fake text under this finding's 'redacted:'"
    )


def _stopped(when: str = "", here: str = "") -> str:
    return (
        f"more than {MAX_SUSPECT_LINES} lines look like credentials{when}; the secret scan "
        f"stops here{here}: split the file"
    )


def _scan(shown: str, text: str, allowed: frozenset[str]) -> tuple[list[Problem], bool]:
    """Problems of `text` as one file; and whether the scan stopped at its line limit."""
    try:
        hits = scan_text(text, allowed)
    except TooManySuspectLines as stop:
        return [Problem(shown, stop.line, 1, _stopped())], True
    return [Problem(shown, h.line, h.column, _secret_message(h.kind, h.value)) for h in hits], False


def _strings(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, bool, str]]:
    """Every text in `data` as parsed, keys too: (path, is a key, text)."""
    if isinstance(data, str):
        yield path, False, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield (*path, key), True, key
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def _secret_problems(doc: Document, allowed: frozenset[str]) -> list[Problem]:
    """Scan the file as written (exact positions), then every text in it as parsed.

    Parsing can spell out what the file hides and join what it splits: backslash escapes
    (`\\x41`, `\\u0041`, an escaped line break) and the folding of line breaks in plain
    and `>` scalars. A scan over its line limit is an error, never a skip.
    """
    problems, stopped = _scan(doc.shown, doc.text, allowed)
    if stopped:
        return problems  # the file fails; its parsed texts hold the same lines again
    reported = {p.message for p in problems}
    strings = list(_strings(doc.data))
    try:
        hits = scan_texts([text for _, _, text in strings], allowed)
    except TooManySuspectLines as stop:
        path, key, _ = strings[stop.text]
        when = " once the YAML escapes and folded lines of this file are resolved"
        here = f" (line {stop.line} of this text)"
        problems.append(doc.problem(path, _stopped(when, here), key=key))
        return problems
    for index, hit in hits:
        path, key, _ = strings[index]
        message = _secret_message(hit.kind, hit.value)
        if message not in reported:
            reported.add(message)
            problems.append(doc.problem(path, message, key=key))
    return problems


def _evidence_secrets(root: Path, value: str, allowed: frozenset[str]) -> list[Problem]:
    path = (root / value).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        return []  # reported by the path check
    with path.open("rb") as stream:
        data = stream.read(MAX_EVIDENCE_SCAN + 1)
    # Undecodable bytes become U+FFFD: a file need not be UTF-8 to carry a password.
    text = data[:MAX_EVIDENCE_SCAN].decode("utf-8", errors="replace")
    problems, stopped = _scan(display_path(path), text, allowed)
    if len(data) > MAX_EVIDENCE_SCAN and not stopped:
        problems.append(
            Problem(
                display_path(path),
                text.count("\n") + 1,
                1,
                f"the secret scan reads the first {MAX_EVIDENCE_SCAN // 2**20} MB of an "
                "evidence file and stops here: split the file",
            )
        )
    return problems


def _finding_files(root: Path, problems: list[Problem]) -> list[Path]:
    folder = root / FINDINGS_DIR
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        if not _inside(root, path, problems):
            continue
        files.append(path)
    return files


def _inside(root: Path, path: Path, problems: list[Problem]) -> bool:
    """A review file must really be in the review folder, not a link to somewhere else."""
    if path.resolve().is_relative_to(root.resolve()):
        return True
    problems.append(
        Problem(
            display_path(path),
            1,
            1,
            "this file is a link to a file outside the review folder; "
            "copy the content into the review instead",
        )
    )
    return False


def _read(path: Path, problems: list[Problem]) -> Document | None:
    try:
        return read_yaml(path)
    except YamlProblem as err:
        problems.append(err.problem)
        return None


M = typing.TypeVar("M", bound=BaseModel)


def _validate(doc: Document, model: type[M], problems: list[Problem]) -> M | None:
    if not isinstance(doc.data, dict):
        problems.append(
            doc.problem((), f"expected a mapping of keys to values, got {_describe(doc.data)}")
        )
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as err:
        problems.extend(_validation_problems(doc, model, err))
        return None


def load_review(root: Path, profile: Profile | None = None) -> Review:
    """Load, check and score one review folder; raise `ReviewError` with every problem.

    With a redaction profile, the review is checked as it is, then the edition is made
    from its parsed files and checked again exactly as it will be published; a problem
    only the edition has (a replacement that breaks an id) is reported at the original
    line, prefixed with the edition's name.
    """
    review = _load(root)
    if profile is None or not profile.changes_anything:
        return review
    redactor = redactor_for(review.spec, review.slug, profile)
    try:
        return _load(root, redactor)
    except ReviewError as err:
        raise ReviewError(
            [
                dataclasses.replace(p, message=f"in the {profile.name} edition: {p.message}")
                for p in err.problems
            ]
        ) from None


def _edition(
    doc: Document | None,
    redactor: Redactor | None,
    adjust: Callable[[Redactor], Callable[[dict[str, Any]], None]],
    problems: list[Problem],
) -> Document | None:
    """The document as the edition reads it (unchanged without a redactor)."""
    if doc is None or redactor is None:
        return doc
    edition, clashes = redact_document(doc, redactor, adjust(redactor))
    problems.extend(clashes)
    return edition


def _load(root: Path, redactor: Redactor | None = None) -> Review:
    problems: list[Problem] = []
    review_path = root / REVIEW_FILE
    if not review_path.is_file():
        raise ReviewError([Problem(str(review_path), 1, 1, f"no {REVIEW_FILE} in {root}")])
    review_doc = _read(review_path, problems) if _inside(root, review_path, problems) else None
    original_review_doc = review_doc
    review_doc = _edition(review_doc, redactor, adjust_review_data, problems)
    spec = _validate(review_doc, ReviewFile, problems) if review_doc else None
    checker = _Checker(root, review_doc, spec) if review_doc and spec else None
    if original_review_doc is not None and redactor is None:
        problems.extend(_secret_problems(original_review_doc, frozenset()))
    if checker:
        checker.check_review()
    findings: list[tuple[Document, Finding]] = []
    first_seen: dict[str, Document] = {}
    # Ids of finding files with problems of their own (the id they declare, or for a file
    # that cannot be parsed its name): a reference to one of them is not reported again
    # as an "unknown finding".
    invalid_ids: set[str] = set()
    for path in _finding_files(root, problems):
        doc = _edition(_read(path, problems), redactor, adjust_finding_data, problems)
        finding = _validate(doc, Finding, problems) if doc else None
        if doc is None or finding is None:
            declared = doc.data.get("id") if doc and isinstance(doc.data, dict) else None
            invalid_ids.add(declared if isinstance(declared, str) else path.stem)
            continue
        if finding.id in first_seen:
            problems.append(duplicate_id(doc, "finding", finding.id, first_seen[finding.id]))
            continue
        first_seen[finding.id] = doc
        findings.append((doc, finding))
    scored = []
    step_seen: dict[str, str] = {}
    finding_ids = set(first_seen)
    draft_ids = {finding.id for _, finding in findings if finding.draft}
    for doc, finding in findings:
        for i, step in enumerate(finding.attack_steps):
            if step.id in step_seen:
                problems.append(
                    doc.problem(
                        ("attack_steps", i, "id"),
                        f"duplicate attack-step id {step.id!r} (also in {step_seen[step.id]})",
                    )
                )
            step_seen.setdefault(step.id, doc.shown)
            for j, needed in enumerate(step.also_requires):
                if needed not in finding_ids and needed not in invalid_ids:
                    close = difflib.get_close_matches(needed, sorted(finding_ids), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    problems.append(
                        doc.problem(
                            ("attack_steps", i, "also_requires", j),
                            f"unknown finding {needed!r}{hint}",
                        )
                    )
                elif needed in draft_ids and not finding.draft:
                    problems.append(
                        doc.problem(
                            ("attack_steps", i, "also_requires", j),
                            f"finding {needed!r} is a draft: triage it (delete its "
                            "'draft: true') before another finding requires it",
                        )
                    )
        if checker is None or spec is None:
            continue
        checker.check_finding(doc, finding)
        if redactor is None:  # the edition's text comes from files already scanned
            allowed = frozenset(finding.redacted)
            problems.extend(_secret_problems(doc, allowed))
            for attachment in finding.evidence_files:
                problems.extend(_evidence_secrets(root, attachment.path, allowed))
        scores, requirements = _score_finding(doc, spec, finding, problems)
        hidden = redactor is not None and redactor.profile.hide_sources
        source = "" if hidden else doc.path.relative_to(root).as_posix()
        scored.append(ScoredFinding(finding, source, scores, requirements))
    if checker:
        problems.extend(checker.problems)
    if review_doc is not None and spec is not None:
        problems.extend(check_plan(review_doc, spec, findings, invalid_ids))
    if problems or spec is None:
        raise ReviewError(problems)
    scored.sort(key=lambda f: f.id)
    slug = redactor.public_slug if redactor is not None else root.name
    # Drafts (imported, not yet triaged) are checked like the rest but kept apart, so no
    # figure, page or export counts them.
    triaged = tuple(f for f in scored if not f.finding.draft)
    return Review(slug, root, spec, triaged, tuple(f for f in scored if f.finding.draft))


def duplicate_id(doc: Document, what: str, value: str, other: Document) -> Problem:
    """`value` at the top-level `id` of `doc` was already declared in `other`."""
    return doc.problem(
        ("id",), f"duplicate {what} id {value!r} (also in {other.shown}:{other.at(('id',))[0]})"
    )


def discover(reviews_dir: Path) -> list[Path]:
    """Review folders (those holding a review.yaml) directly under `reviews_dir`."""
    if not reviews_dir.is_dir():
        return []
    return sorted(p for p in reviews_dir.iterdir() if (p / REVIEW_FILE).is_file())


def load_reviews(roots: Iterable[Path], profile: Profile | None = None) -> list[Review]:
    """Load several reviews, collecting the problems of all of them before raising."""
    reviews: list[Review] = []
    problems: list[Problem] = []
    for root in roots:
        try:
            reviews.append(load_review(root, profile))
        except ReviewError as err:
            problems.extend(err.problems)
    if problems:
        raise ReviewError(problems)
    return reviews
