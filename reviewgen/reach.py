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

Pooled guests. An asset with `count` N above 1 (120 desktops from one golden image)
has, besides its positions over every instance (`('control', P)`), positions over one
instance: `('control-one', P)`, `('read-one', P)`, `('deny-one', P)` and
`('foothold-one', P)`. The rules, each a move or a step target:

* every instance implies one: `('control', P)` leads to `('control-one', P)`, and so on;
* a requirement `control:P` (or `read:`, `foothold:`, a group with P in it, an assumed
  breach) is met by one instance: the attacker needs one desktop;
* a dominance edge from P fires from one instance (what one desktop reaches by design,
  every desktop reaches); an edge to P (a host to its guests) gives every instance;
* a step that gains over P gains one instance, unless its finding is `image_wide`
  (the weakness is in the image): then every instance.

`closure` follows the same rules, so a pooled asset's blast radius is what one
instance reaches by design. Asset-level answers ("is P controlled?") count either
position; `Reach.instances` counts N for every instance held and 1 for one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

import networkx as nx

from .graph import StateGraph, Step

Node = tuple[str, str]

#: The positions that a pooled asset also has over one of its instances.
ONE = "-one"


def one(kind: str) -> str:
    """The position over one instance of a pooled asset: "control" → "control-one"."""
    return kind + ONE


def _node_closure(graph: StateGraph, grant: str) -> dict[Node, frozenset[Node]]:
    """`closure` over positions: ("all", asset) and, for a pooled asset, ("one", asset)."""
    pooled = graph.counts

    def whole(asset: str) -> Node:
        return ("all", asset)

    def source(asset: str) -> Node:  # an edge from a pool fires from one instance
        return ("one", asset) if asset in pooled else ("all", asset)

    nodes = [whole(a) for a in graph.assets] + [("one", a) for a in graph.assets if a in pooled]
    index = {node: i for i, node in enumerate(nodes)}
    digraph: nx.DiGraph[Node] = nx.DiGraph()
    digraph.add_nodes_from(nodes)
    digraph.add_edges_from((whole(a), ("one", a)) for a in pooled if whole(a) in index)
    digraph.add_edges_from(
        (source(e.source), whole(e.target))
        for e in graph.edges
        if grant in e.grants and whole(e.target) in index and whole(e.source) in index
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
    members: dict[int, frozenset[Node]] = {}
    result: dict[Node, frozenset[Node]] = {}
    for node in nodes:
        component = mapping[node]
        if component not in members:
            mask, found = masks[component], []
            while mask:  # one pass per set bit, not per asset
                lowest = mask & -mask
                found.append(nodes[lowest.bit_length() - 1])
                mask ^= lowest
            members[component] = frozenset(found)
        result[node] = members[component]
    return result


def instance_closure(graph: StateGraph, grant: str) -> dict[str, dict[str, int]]:
    """For each asset, the assets its control reaches along `grant` edges, each with the
    number of its instances reached (itself included). A pooled asset's control is that
    of one instance; a pooled asset reached counts all its instances or one."""
    reached = _node_closure(graph, grant)
    shared: dict[frozenset[Node], dict[str, int]] = {}  # one dict per component
    result: dict[str, dict[str, int]] = {}
    for asset in graph.assets:
        nodes = reached[("one", asset) if asset in graph.counts else ("all", asset)]
        if nodes not in shared:
            held: dict[str, int] = {}
            for kind, subject in nodes:
                count = graph.instances(subject) if kind == "all" else 1
                held[subject] = max(held.get(subject, 0), count)
            shared[nodes] = held
        result[asset] = shared[nodes]
    return result


def closure(graph: StateGraph, grant: str) -> dict[str, frozenset[str]]:
    """For each asset, the assets its control reaches along `grant` edges (itself included)."""
    shared: dict[int, frozenset[str]] = {}
    result: dict[str, frozenset[str]] = {}
    for asset, held in instance_closure(graph, grant).items():
        if id(held) not in shared:  # assets of one component share their dict
            shared[id(held)] = frozenset(held)
        result[asset] = shared[id(held)]
    return result


@dataclass(frozen=True)
class Reach:
    """Where an attacker starting at one entry point can get, and how."""

    distance: dict[Node, int]
    previous: dict[Node, tuple[Node, Step | None]]

    def assets(self, kind: str) -> set[str]:
        """Assets held in position `kind`: of a pooled asset, every instance or one."""
        kinds = (kind, one(kind))
        return {subject for (k, subject) in self.distance if k in kinds}

    def instances(self, kind: str, graph: StateGraph, among: set[str] | None = None) -> int:
        """Instances held in position `kind` (of `among` only, if given): a pooled asset
        counts all its instances when the position over every instance is reached, else 1."""
        held = self.held(kind, graph)
        return sum(n for asset, n in held.items() if among is None or asset in among)

    def held(self, kind: str, graph: StateGraph) -> dict[str, int]:
        """For each asset held in position `kind`, how many of its instances."""
        result: dict[str, int] = {}
        single = one(kind)
        for k, subject in self.distance:
            if k == kind:
                result[subject] = graph.instances(subject)
            elif k == single:
                result.setdefault(subject, 1)
        return result

    def fewest(self, kind: str, asset: str) -> Node | None:
        """The reached position `kind` over `asset` (over one instance, for a pool) with
        the fewest findings; None when neither is reached."""
        found = [n for n in ((kind, asset), (one(kind), asset)) if n in self.distance]
        return min(found, key=self.distance.__getitem__) if found else None

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
    pooled = graph.counts

    def add(source: Node, target: Node) -> None:
        moves.setdefault(source, []).append((target, None))

    def held(kind: str, asset: str) -> Node:
        """The weakest position that counts as holding `asset`: one instance of a pool."""
        return (one(kind), asset) if asset in pooled else (kind, asset)

    for asset in graph.assets:
        add(("control", asset), ("foothold", asset))
        add(("control", asset), ("read", asset))
        add(("control", asset), ("deny", asset))  # control implies the power to stop it
        if asset in pooled:
            for kind in KINDS:  # every instance implies one
                add((kind, asset), (one(kind), asset))
            for kind in ("foothold", "read", "deny"):
                add((one("control"), asset), (one(kind), asset))
    for edge in graph.edges:
        if "I" in edge.grants:
            add(held("control", edge.source), ("control", edge.target))
        if "C" in edge.grants:
            add(held("control", edge.source), ("read", edge.target))
        if "A" in edge.grants:
            # Whatever stops the source stops what depends on it: a host its guests, a
            # datastore the VMs whose disks it holds, a manager its hosts.
            add(held("deny", edge.source), ("deny", edge.target))
    for entry, position in graph.assumed.items():
        add(("entry", entry), requirement_node(position, pooled))
    needed = {step.requires for step in graph.steps} | set(graph.assumed.values())
    for group, members in graph.groups.items():
        for kind in ("control", "foothold", "read"):
            if f"{kind}:group:{group}" in needed:
                for member in members:
                    add(held(kind, member), (f"{kind}-any", group))
    return moves


#: The positions over an asset; a pooled asset also has each over one instance.
KINDS = ("control", "foothold", "read", "deny")


def requirement_node(requires: str, pooled: Collection[str] = ()) -> Node:
    """The position a step's `requires` (or an assumed breach) names; over a pooled
    asset, one instance is enough."""
    kind, _, subject = requires.partition(":")
    if not subject:
        return ("entry", requires)
    if subject.startswith("group:"):
        return (f"{kind}-any", subject.removeprefix("group:"))
    return (one(kind), subject) if subject in pooled else (kind, subject)


class AttackGraph:
    """A state's positions and moves, reused for every entry point and what-if."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.moves = _adjacency(graph)
        self.steps_from: dict[Node, list[Step]] = {}
        for step in graph.steps:
            self.steps_from.setdefault(requirement_node(step.requires, graph.counts), []).append(
                step
            )
        # Every way into a position, for the loss computation below.
        self.incoming: dict[Node, list[tuple[Node, Step | None]]] = {}
        for source, targets in self.moves.items():
            for target, _ in targets:
                self.incoming.setdefault(target, []).append((source, None))
        for source, steps in self.steps_from.items():
            for step in steps:
                for target in self.step_targets(step):
                    self.incoming.setdefault(target, []).append((source, step))

    def step_targets(self, step: Step) -> list[Node]:
        """What a step gains: one instance of a pooled target unless it is image-wide."""
        pooled = self.graph.counts
        return [
            (one(step.gains), asset)
            if asset in pooled and not step.image_wide
            else (step.gains, asset)
            for asset in step.targets
        ]

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
