"""After the redesign: each proposed state compared with the current one.

A proposed state (`role: proposed`) is a design not yet built. Its figures come from the
same engine as every other state's; this module says what the redesign changes against
the current state: which single points of total compromise it removes, which remain and
which it adds, and what each entry point reaches. Deltas of findings stay baseline to
current: a redesign has no findings of its own until it is built and reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .figures import Comparison
from .model import RoadmapItem
from .report import Reach, joined, reach_of
from .review import Review


@dataclass(frozen=True)
class Redesign:
    state: str
    title: str
    description: str | None
    removed: tuple[str, ...]
    """Single points of total compromise of the current state that the redesign removes."""
    remaining: tuple[str, ...]
    added: tuple[str, ...]
    """Single points of total compromise the redesign has that the current state lacks."""
    entries: tuple[tuple[Reach, Reach], ...]
    """(current, proposed) reach of each entry point."""
    items: tuple[RoadmapItem, ...]
    """Roadmap items that build this state."""

    def sentence(self, review: Review, current_total: int) -> str:
        names = review.assets

        def named(ids: tuple[str, ...]) -> str:
            return joined([names[a].name for a in ids])

        parts = [
            f"The redesign removes {len(self.removed)} of the {current_total} single points "
            "of total compromise"
        ]
        if self.removed:
            parts.append(f" ({named(self.removed)})")
        if self.remaining:
            verb = "remains" if len(self.remaining) == 1 else "remain"
            parts.append(f"; {len(self.remaining)} {verb} ({named(self.remaining)})")
        else:
            parts.append("; none remains")
        if self.added:
            parts.append(f"; it adds {len(self.added)} ({named(self.added)})")
        return "".join(parts) + "."


def redesigns(review: Review, figures: Comparison) -> tuple[Redesign, ...]:
    current = review.current
    before = figures.states[current].single_points_of_total_compromise
    result = []
    for state in review.spec.states:
        if state.role != "proposed":
            continue
        after = figures.states[state.id].single_points_of_total_compromise
        result.append(
            Redesign(
                state=state.id,
                title=state.title,
                description=state.description,
                removed=tuple(a for a in before if a not in after),
                remaining=tuple(a for a in before if a in after),
                added=tuple(a for a in after if a not in before),
                entries=tuple(
                    (
                        reach_of(review, figures, current, e.id),
                        reach_of(review, figures, state.id, e.id),
                    )
                    for e in review.spec.entry_points
                ),
                items=tuple(i for i in review.spec.roadmap_items if i.realizes == state.id),
            )
        )
    return tuple(result)
