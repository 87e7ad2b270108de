"""The control graph of one state: dominance edges and attack steps over its assets.

Placement derives the by-design edges (a hypervisor host controls the guests that
run on its cluster, a storage server the guests whose disks it holds, a management
server the hosts of the clusters it manages); `dominance:` in review.yaml adds the
rest. Attack steps come from the findings that carry them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .model import Gain
from .review import Review

ALL_GRANTS = frozenset({"C", "I", "A"})


@dataclass(frozen=True)
class Edge:
    """Control of `source` gives `grants` over `target` by design."""

    source: str
    target: str
    grants: frozenset[str]
    via: str
    derived: bool


@dataclass(frozen=True)
class Step:
    """An attack step: holding `requires` and with `findings` open, gain over `targets`."""

    id: str
    finding: str
    findings: frozenset[str]
    """The step's own finding plus every finding it also requires."""
    requires: str
    gains: Gain
    targets: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class StateGraph:
    state: str
    assets: tuple[str, ...]
    services: tuple[str, ...]
    crown_jewels: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    edges: tuple[Edge, ...]
    steps: tuple[Step, ...]
    assumed: dict[str, str]
    """Entry points that start from an assumed breach, with the position they assume."""

    @cached_property
    def position(self) -> dict[str, int]:
        """Each asset's place in the review's list, for ordering sets of assets."""
        return {asset: index for index, asset in enumerate(self.assets)}


def _expand(target: str | list[str], groups: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if isinstance(target, list):
        return tuple(target)
    if target.startswith("group:"):
        return groups.get(target.removeprefix("group:"), ())
    return (target,)


def derived_edges(review: Review, state: str) -> list[Edge]:
    """The dominance edges that placement implies in `state`."""
    spec = review.spec
    present = {a.id for a in spec.assets if state in a.placement}
    clusters = {c.id: c for c in spec.clusters}
    stores = {d.id: d for d in spec.datastores}
    edges: list[Edge] = []
    used_clusters: set[str] = set()
    for asset in spec.assets:
        place = asset.placement.get(state)
        if place is None or place.platform != "vm":
            continue
        if place.cluster in clusters:
            used_clusters.add(place.cluster)
            for host in clusters[place.cluster].hosts:
                if host in present:
                    edges.append(
                        Edge(
                            host,
                            asset.id,
                            ALL_GRANTS,
                            f"hypervisor: guest runs on cluster {place.cluster}",
                            True,
                        )
                    )
        if place.datastore in stores:
            server = stores[place.datastore].served_by
            if server in present:
                edges.append(
                    Edge(
                        server,
                        asset.id,
                        ALL_GRANTS,
                        f"storage: disks, snapshots and swap on {place.datastore}",
                        True,
                    )
                )
    for cluster_id in sorted(used_clusters):
        cluster = clusters[cluster_id]
        if cluster.managed_by in present:
            for host in cluster.hosts:
                if host in present:
                    edges.append(
                        Edge(
                            cluster.managed_by,
                            host,
                            ALL_GRANTS,
                            f"management: manages the hosts of {cluster_id}",
                            True,
                        )
                    )
    return edges


def build_state_graph(review: Review, state: str) -> StateGraph:
    spec = review.spec
    assets = tuple(a.id for a in spec.assets if state in a.placement)
    present = set(assets)
    groups = {
        name: tuple(m for m in members if m in present) for name, members in spec.groups.items()
    }
    edges = derived_edges(review, state)
    for explicit in spec.dominance:
        if state not in explicit.states:
            continue
        for target in _expand(explicit.to, groups):
            if target != explicit.source:
                edges.append(
                    Edge(explicit.source, target, frozenset(explicit.grants), explicit.via, False)
                )
    steps = []
    for scored in review.findings:
        finding = scored.finding
        for step in finding.attack_steps:
            if state in step.states:
                steps.append(
                    Step(
                        step.id,
                        finding.id,
                        frozenset({finding.id, *step.also_requires}),
                        step.requires,
                        step.gains,
                        _expand(step.to, groups),
                        step.note,
                    )
                )
    by_id = review.assets
    return StateGraph(
        state=state,
        assets=assets,
        services=tuple(a for a in assets if by_id[a].kind == "service"),
        crown_jewels=tuple(a for a in assets if by_id[a].crown_jewel),
        groups=groups,
        edges=tuple(edges),
        steps=tuple(steps),
        assumed={e.id: e.assumes for e in spec.entry_points if e.assumes},
    )
