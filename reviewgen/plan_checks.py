"""Checks of the links that make the order of work: phases, roadmap items, root causes,
`depends_on` and accepted risks. Each problem points at the value that causes it."""

from __future__ import annotations

from collections.abc import Collection

from .checks import unknown_message
from .errors import Problem
from .model import Finding, ReviewFile
from .plan import dependency_cycle
from .yamlsource import Document, PathKey


def _unknown(
    doc: Document, path: PathKey, value: str, choices: Collection[str], what: str
) -> Problem | None:
    if value in choices:
        return None
    ordered = list(choices) if isinstance(choices, list) else sorted(choices)
    return doc.problem(path, unknown_message(what, value, ordered))


def check_plan(
    review_doc: Document,
    spec: ReviewFile,
    findings: list[tuple[Document, Finding]],
    skip: Collection[str] = (),
) -> list[Problem]:
    """Problems in the plan's links. `skip`: ids of findings with problems of their own,
    which are not reported again as unknown."""
    problems: list[Problem] = []
    finding_ids = {f.id for _, f in findings} | set(skip)
    item_ids = [item.id for item in spec.roadmap_items]
    work_ids = finding_ids | set(item_ids)
    phases = [p.id for p in spec.roadmap]

    def add(problem: Problem | None) -> None:
        if problem is not None:
            problems.append(problem)

    seen: dict[str, int] = {}
    for i, item in enumerate(spec.roadmap_items):
        where: PathKey = ("roadmap_items", i)
        if item.id in seen:
            line = review_doc.at(("roadmap_items", seen[item.id]))[0]
            add(
                review_doc.problem(
                    (*where, "id"), f"duplicate roadmap item id {item.id!r} (first at line {line})"
                )
            )
        seen.setdefault(item.id, i)
        add(_unknown(review_doc, (*where, "phase"), item.phase, phases, "roadmap phase"))
        if item.realizes is not None:
            proposed = [st.id for st in spec.states if st.role == "proposed"]
            add(
                _unknown(
                    review_doc, (*where, "realizes"), item.realizes, proposed, "proposed state"
                )
            )
        for j, resolved in enumerate(item.resolves):
            add(_unknown(review_doc, (*where, "resolves", j), resolved, finding_ids, "finding"))
        for j, needed in enumerate(item.depends_on):
            add(
                _unknown(
                    review_doc,
                    (*where, "depends_on", j),
                    needed,
                    work_ids,
                    "finding or roadmap item",
                )
            )
    causes: set[str] = set()
    for i, cause in enumerate(spec.root_causes):
        if cause.id in causes:
            add(review_doc.problem(("root_causes", i, "id"), f"duplicate root cause {cause.id!r}"))
        causes.add(cause.id)
        for j, linked in enumerate(cause.findings):
            add(
                _unknown(
                    review_doc, ("root_causes", i, "findings", j), linked, finding_ids, "finding"
                )
            )
    for doc, finding in findings:
        for j, needed in enumerate(finding.depends_on):
            if needed == finding.id:
                add(doc.problem(("depends_on", j), "a finding cannot depend on itself"))
            else:
                add(_unknown(doc, ("depends_on", j), needed, work_ids, "finding or roadmap item"))
        if finding.status == "risk-accepted" and finding.acceptance is None:
            add(
                doc.problem(
                    ("status",),
                    "a risk-accepted finding needs 'acceptance:' with accepted_by, until "
                    "and reason",
                )
            )
        if finding.acceptance is not None and finding.status != "risk-accepted":
            add(
                doc.problem(
                    ("acceptance",),
                    "'acceptance:' is only for a finding with status: risk-accepted",
                    key=True,
                )
            )
    edges = {f.id: [d for d in f.depends_on if d != f.id] for _, f in findings}
    edges.update({item.id: list(item.depends_on) for item in spec.roadmap_items})
    cycle = dependency_cycle(edges)
    if cycle:
        first = cycle[0]
        loop = " → ".join(cycle)
        finding_doc = next((doc for doc, f in findings if f.id == first), None)
        if finding_doc is not None:
            add(finding_doc.problem(("depends_on",), f"dependency cycle: {loop}", key=True))
        else:
            index = item_ids.index(first)
            add(
                review_doc.problem(
                    ("roadmap_items", index, "depends_on"), f"dependency cycle: {loop}", key=True
                )
            )
    return problems
