"""The control graph of one state: dominance edges and attack steps over its assets.

Placement derives the by-design edges (a hypervisor host controls the guests that
run on its cluster, a storage server the guests whose disks it holds, a management
server the hosts of the clusters it manages); `dominance:` in review.yaml adds the
rest. Attack steps come from the findings that carry them.

Pooled guests: an asset with `count: N` stands for N identical instances booted from
one image. The graph keeps one node per asset and records the counts; `reach.py` gives
a pooled asset a second position, one instance of it. A step gains over one instance
of a pooled target unless its finding is `image_wide` (the weakness is in the image),
when it gains over all of them (`Step.image_wide`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .model import Asset, Gain, Placement
from .review import Review

ALL_GRANTS = frozenset({"C", "I", "A"})
AVAILABILITY = frozenset({"A"})
READ = frozenset({"C"})


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
    image_wide: bool = False
    """The finding's weakness is in the image: over a pooled target the step gains every
    instance, not one."""


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
    counts: dict[str, int] = field(default_factory=dict)
    """Pooled assets (`count` above 1) with their number of instances; others are one."""

    def instances(self, asset: str) -> int:
        """How many instances `asset` stands for (1 unless it is pooled)."""
        return self.counts.get(asset, 1)

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


def _on_network(asset: Asset, place: Placement, network: str) -> bool:
    """Whether `asset`, placed as `place`, sits on `network` in that state: its zone there
    (the placement's, else the asset's) is the network, or a port group is named after it."""
    zone = place.zone if place.zone is not None else asset.zone
    return zone == network or network in place.port_groups


def derived_edges(review: Review, state: str) -> list[Edge]:
    """The dominance edges that placement implies in `state`.

    A guest with `isolation` (confidential computing) depends on its hosts and storage
    for availability only: they can stop it but neither read nor control it. Its
    `guardian` can stop it too. An unencrypted `migration` network lets every asset on
    it read the memory of the cluster's guests (isolated guests excepted).
    """
    spec = review.spec
    present = {a.id for a in spec.assets if state in a.placement}
    clusters = {c.id: c for c in spec.clusters}
    stores = {d.id: d for d in spec.datastores}
    edges: list[Edge] = []
    used_clusters: set[str] = set()
    # The guests of each cluster in this state whose memory crosses its migration network.
    guests: dict[str, list[str]] = {}
    for asset in spec.assets:
        place = asset.placement.get(state)
        if place is None or place.platform != "vm":
            continue
        grants, isolated = ALL_GRANTS, ""
        if place.isolation is not None:
            grants, isolated = AVAILABILITY, f" ({place.isolation}: availability only)"
        if place.cluster in clusters:
            used_clusters.add(place.cluster)
            if place.isolation is None:
                guests.setdefault(place.cluster, []).append(asset.id)
            for host in clusters[place.cluster].hosts:
                if host in present:
                    edges.append(
                        Edge(
                            host,
                            asset.id,
                            grants,
                            f"hypervisor: guest runs on cluster {place.cluster}{isolated}",
                            True,
                        )
                    )
        if place.datastore in stores:
            for server in stores[place.datastore].servers:
                if server in present:
                    edges.append(
                        Edge(
                            server,
                            asset.id,
                            grants,
                            f"storage: disks, snapshots and swap on {place.datastore}{isolated}",
                            True,
                        )
                    )
        if place.guardian in present:
            edges.append(
                Edge(
                    place.guardian,
                    asset.id,
                    AVAILABILITY,
                    "guardian: releases the keys the guest needs to start",
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
    for cluster in spec.clusters:
        migration = cluster.migration
        if migration is None or migration.encrypted or cluster.id not in guests:
            continue
        network = migration.network
        for asset in spec.assets:
            place = asset.placement.get(state)
            if place is None or not _on_network(asset, place, network):
                continue
            for guest in guests[cluster.id]:
                if guest != asset.id:
                    edges.append(
                        Edge(
                            asset.id,
                            guest,
                            READ,
                            f"migration: memory of guests crossing {network} unencrypted",
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
                        finding.image_wide,
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
        counts={a: by_id[a].count for a in assets if by_id[a].count > 1},
    )
