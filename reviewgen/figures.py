"""The comparison's results as frozen, typed records.

`compare.compare` returns a `Comparison`; `Comparison.to_json()` is what
`reviewgen compare --format json` prints and `exports/comparison.json` holds, and
`comparison_schema()` is its JSON Schema (kept in reviewgen/schemas/ by a test).
Assets are listed in the order the review lists them.

Pooled guests: an asset with `count: N` stands for N instances from one image. Lists
of assets stay lists of asset ids (a pooled asset is listed when any instance is
held); every list of services has a count of service instances beside it (`*_instances`),
in which a pooled asset counts N when every instance is held and 1 when one is. Without
pooled assets, each count is the length of its list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, dataclass_transform

from pydantic import ConfigDict, Field, TypeAdapter

Ids = tuple[str, ...]
T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """A frozen dataclass whose attribute docstrings become the schema's descriptions."""
    cls.__pydantic_config__ = ConfigDict(  # type: ignore[attr-defined]
        use_attribute_docstrings=True, extra="forbid"
    )
    return dataclass(frozen=True)(cls)


@record
class PathStep:
    step: str
    finding: str
    also_requires: Ids
    """Findings that must also be open for the step (not counted again)."""
    gains: Literal["foothold", "control", "read", "deny"]


@record
class EntryReach:
    """What one entry point reaches in one state."""

    controlled: Ids
    """Services controlled (of a pooled service, at least one instance)."""
    controlled_instances: int
    """Service instances controlled: a pooled service counts all its instances when every
    one is controlled (the host that runs them, a weakness in the image), else 1."""
    read: Ids
    """Services read (those controlled included)."""
    read_instances: int
    """Service instances read (those controlled included), counted as for control."""
    footholds: Ids
    infrastructure_controlled: Ids
    min_findings: dict[str, int | None]
    """For each crown jewel, the fewest findings to control it, one instance of it if it
    is pooled (null: not reachable)."""
    min_findings_read: dict[str, int | None]
    """For each crown jewel, the fewest findings to read it."""
    denied: Ids
    """Services the attacker can stop, encrypt or destroy (those controlled included)."""
    denied_instances: int
    """Service instances the attacker can take down (those controlled included)."""
    min_findings_deny: dict[str, int | None]
    """For each crown jewel, the fewest findings to take it down."""
    paths: dict[str, tuple[PathStep, ...]]
    """One shortest route to each crown jewel reached."""


@record
class SeverityCounts:
    findings: int
    """Findings that apply in the state."""
    by_version: dict[str, dict[str, int]]
    """Per CVSS version, findings per band; versions are never mixed."""
    not_scored: dict[str, int]
    """Findings rated qualitatively (cvss: null), per severity."""


@record
class EntryCut:
    controlled: Ids
    """Services no instance of which the attacker would still control."""
    read: Ids
    crown_jewels: Ids
    denied: Ids
    """Services the attacker could no longer take down."""


@record
class ChokePoint:
    finding: str
    crown_jewels_cut: int
    services_cut: int
    services_cut_instances: int
    """Service instances, over all entry points, that the attacker would no longer
    control (fixing an image-wide finding can leave one instance of a pool controlled
    and cut the rest); findings are ranked by it after crown jewels."""
    reads_cut: int
    denials_cut: int
    """Services, over all entry points, that the attacker could no longer take down."""
    entry_points: dict[str, EntryCut]


@record
class StateFigures:
    single_points_of_total_compromise: Ids
    """Assets whose control alone reaches every instance of every service by design."""
    service_instances: int
    """Service instances present in the state: a pooled service counts its `count`."""
    blast_radius: dict[str, Ids]
    """Services each asset's control reaches by design (a pooled asset's: one
    instance's)."""
    blast_radius_instances: dict[str, int]
    """Service instances each asset's control reaches by design: a pooled service counts
    all its instances when reached through what runs them all, 1 when only the
    instance itself is."""
    blast_radius_infrastructure: dict[str, Ids]
    """Non-service assets each asset's control also reaches."""
    availability_radius: dict[str, Ids]
    """Services each asset's failure takes down."""
    availability_radius_instances: dict[str, int]
    """Service instances each asset's failure takes down."""
    dependency_cycles: tuple[Ids, ...]
    """Components whose availability depends on each other in a cycle (vCenter on the
    cluster it manages, a domain controller on the hosts that authenticate against it):
    after a full outage none can start before another is up, a cold-start deadlock."""
    entry_points: dict[str, EntryReach]
    severity_counts: SeverityCounts
    choke_points: tuple[ChokePoint, ...] | None = None
    """Findings whose fix alone cuts the most reach (not computed for what-if states)."""


@record
class WhatIf:
    fixed: Ids
    states: dict[str, StateFigures]


@record
class DeltaTally:
    findings: dict[str, int]
    observations: dict[str, int]
    by_category: dict[str, dict[str, int]]


@record
class Inventory:
    assets_by_kind: dict[str, int]
    physical_systems: int
    out_of_band_controllers: int
    dominance_edges: int
    attack_steps: int


@record
class NewDominance:
    source: str
    via: str
    targets: Ids


@record
class SurfaceChange:
    from_: Annotated[str, Field(alias="from")]
    to: str
    assets_added: Ids
    assets_removed: Ids
    new_dominance: tuple[NewDominance, ...]


@record
class AttackSurface:
    states: dict[str, Inventory]
    changes: tuple[SurfaceChange, ...]


@record
class Comparison:
    review: str
    states: dict[str, StateFigures]
    what_if: dict[str, WhatIf]
    """The same figures with each roadmap phase (cumulatively) treated as fixed."""
    choke_points: tuple[ChokePoint, ...]
    """Those of the current state."""
    delta: DeltaTally
    attack_surface: AttackSurface

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter().dump_python(
            self, mode="json", by_alias=True, exclude_none=True
        )
        return data


@cache
def _adapter() -> TypeAdapter[Comparison]:
    return TypeAdapter(Comparison)


def comparison_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _adapter().json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reviewgen comparison"
    return schema
