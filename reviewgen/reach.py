"""Reachability over a state's control graph: plain functions, linear in its size.

* `closure` gives, for every asset, what its control reaches along edges with a
  given grant (I: control, C: read, A: availability). Cycles are collapsed into
  strongly connected components and sets are propagated as bit masks in reverse
  topological order, so every asset's blast radius costs one pass over the graph.
* `attack` runs the attacker fixpoint from one entry point as a 0-1 breadth-first
  search: dominance edges cost nothing, each attack step costs one finding. Positions
  are foothold, control, read (credentials and data: a step may require it) and deny
  (the power to stop, encrypt or destroy; control implies it, and it follows the
  dominance edges that grant A). Every
  step requires a single position, so the distance of a position is the fewest
  findings exploited in sequence to reach it, and the search records one such path.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import networkx as nx

from .graph import StateGraph, Step

Node = tuple[str, str]


def closure(graph: StateGraph, grant: str) -> dict[str, frozenset[str]]:
    """For each asset, the assets its control reaches along `grant` edges (itself included)."""
    index = {asset: i for i, asset in enumerate(graph.assets)}
    digraph: nx.DiGraph[str] = nx.DiGraph()
    digraph.add_nodes_from(graph.assets)
    digraph.add_edges_from(
        (e.source, e.target) for e in graph.edges if grant in e.grants and e.target in index
    )
    dag = nx.condensation(digraph)
    masks: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(dag))):
        mask = 0
        for member in dag.nodes[component]["members"]:
            mask |= 1 << index[member]
        for successor in dag.successors(component):
            mask |= masks[successor]
        masks[component] = mask
    mapping = dag.graph["mapping"]
    names = list(graph.assets)
    members: dict[int, frozenset[str]] = {}
    result: dict[str, frozenset[str]] = {}
    for asset in graph.assets:
        component = mapping[asset]
        if component not in members:
            mask, found = masks[component], []
            while mask:  # one pass per set bit, not per asset
                lowest = mask & -mask
                found.append(names[lowest.bit_length() - 1])
                mask ^= lowest
            members[component] = frozenset(found)
        result[asset] = members[component]
    return result


@dataclass(frozen=True)
class Reach:
    """Where an attacker starting at one entry point can get, and how."""

    distance: dict[Node, int]
    previous: dict[Node, tuple[Node, Step | None]]

    def assets(self, kind: str) -> set[str]:
        return {subject for (k, subject) in self.distance if k == kind}

    def path(self, node: Node) -> list[Step]:
        """The attack steps on one shortest route to `node`, in order."""
        steps: list[Step] = []
        while node in self.previous:
            node, step = self.previous[node]
            if step is not None:
                steps.append(step)
        return steps[::-1]


def _adjacency(graph: StateGraph) -> dict[Node, list[tuple[Node, Step | None]]]:
    """Zero-cost moves between positions, independent of which findings are open."""
    moves: dict[Node, list[tuple[Node, Step | None]]] = {}

    def add(source: Node, target: Node) -> None:
        moves.setdefault(source, []).append((target, None))

    for asset in graph.assets:
        add(("control", asset), ("foothold", asset))
        add(("control", asset), ("read", asset))
        add(("control", asset), ("deny", asset))  # control implies the power to stop it
    for edge in graph.edges:
        if "I" in edge.grants:
            add(("control", edge.source), ("control", edge.target))
        if "C" in edge.grants:
            add(("control", edge.source), ("read", edge.target))
        if "A" in edge.grants:
            # Whatever stops the source stops what depends on it: a host its guests, a
            # datastore the VMs whose disks it holds, a manager its hosts.
            add(("deny", edge.source), ("deny", edge.target))
    for entry, position in graph.assumed.items():
        add(("entry", entry), requirement_node(position))
    needed = {step.requires for step in graph.steps} | set(graph.assumed.values())
    for group, members in graph.groups.items():
        for kind in ("control", "foothold", "read"):
            if f"{kind}:group:{group}" in needed:
                for member in members:
                    add((kind, member), (f"{kind}-any", group))
    return moves


def requirement_node(requires: str) -> Node:
    kind, _, subject = requires.partition(":")
    if not subject:
        return ("entry", requires)
    if subject.startswith("group:"):
        return (f"{kind}-any", subject.removeprefix("group:"))
    return (kind, subject)


class AttackGraph:
    """A state's positions and moves, reused for every entry point and what-if."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.moves = _adjacency(graph)
        self.steps_from: dict[Node, list[Step]] = {}
        for step in graph.steps:
            self.steps_from.setdefault(requirement_node(step.requires), []).append(step)
        # Every way into a position, for the loss computation below.
        self.incoming: dict[Node, list[tuple[Node, Step | None]]] = {}
        for source, targets in self.moves.items():
            for target, _ in targets:
                self.incoming.setdefault(target, []).append((source, None))
        for source, steps in self.steps_from.items():
            for step in steps:
                for target in self.step_targets(step):
                    self.incoming.setdefault(target, []).append((source, step))

    @staticmethod
    def step_targets(step: Step) -> list[Node]:
        return [(step.gains, asset) for asset in step.targets]

    def attack(self, entry: str, fixed: frozenset[str] = frozenset()) -> Reach:
        """0-1 BFS from `entry`, with the findings in `fixed` treated as closed."""
        start: Node = ("entry", entry)
        distance: dict[Node, int] = {start: 0}
        previous: dict[Node, tuple[Node, Step | None]] = {}
        queue: deque[Node] = deque([start])
        done: set[Node] = set()
        while queue:
            node = queue.popleft()
            if node in done:
                continue
            done.add(node)
            here = distance[node]
            for target, _ in self.moves.get(node, ()):
                if distance.get(target, here + 1) > here:
                    distance[target] = here
                    previous[target] = (node, None)
                    queue.appendleft(target)
            for step in self.steps_from.get(node, ()):
                if step.findings & fixed:
                    continue
                for target in self.step_targets(step):
                    if distance.get(target, here + 2) > here + 1:
                        distance[target] = here + 1
                        previous[target] = (node, step)
                        queue.append(target)
        return Reach(distance, previous)

    def losses(self, reach: Reach, fixed: frozenset[str]) -> dict[str, set[Node]]:
        """For each finding, the positions `reach` loses if that finding alone is also fixed.

        Exact, without a search per finding: a position can only be lost if its route in
        the search tree uses a step the finding enables, so only that subtree is checked;
        a position in it is kept if any edge the fix leaves open leads into it from a
        position that stays reached.
        """
        children: dict[Node, list[Node]] = {}
        roots: dict[str, list[Node]] = {}
        for node, (parent, step) in reach.previous.items():
            children.setdefault(parent, []).append(node)
            if step is not None:
                for finding in step.findings:
                    roots.setdefault(finding, []).append(node)
        result: dict[str, set[Node]] = {}
        for finding, starts in roots.items():
            closed = fixed | {finding}
            subtree: set[Node] = set()
            stack = list(starts)
            while stack:
                node = stack.pop()
                if node not in subtree:
                    subtree.add(node)
                    stack.extend(children.get(node, ()))
            kept = [
                node for node in subtree
                if any(source in reach.distance and source not in subtree
                       and (step is None or not step.findings & closed)
                       for source, step in self.incoming.get(node, ()))
            ]  # fmt: skip
            rescued = set(kept)
            while kept:
                node = kept.pop()
                following = [target for target, _ in self.moves.get(node, ())]
                for step in self.steps_from.get(node, ()):
                    if not step.findings & closed:
                        following += self.step_targets(step)
                for target in following:
                    if target in subtree and target not in rescued:
                        rescued.add(target)
                        kept.append(target)
            lost = subtree - rescued
            if lost:
                result[finding] = lost
        return result
