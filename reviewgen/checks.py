"""Cross-reference checks and rules of review.yaml and the findings.

References are declared once, on the model: a field whose type carries `Ref(kind)`
(`AssetRef`, `StateRef`, ...) names something review.yaml declares. `references`
walks a file's *raw data* guided by the model's types and yields every such value;
`Checker.check_references` reports the unknown ones. Because the walk needs only
the raw data and the ids review.yaml declares (also read from raw data), it runs on
every file, including one that failed validation: a schema error in one field no
longer hides a wrong reference in another. A value that does not have the shape of
an id is left to the schema error that already names it.

What a list of ids cannot decide is checked by hand on the validated models (`Checker`'s
other methods): placements in states, targets and positions written as
'group:<id>' or 'control:<asset>', delta rules, evidence paths, clusters' hosts, the
review period. A reference both the walk and a rule look at is reported once.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
import typing
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from .errors import Problem
from .model import AttackStep, Finding, Ref, ReviewFile
from .scoring import VectorError, score_vector
from .yamlsource import Document, PathKey

REVIEW_FILE = "review.yaml"

#: The positions an attack step may require (and an entry point assume): holding a
#: foothold on, control of, or read access to (stored credentials, a disk image,
#: migration memory) an asset or any member of a group.
POSITION_KINDS = ("foothold", "control", "read")
POSITION_FORMS = ", ".join(f"'{kind}:<asset>', '{kind}:group:<group>'" for kind in POSITION_KINDS)

#: Each kind of reference: the review.yaml section that declares it, and its plural.
DECLARED_IN: dict[str, tuple[str, str]] = {
    "state": ("states", "states"),
    "asset": ("assets", "assets"),
    "network": ("networks", "networks"),
    "cluster": ("clusters", "clusters"),
    "datastore": ("datastores", "datastores"),
    "group": ("groups", "groups"),
    "category": ("categories", "categories"),
    "threat tag": ("threat_tags", "threat tags"),
    "roadmap phase": ("roadmap", "roadmap phases"),
    "framework": ("frameworks", "frameworks"),
    "entry point": ("entry_points", "entry points"),
}

#: How many valid ids an "unknown ..." message lists before "and N more".
LISTED = 10


def listing(kind: str, ids: Sequence[str]) -> str:
    """ "(states: pre, post)": the first `LISTED` ids, then how many more."""
    shown = ", ".join(ids[:LISTED])
    if len(ids) > LISTED:
        shown += f" and {len(ids) - LISTED} more"
    plural = DECLARED_IN[kind][1] if kind in DECLARED_IN else kind + "s"
    return f"({plural}: {shown})"


def unknown_message(kind: str, value: str, choices: Sequence[str]) -> str:
    """ "unknown state 'psot'; did you mean 'post'? (states: pre, post)"."""
    options = list(dict.fromkeys(choices))
    if not options:
        where = "" if kind == "finding" else f" in {REVIEW_FILE}"
        return f"unknown {kind} {value!r}; none are declared{where}"
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} {value!r}{hint} {listing(kind, options)}"


def declared_ids(data: object) -> dict[str, list[str] | None]:
    """The ids review.yaml declares, by kind, in the order written, from its raw data.

    A section of the wrong shape (or a file that is not a mapping) declares nothing
    that can be checked against: its kind maps to None, and references of that kind
    are not reported (the schema error is).
    """
    if not isinstance(data, dict):
        return {kind: None for kind in DECLARED_IN}
    result: dict[str, list[str] | None] = {}
    for kind, (section, _) in DECLARED_IN.items():
        value = data.get(section, {} if kind == "group" else [])
        if isinstance(value, dict) and kind == "group":
            result[kind] = [key for key in value if isinstance(key, str)]
        elif isinstance(value, list) and kind != "group":
            result[kind] = [
                item["id"]
                for item in value
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]
        else:
            result[kind] = None
    return result


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _field_type(info: FieldInfo) -> Any:
    # pydantic moves a field's own Annotated metadata to `info.metadata`.
    if info.metadata:
        return typing.Annotated[(info.annotation, *info.metadata)]
    return info.annotation


@functools.cache
def _holds_refs(annotation: Any) -> bool:
    """Whether anything inside `annotation` is marked with `Ref` (so worth walking)."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        return any(isinstance(m, Ref) for m in metadata) or _holds_refs(base)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_refs(_field_type(info)) for info in annotation.model_fields.values())
    return any(_holds_refs(arg) for arg in typing.get_args(annotation))


Found = list[tuple[PathKey, str, str]]
#: Walks raw data at a path, appending (path, kind, id) of each reference to the list.
Walk = Callable[[object, PathKey, Found], None]


def _nothing(data: object, path: PathKey, found: Found) -> None:
    """The walk of a type that holds no references."""


@functools.cache
def _walker(annotation: Any) -> Walk:
    """The walk of raw data that `annotation` describes, worked out once per type: the
    type's structure is read here, not at every value (see `references`)."""
    if not _holds_refs(annotation):
        return _nothing
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        ref = next((m for m in metadata if isinstance(m, Ref)), None)
        return _walker(base) if ref is None else _reference(annotation, ref.kind)
    if origin in (typing.Union, types.UnionType):
        return _union([_walker(arm) for arm in typing.get_args(annotation)])
    if origin is list:
        (item_type,) = typing.get_args(annotation)
        return _list(_walker(item_type))
    if origin is dict:
        key_type, value_type = typing.get_args(annotation)
        return _dict(_walker(key_type), _walker(value_type))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = [
            (info.alias or name, _walker(_field_type(info)))
            for name, info in annotation.model_fields.items()
        ]
        return _model([(key, walk) for key, walk in fields if walk is not _nothing])
    return _nothing


def _reference(annotation: Any, kind: str) -> Walk:
    """A value marked `Ref(kind)`: a reference when it is text of the right shape."""
    adapter = _adapter(annotation)

    @functools.lru_cache(maxsize=4096)
    def has_shape(value: str) -> bool:
        try:
            adapter.validate_python(value)
        except ValidationError:
            return False
        return True

    def walk(data: object, path: PathKey, found: Found) -> None:
        if isinstance(data, str) and has_shape(data):
            found.append((path, kind, data))

    return walk


def _union(arms: list[Walk]) -> Walk:
    def walk(data: object, path: PathKey, found: Found) -> None:
        for arm in arms:
            arm(data, path, found)

    return walk


def _list(item: Walk) -> Walk:
    def walk(data: object, path: PathKey, found: Found) -> None:
        if isinstance(data, list):
            for index, value in enumerate(data):
                item(value, (*path, index), found)

    return walk


def _dict(key_walk: Walk, value_walk: Walk) -> Walk:
    def walk(data: object, path: PathKey, found: Found) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                at = (*path, key)
                key_walk(key, at, found)
                value_walk(value, at, found)

    return walk


def _model(fields: list[tuple[str, Walk]]) -> Walk:
    def walk(data: object, path: PathKey, found: Found) -> None:
        if isinstance(data, dict):
            for key, field_walk in fields:
                if key in data:
                    field_walk(data[key], (*path, key), found)

    return walk


def references(annotation: Any, data: object, path: PathKey = ()) -> Found:
    """(path, kind, id) of every value in raw `data` that `annotation` (a model, or any
    type built of models, lists, dicts, unions and Annotated) marks with `Ref(kind)`,
    in the order of the type's fields and the data's items.

    Parts of `data` of the wrong shape are skipped, so this runs on data that failed
    validation. A dict key that is a reference is yielded at the path of its value.
    """
    found: Found = []
    _walker(annotation)(data, path, found)
    return found


class Checker:
    """Checks of one review: references in every file, rules in the validated ones.

    `spec` is review.yaml validated, or None when it failed validation: then only
    references are checked (against the ids its raw data declares).
    """

    def __init__(self, root: Path, doc: Document, spec: ReviewFile | None) -> None:
        self.root = root
        self.doc = doc
        self.spec = spec
        self.found: dict[Problem, None] = {}
        self.declared = declared_ids(doc.data)
        # The same ids as sets, for membership; the lists keep their order for messages.
        self.declared_sets: dict[str, frozenset[str] | None] = {
            kind: None if ids is None else frozenset(ids) for kind, ids in self.declared.items()
        }
        self.states = [s.id for s in spec.states] if spec else []
        self.present = {
            state: {a.id for a in spec.assets if state in a.placement} if spec else set()
            for state in self.states
        }

    @functools.cached_property
    def resolved_root(self) -> Path:
        """The review folder with links resolved, once per load (for evidence paths)."""
        return self.root.resolve()

    @property
    def problems(self) -> list[Problem]:
        return list(self.found)

    def report(self, doc: Document, path: PathKey, message: str, *, key: bool = False) -> None:
        self.found[doc.problem(path, message, key=key)] = None

    def known(self, doc: Document, path: PathKey, value: str, kind: str) -> bool:
        """Whether `value` is a declared `kind`; if not, report it. True when review.yaml
        declares nothing of this kind that can be checked against."""
        valid = self.declared_sets.get(kind)
        if valid is None or value in valid:
            return True
        # Only on a miss: the message lists the valid ids, in the order written.
        self.report(doc, path, unknown_message(kind, value, self.declared[kind] or []))
        return False

    def check_references(self, doc: Document, model: type[BaseModel]) -> None:
        """Every declared reference in `doc`'s raw data, valid or not."""
        for path, kind, value in references(model, doc.data):
            self.known(doc, path, value, kind)

    # ----- rules of review.yaml ------------------------------------------------------

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
        """A known asset, placed in each of `states`."""
        if not self.known(doc, path, asset, "asset"):
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
            self.known(doc, path, to.removeprefix("group:"), "group")
        else:
            self.asset_in(doc, path, to, states)

    def state_list(self, doc: Document, path: PathKey, states: list[str]) -> list[str]:
        """The known states of `states` (reporting the others)."""
        return [
            state
            for index, state in enumerate(states)
            if self.known(doc, (*path, index), state, "state")
        ]

    def check_review(self) -> None:
        """References of review.yaml; with a valid review.yaml, its rules too."""
        self.check_references(self.doc, ReviewFile)
        if self.spec is None:
            return
        doc, spec = self.doc, self.spec
        for role in ("baseline", "current"):
            marked = [i for i, state in enumerate(spec.states) if state.role == role]
            for i in marked[1:]:
                first = spec.states[marked[0]].id
                self.report(
                    doc, ("states", i, "role"), f"only one state can be the {role} ({first!r} is)"
                )
        if all(state.role == "proposed" for state in spec.states):
            self.report(doc, ("states",), "every state is proposed: one must be built")
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
        period = spec.review.period
        if period.end < period.start:
            self.report(
                doc,
                ("review", "period", "end"),
                f"the review period ends ({period.end}) before it starts ({period.start})",
            )
        self.check_placements()
        self.check_clusters()
        self.check_datastores()
        for i, edge in enumerate(spec.dominance):
            states = [s for s in edge.states if s in self.present]
            self.asset_in(doc, ("dominance", i, "from"), edge.source, states)
            self.target(doc, ("dominance", i, "to"), edge.to, states)
        for i, entry in enumerate(spec.entry_points):
            if entry.assumes is not None:
                assumed_at: PathKey = ("entry_points", i, "assumes")
                if ":" not in entry.assumes:
                    self.report(doc, assumed_at, f"an assumed position is one of {POSITION_FORMS}")
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

    def check_placements(self) -> None:
        """A vm runs on a cluster and keeps its disks on a datastore; nothing else does.
        Only a vm is isolated from its host; its guardian is placed in the same state."""
        assert self.spec is not None
        for i, asset in enumerate(self.spec.assets):
            for state, place in asset.placement.items():
                where: PathKey = ("assets", i, "placement", state)
                if state not in self.present:
                    continue  # an unknown state, reported as such
                for field in ("cluster", "datastore"):
                    value = getattr(place, field)
                    if value is not None and place.platform != "vm":
                        self.report(self.doc, (*where, field), f"only a vm has a {field}")
                    elif value is None and place.platform == "vm":
                        declared = self.declared.get(field) or []
                        named = listing(field, declared) if declared else "(none are declared)"
                        self.report(self.doc, where, f"a vm needs a {field} {named}")
                if place.isolation is not None and place.platform != "vm":
                    self.report(
                        self.doc,
                        (*where, "isolation"),
                        f"only a vm can be isolated from its host (this is {place.platform})",
                    )
                if place.guardian is not None:
                    self.asset_in(self.doc, (*where, "guardian"), place.guardian, [state])

    def check_clusters(self) -> None:
        """Every cluster has hosts, and a host is in one cluster only."""
        assert self.spec is not None
        doc = self.doc
        member_of: dict[str, tuple[str, int]] = {}
        for i, cluster in enumerate(self.spec.clusters):
            if not cluster.hosts:
                self.report(
                    doc,
                    ("clusters", i, "hosts"),
                    f"cluster {cluster.id!r} has no hosts: list the asset ids of its "
                    "hypervisor hosts",
                )
            for j, host in enumerate(cluster.hosts):
                if host in member_of:
                    other, line = member_of[host]
                    where = "this cluster" if other == cluster.id else f"cluster {other!r}"
                    self.report(
                        doc,
                        ("clusters", i, "hosts", j),
                        f"host {host!r} is already in {where} (line {line}); "
                        "a host belongs to one cluster",
                    )
                else:
                    member_of[host] = (cluster.id, doc.at(("clusters", i, "hosts", j))[0])

    def check_datastores(self) -> None:
        """Every datastore is served by at least one server."""
        assert self.spec is not None
        for i, store in enumerate(self.spec.datastores):
            if not store.servers:
                self.report(
                    self.doc,
                    ("datastores", i, "served_by"),
                    f"datastore {store.id!r} has no servers: name the asset (or list the "
                    "asset ids) of the storage that serves it",
                )

    # ----- rules of findings ---------------------------------------------------------

    def check_finding(self, doc: Document, finding: Finding) -> None:
        """The rules of a validated finding (its references: `check_references`)."""
        if self.spec is None:
            return
        for state, assets in finding.affected.items():
            if state not in self.present:
                continue  # an unknown state, reported as such
            for j, asset in enumerate(assets):
                self.asset_in(doc, ("affected", state, j), asset, [state])
        self.check_delta(doc, finding)
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

    def check_step(self, doc: Document, index: int, step: AttackStep) -> None:
        """The references and rules of one valid attack step (of a valid finding or not)."""
        if self.spec is None:
            return
        where: PathKey = ("attack_steps", index)
        states = self.state_list(doc, (*where, "states"), step.states)
        self.check_position(doc, (*where, "requires"), step.requires, states)
        self.target(doc, (*where, "to"), step.to, states)

    def check_delta(self, doc: Document, finding: Finding) -> None:
        if self.spec is None:  # without a valid review.yaml there are no roles to check
            return
        first, last = self.spec.baseline_state, self.spec.current_state
        # The delta is the change from the baseline to the current state; a proposed
        # state is a redesign, not part of that change.
        built = [s.id for s in self.spec.states if s.role != "proposed"]
        lists = {state: finding.affected.get(state, []) for state in built}
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
                "a 'carried-over' finding must affect the same assets in every state that is "
                "not proposed",
            )

    def check_position(
        self, doc: Document, path: PathKey, requires: str, states: list[str]
    ) -> None:
        kind, _, subject = requires.partition(":")
        if not subject:
            self.known(doc, path, requires, "entry point")
        elif kind not in POSITION_KINDS:
            self.report(
                doc,
                path,
                f"unknown position {requires!r}: use an entry point id, {POSITION_FORMS}",
            )
        elif subject.startswith("group:"):
            self.known(doc, path, subject.removeprefix("group:"), "group")
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
        root = self.resolved_root
        resolved = (self.root / candidate).resolve()
        if not resolved.is_relative_to(root):
            self.report(doc, path, "evidence path leaves the review folder through a link")
        elif not resolved.is_file():
            self.report(doc, path, f"no such evidence file {value!r} in the review folder")


def check_steps(
    checker: Checker | None,
    steps: Sequence[tuple[Document, bool, Sequence[tuple[int, AttackStep]]]],
    finding_ids: Collection[str],
    invalid_ids: Collection[str],
    draft_ids: Collection[str],
) -> list[Problem]:
    """Attack steps across findings: unique step ids and `also_requires` links; and each
    step's own checks. `steps`: (document, is a draft, its valid steps with their index)."""
    problems: list[Problem] = []
    step_seen: dict[str, str] = {}
    for doc, draft, valid in steps:
        for i, step in valid:
            if step.id in step_seen:
                problems.append(
                    doc.problem(
                        ("attack_steps", i, "id"),
                        f"duplicate attack-step id {step.id!r} (also in {step_seen[step.id]})",
                    )
                )
            step_seen.setdefault(step.id, doc.shown)
            for j, needed in enumerate(step.also_requires):
                where: PathKey = ("attack_steps", i, "also_requires", j)
                if needed not in finding_ids and needed not in invalid_ids:
                    message = unknown_message("finding", needed, sorted(finding_ids))
                    problems.append(doc.problem(where, message))
                elif needed in draft_ids and not draft:
                    problems.append(
                        doc.problem(
                            where,
                            f"finding {needed!r} is a draft: triage it (delete its "
                            "'draft: true') before another finding requires it",
                        )
                    )
            if checker is not None:
                checker.check_step(doc, i, step)
    return problems
