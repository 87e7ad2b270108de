"""The terminal report of `reviewgen compare --format text`."""

from __future__ import annotations

from collections.abc import Sequence

from .figures import Comparison, PathStep
from .review import Review


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _names(items: Sequence[str], limit: int = 8) -> str:
    if not items:
        return "nothing"
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _steps(path: Sequence[PathStep]) -> str:
    return " -> ".join(f"{p.finding} ({p.step})" for p in path)


def text_report(review: Review, figures: Comparison) -> str:
    spec = review.spec
    lines = [
        f"{spec.review.title}",
        f"{review.slug}: {plural(len(review.findings), 'finding')}, "
        f"{plural(len(spec.observations), 'positive observation')}",
        "",
    ]
    titles = {s.id: s.title for s in spec.states}
    entry_titles = {e.id: e.title for e in spec.entry_points}
    for state, data in figures.states.items():
        lines.append(f"== {titles[state]} [{state}]")
        spotc = data.single_points_of_total_compromise
        lines.append(f"  Single points of total compromise ({len(spotc)}): {_names(spotc)}")
        wide = {a: s for a, s in data.blast_radius.items() if len(s) > 1}
        lines.append(
            "  Blast radius (services controlled by design): "
            + (
                ", ".join(f"{a} {len(s)}" for a, s in wide.items())
                or "every asset controls itself only"
            )
        )
        for entry, reach in data.entry_points.items():
            lines.append(
                f"  From {entry_titles.get(entry, entry)}: controls "
                f"{len(reach.controlled)} services, reads {len(reach.read)}"
            )
            for jewel, count in reach.min_findings.items():
                read = reach.min_findings_read[jewel]
                if count is not None:
                    lines.append(
                        f"    {jewel}: controlled after {plural(count, 'finding')}: "
                        f"{_steps(reach.paths[jewel])}"
                    )
                elif read is not None:
                    lines.append(
                        f"    {jewel}: read after {plural(read, 'finding')}: "
                        f"{_steps(reach.paths[jewel])}"
                    )
        chokes = (data.choke_points or ())[:5]
        if chokes:
            lines.append("  Choke points (fixing one alone cuts):")
            for choke in chokes:
                lines.append(
                    f"    {choke.finding}: {choke.crown_jewels_cut} crown-jewel "
                    f"routes, {choke.services_cut} services controlled, "
                    f"{choke.reads_cut} read"
                )
        counts = data.severity_counts
        for version, bands in counts.by_version.items():
            lines.append(
                f"  CVSS {version} bands: " + ", ".join(f"{band} {n}" for band, n in bands.items())
            )
        if counts.not_scored:
            lines.append(
                "  Not CVSS-scored: " + ", ".join(f"{s} {n}" for s, n in counts.not_scored.items())
            )
        lines.append("")
    for phase_id, phase in figures.what_if.items():
        title = next(p.title for p in spec.roadmap if p.id == phase_id)
        lines.append(f"== What if '{title}' is done ({plural(len(phase.fixed), 'finding')} fixed)")
        for state, data in phase.states.items():
            summary = ", ".join(
                f"{entry} controls {len(r.controlled)}" for entry, r in data.entry_points.items()
            )
            lines.append(f"  {state}: {summary}")
        lines.append("")
    delta = figures.delta.findings
    lines.append("Delta: " + ", ".join(f"{k} {v}" for k, v in delta.items()))
    return "\n".join(lines) + "\n"
