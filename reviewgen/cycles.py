"""Cold-start deadlocks: components that need each other in order to start.

An edge that grants availability (A) says the target stops when the source stops: a host
stops its guests, a datastore the VMs whose disks it holds, a directory the hosts that
authenticate against it. Components on a cycle of such edges cannot start after a full
outage, because each waits for another: vCenter on the cluster it manages, a domain
controller on the cluster whose hosts authenticate against it, a key broker inside the
confidential VMs' own cluster. Each strongly connected component of the A edges with
more than one member (or an asset that depends on itself) is one such cycle.
"""

from __future__ import annotations

import networkx as nx

from .graph import StateGraph


def dependency_cycles(graph: StateGraph) -> tuple[tuple[str, ...], ...]:
    """Each cycle of availability dependencies, its members in the review's order."""
    digraph: nx.DiGraph[str] = nx.DiGraph()
    digraph.add_nodes_from(graph.assets)
    digraph.add_edges_from(
        (e.source, e.target) for e in graph.edges if "A" in e.grants and e.target in graph.position
    )
    cycles = [
        tuple(sorted(component, key=graph.position.__getitem__))
        for component in nx.strongly_connected_components(digraph)
        if len(component) > 1 or digraph.has_edge(next(iter(component)), next(iter(component)))
    ]
    return tuple(sorted(cycles, key=lambda c: graph.position[c[0]]))
