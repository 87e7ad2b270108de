"""The comparison of states: structure, not arithmetic.

For each state: blast radii, single points of total compromise, what each entry
point reaches and with how few findings, choke points and severity-band counts.
The same figures are recomputed with each roadmap phase treated as fixed. CVSS
scores are counted per band and per version, never summed or averaged.

Pooled guests (`count: N`, see reach.py): lists of services name assets, and each has
a count of service instances beside it. A pooled service counts N where every instance
is held (by design from what runs them all, or through an image-wide finding) and 1
where one is (a phished desktop). A single point of total compromise must reach every
instance of every service.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .cycles import dependency_cycles
from .figures import (
    AttackSurface,
    ChokePoint,
    Comparison,
    DeltaTally,
    EntryCut,
    EntryReach,
    Inventory,
    NewDominance,
    PathStep,
    SeverityCounts,
    StateFigures,
    SurfaceChange,
    WhatIf,
)
from .graph import StateGraph, build_state_graph
from .model import DELTAS
from .plan import fixed_by_phase
from .reach import AttackGraph, Node, Reach, instance_closure, one
from .registry import CVSS_VERSIONS, SEVERITY_IDS_ASCENDING
from .review import Review
from .status import closed_in


@dataclass(frozen=True)
class StateContext:
    """What every computation on one state shares: its graph and its design figures."""

    graph: StateGraph
    attack_graph: AttackGraph
    design: dict[str, Any]
    """Figures that depend on design only, the same in every what-if: computed once."""


def _context(review: Review, state: str) -> StateContext:
    graph = build_state_graph(review, state)
    control, availability = instance_closure(graph, "I"), instance_closure(graph, "A")
    services = set(graph.services)
    everything = {s: graph.instances(s) for s in services}

    def whole(held: dict[str, int]) -> bool:
        """Every instance of every service."""
        return all(held.get(s, 0) == n for s, n in everything.items())

    design = {
        "single_points_of_total_compromise": tuple(
            a for a in graph.assets if services and whole(control[a])
        ),
        "service_instances": sum(everything.values()),
        "blast_radius": {a: _ordered(graph, control[a].keys() & services) for a in graph.assets},
        "blast_radius_instances": {a: _instances(control[a], services) for a in graph.assets},
        "blast_radius_infrastructure": {
            a: _ordered(graph, control[a].keys() - services - {a}) for a in graph.assets
        },
        "availability_radius": {
            a: _ordered(graph, availability[a].keys() & services) for a in graph.assets
        },
        "availability_radius_instances": {
            a: _instances(availability[a], services) for a in graph.assets
        },
        "dependency_cycles": dependency_cycles(graph),
    }
    return StateContext(graph, AttackGraph(graph), design)


def _ordered(graph: StateGraph, assets: AbstractSet[str]) -> tuple[str, ...]:
    """Assets in the order the review lists them."""
    return tuple(sorted(assets, key=graph.position.__getitem__))


def _instances(held: dict[str, int], among: AbstractSet[str]) -> int:
    """Instances held (asset: instances) of the assets in `among`."""
    return sum(n for a, n in held.items() if a in among)


def _entry_point(context: StateContext, reach: Reach) -> EntryReach:
    graph = context.graph
    services = set(graph.services)
    controlled = reach.assets("control")
    # Control gives read (and C-only edges give read) as zero-cost moves of the search.
    read = reach.assets("read")
    footholds = reach.assets("foothold") - controlled

    def fewest(kind: str, asset: str) -> int | None:
        node = reach.fewest(kind, asset)  # of a pooled jewel, one instance is enough
        return None if node is None else reach.distance[node]

    paths = {}
    for jewel in graph.crown_jewels:
        # The route to the strongest position reached: control, else read, else deny.
        node = next(
            (n for n in (reach.fewest(k, jewel) for k in ("control", "read", "deny")) if n),
            None,
        )
        if node is not None:
            paths[jewel] = tuple(
                PathStep(s.id, s.finding, tuple(sorted(s.findings - {s.finding})), s.gains)
                for s in reach.path(node)
            )
    return EntryReach(
        controlled=_ordered(graph, controlled & services),
        controlled_instances=reach.instances("control", graph, services),
        read=_ordered(graph, read & services),
        read_instances=reach.instances("read", graph, services),
        footholds=_ordered(graph, footholds & services),
        infrastructure_controlled=_ordered(graph, controlled - services),
        min_findings={j: fewest("control", j) for j in graph.crown_jewels},
        min_findings_read={j: fewest("read", j) for j in graph.crown_jewels},
        denied=_ordered(graph, reach.assets("deny") & services),
        denied_instances=reach.instances("deny", graph, services),
        min_findings_deny={j: fewest("deny", j) for j in graph.crown_jewels},
        paths=paths,
    )


def _reach_summary(
    context: StateContext, entry_points: list[str], fixed: frozenset[str]
) -> dict[str, EntryReach]:
    return {
        entry: _entry_point(context, context.attack_graph.attack(entry, fixed))
        for entry in entry_points
    }


#: The positions whose loss can cut an asset, by the position the cut is counted in.
_CUT_KINDS = {kind: base for base in ("control", "read", "deny") for kind in (base, one(base))}
_CONTROL_ONE = one("control")


def _cut(
    graph: StateGraph,
    reach: Reach,
    lost: set[Node],
    before: dict[str, int],
    services: AbstractSet[str],
) -> tuple[set[str], set[str], set[str], int]:
    """What `reach` loses with the positions in `lost`: the assets controlled, read and
    denied, and the service instances controlled.

    An asset is cut when no instance of it stays held: none of its positions (over every
    instance, or over one) survives outside `lost`, so only the assets of lost positions
    are candidates and the cost is that of `lost`, not of the whole reach. Instances are
    cut also when a pool falls from every instance to one.
    """
    distance = reach.distance
    candidates: dict[str, set[str]] = {"control": set(), "read": set(), "deny": set()}
    for kind, asset in lost:
        if kind in _CUT_KINDS:
            candidates[_CUT_KINDS[kind]].add(asset)

    def survives(node: Node) -> bool:
        return node in distance and node not in lost

    instances = 0
    for asset in candidates["control"] & services:
        if survives(("control", asset)):
            left = graph.instances(asset)
        elif survives((_CONTROL_ONE, asset)):
            left = 1
        else:
            left = 0
        instances += before[asset] - left
    controlled, read, denied = (
        {a for a in candidates[kind] if not survives((kind, a)) and not survives((one(kind), a))}
        for kind in ("control", "read", "deny")
    )
    return controlled, read, denied, instances


def _choke_points(
    context: StateContext,
    entry_points: list[str],
    fixed: frozenset[str],
) -> tuple[ChokePoint, ...]:
    """Findings whose fix alone cuts the most reach, ranked by structure, not CVSS."""
    graph = context.graph
    services = set(graph.services)
    jewels = set(graph.crown_jewels)
    cuts: dict[str, dict[str, EntryCut]] = {}
    cut_instances: dict[str, int] = {}  # per finding, over all entry points
    for entry in entry_points:
        reach = context.attack_graph.attack(entry, fixed)
        before = reach.held("control", graph)
        for finding, lost in context.attack_graph.losses(reach, fixed).items():
            controlled, read, denied, instances = _cut(graph, reach, lost, before, services)
            cut = EntryCut(
                controlled=_ordered(graph, controlled & services),
                read=_ordered(graph, read & services),
                crown_jewels=_ordered(graph, controlled & jewels),
                denied=_ordered(graph, denied & services),
            )
            if instances:
                cut_instances[finding] = cut_instances.get(finding, 0) + instances
            if cut.controlled or instances or cut.read or cut.crown_jewels or cut.denied:
                cuts.setdefault(finding, {})[entry] = cut
    ranked = [
        ChokePoint(
            finding=finding,
            crown_jewels_cut=sum(len(c.crown_jewels) for c in per_entry.values()),
            services_cut=sum(len(c.controlled) for c in per_entry.values()),
            services_cut_instances=cut_instances.get(finding, 0),
            reads_cut=sum(len(c.read) for c in per_entry.values()),
            denials_cut=sum(len(c.denied) for c in per_entry.values()),
            entry_points=per_entry,
        )
        for finding, per_entry in cuts.items()
    ]
    ranked.sort(key=_choke_rank)
    return tuple(ranked)


def _choke_rank(choke: ChokePoint) -> tuple[int, int, int, int, str]:
    return (
        -choke.crown_jewels_cut,
        -choke.services_cut_instances,
        -choke.reads_cut,
        -choke.denials_cut,
        choke.finding,
    )


def severity_counts(review: Review, state: str) -> SeverityCounts:
    """Findings that apply in `state`, counted per band, separately for each CVSS version."""
    per_version: dict[str, Counter[str]] = {}
    not_scored: Counter[str] = Counter()
    closed = closed_in(review, state)
    applicable = [
        f for f in review.findings if f.finding.affected.get(state) and f.id not in closed
    ]
    for scored in applicable:
        if not scored.scores:
            not_scored[scored.finding.severity or "none"] += 1
        for score in scored.scores:
            per_version.setdefault(score.version, Counter())[score.severity] += 1
    return SeverityCounts(
        findings=len(applicable),
        by_version={
            v.id: {band: per_version[v.id][band] for band in v.bands}
            for v in CVSS_VERSIONS
            if v.id in per_version
        },
        not_scored={s: not_scored[s] for s in reversed(SEVERITY_IDS_ASCENDING) if not_scored[s]},
    )


def _state_figures(
    review: Review, context: StateContext, fixed: frozenset[str], with_choke_points: bool
) -> StateFigures:
    graph = context.graph
    entry_points = [e.id for e in review.spec.entry_points]
    return StateFigures(
        **context.design,
        entry_points=_reach_summary(context, entry_points, fixed),
        severity_counts=severity_counts(review, graph.state),
        choke_points=_choke_points(context, entry_points, fixed) if with_choke_points else None,
    )


def _delta(review: Review) -> DeltaTally:
    by_delta = Counter(f.finding.delta for f in review.findings)
    by_category: dict[str, dict[str, int]] = {}
    for f in review.findings:
        by_category.setdefault(f.finding.category, Counter())[f.finding.delta] += 1
    return DeltaTally(
        findings={d: by_delta[d] for d in DELTAS},
        observations=dict(Counter(o.delta for o in review.spec.observations)),
        by_category={
            c.id: {d: by_category.get(c.id, {}).get(d, 0) for d in DELTAS}
            for c in review.spec.categories
        },
    )


def _attack_surface(review: Review, contexts: dict[str, StateContext]) -> AttackSurface:
    """An inventory per state and what changed between consecutive states (no weights)."""
    spec = review.spec
    per_state: dict[str, Inventory] = {}
    for state, context in contexts.items():
        present = [a for a in spec.assets if state in a.placement]
        per_state[state] = Inventory(
            assets_by_kind=dict(Counter(a.kind for a in present)),
            physical_systems=sum(a.placement[state].platform == "physical" for a in present),
            out_of_band_controllers=sum(a.placement[state].bmc for a in present),
            dominance_edges=len(context.graph.edges),
            attack_steps=len(context.graph.steps),
        )
    changes = []
    states = list(contexts)
    for before, after in itertools.pairwise(states):
        old, new = contexts[before].graph, contexts[after].graph
        old_edges = {(e.source, e.target) for e in old.edges}
        grouped: dict[tuple[str, str], list[str]] = {}
        for edge in new.edges:
            if (edge.source, edge.target) not in old_edges:
                grouped.setdefault((edge.source, edge.via), []).append(edge.target)
        changes.append(
            SurfaceChange(
                before,
                after,
                assets_added=tuple(a for a in new.assets if a not in old.assets),
                assets_removed=tuple(a for a in old.assets if a not in new.assets),
                new_dominance=tuple(
                    NewDominance(s, via, tuple(targets)) for (s, via), targets in grouped.items()
                ),
            )
        )
    return AttackSurface(per_state, tuple(changes))


def compare(review: Review) -> Comparison:
    """Every comparison figure for a review (`.to_json()` gives the published JSON)."""
    contexts = {state: _context(review, state) for state in review.state_ids}
    closed = {state: closed_in(review, state) for state in review.state_ids}
    states = {
        state: _state_figures(review, context, closed[state], with_choke_points=True)
        for state, context in contexts.items()
    }
    what_if: dict[str, WhatIf] = {}
    # Phases as the order of work schedules them: known-exploited findings and anything
    # a step depends on count from the phase they are brought forward into.
    scheduled = fixed_by_phase(review)
    baseline, current = review.baseline, review.current
    for phase in review.spec.roadmap:
        # The plan is work still to do: it changes the states from now on, not the past.
        fixed = {
            state: closed[state] if state == baseline else closed[state] | scheduled[phase.id]
            for state in contexts
        }
        what_if[phase.id] = WhatIf(
            fixed=tuple(sorted(fixed[current] - closed[current])),
            states={
                state: _state_figures(review, context, fixed[state], with_choke_points=False)
                for state, context in contexts.items()
            },
        )
    return Comparison(
        review=review.slug,
        states=states,
        what_if=what_if,
        choke_points=states[current].choke_points or (),
        delta=_delta(review),
        attack_surface=_attack_surface(review, contexts),
    )
