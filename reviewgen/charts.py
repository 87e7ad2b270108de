"""Pictures drawn at build time as inline SVG: no JavaScript, no requests.

Colours come from CSS classes (`templates/assets/stylesheets/reviewgen.css`) and text
uses `currentColor`, so the figures follow Material's light and dark schemes and
print legibly. Every label is escaped.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from .figures import Comparison
from .registry import BAND_NAMES, VERSIONS
from .review import Review

#: Beyond these sizes a picture stops informing (and a matrix grows with the square of the
#: estate): charts show the largest rows and say how many they leave out.
MAX_ROWS = 40
MAX_MATRIX_COLUMNS = 80
FONT = 'font-family="inherit" font-size="12"'
#: Drawn size relative to the viewBox, so 12-unit text reads like body text; CSS
#: shrinks a figure wider than the page (max-width: 100%, height: auto).
SCALE = 1.25
#: The smallest text a chart uses, in viewBox units (the `rg-small` class of
#: reviewgen.css), and the smallest it may be drawn at on screen, in CSS pixels. A figure
#: is never shrunk below the width that keeps that text legible: on a narrow screen it
#: scrolls sideways instead (reviewgen.css reads `--rg-min-width`).
SMALLEST_TEXT = 11
LEGIBLE_PX = 11
#: Width of the charts read on a phone (severity bands, blast radius): 340 units fit the
#: 358 px column of a 390 px screen at full size, so their text stays at 12 px there.
NARROW = 340
#: Average advance of a character of 12-unit text, to wrap and cut labels.
CHAR = 6.6


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    min_width = round(width * LEGIBLE_PX / SMALLEST_TEXT)
    return Markup(
        f'\n<div class="rg-figure">\n'
        f'<svg viewBox="0 0 {width} {height}" width="{round(width * SCALE)}" '
        f'height="{round(height * SCALE)}" style="--rg-min-width: {min_width}px" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>\n</div>\n"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "rg-label") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}" '
        f'fill="currentColor">{escape(text)}</text>'
    )


def _cut(text: str, width: float) -> str:
    """`text` cut with an ellipsis to what fits in `width` units."""
    limit = max(int(width / CHAR), 4)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of `width` units, broken between words."""
    limit = max(int(width / CHAR), 4)
    result: list[str] = []
    for word in text.split():
        if result and len(result[-1]) + 1 + len(word) <= limit:
            result[-1] += " " + word
        else:
            result.append(word)
    if len(result) > lines:
        result = [*result[: lines - 1], " ".join(result[lines - 1 :])]
    return [_cut(line, width) for line in result] or [""]


def severity_chart(figures: Comparison, state_titles: dict[str, str], version: str) -> Markup:
    """One stacked bar per state: how many findings fall in each CVSS band.

    Each state's title sits on its own lines above its bar, so long titles never run
    into the bars, and the chart is narrow enough to read on a phone at full size.
    """
    width = NARROW
    bar_width, bar, line = 270, 22, 15
    states = list(figures.states)
    bands = list(VERSIONS[version].bands) if version in VERSIONS else list(BAND_NAMES)
    by_state = {s: figures.states[s].severity_counts.by_version.get(version, {}) for s in states}
    # Bars share one scale (findings, not percentages), so a state with more findings
    # has a longer bar.
    widest = max((sum(c.values()) for c in by_state.values()), default=0) or 1
    body = [_text(0, 14, f"CVSS v{version}: findings per severity band", cls="rg-caption")]
    y = 26.0
    for state in states:
        counts = by_state[state]
        total = sum(counts.values())
        for title_line in _wrap(state_titles.get(state, state), width):
            body.append(_text(0, y + 12, title_line))
            y += line
        x = 0.0
        top = y + 3
        for band in bands:
            count = counts.get(band, 0)
            if not count:
                continue
            part = bar_width * count / widest
            body.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{part:.1f}" height="{bar}" '
                f'class="rg-sev-{band.lower()}"><title>{band}: {count}</title></rect>'
            )
            if part >= 18:
                body.append(_text(x + part / 2, top + 15, str(count), "middle", "rg-on-bar"))
            x += part
        if not total:
            body.append(f'<rect x="0" y="{top:.1f}" width="24" height="{bar}" class="rg-empty"/>')
            x = 24.0
        body.append(_text(x + 6, top + 15, f"{total} scored" if total else "none scored"))
        y = top + bar + 12
    legend_y = y + 12
    step = width / len(bands)
    for j, band in enumerate(bands):
        x = j * step
        body.append(
            f'<rect x="{x:.1f}" y="{legend_y - 10:.1f}" width="12" height="12" '
            f'class="rg-sev-{band.lower()}"/>'
        )
        body.append(_text(x + 16, legend_y, band))
    return _svg(
        width,
        round(legend_y + 8),
        f"Findings per CVSS v{version} severity band, per state",
        body,
    )


def blast_chart(review: Review, figures: Comparison, state_titles: dict[str, str]) -> Markup:
    """Services each asset controls by design, per state (assets controlling more than one).

    Each asset's name sits on its own line above its bars, so the chart is narrow enough
    to read on a phone at full size.
    """
    states = list(figures.states)
    rows = [
        a.id
        for a in review.spec.assets
        if any(len(figures.states[s].blast_radius.get(a.id, [])) > 1 for s in states)
    ]
    services = sum(1 for a in review.spec.assets if a.kind == "service") or 1
    left_out = 0
    if len(rows) > MAX_ROWS:
        widest = {
            a: max(len(figures.states[s].blast_radius.get(a, [])) for s in states) for a in rows
        }
        kept = set(sorted(rows, key=lambda a: -widest[a])[:MAX_ROWS])
        left_out = len(rows) - MAX_ROWS
        rows = [a for a in rows if a in kept]
    width = NARROW
    bar_width, bar, gap, label = 290, 14, 10, 15
    per_row = label + bar * len(states) + gap
    body = []
    for i, asset in enumerate(rows):
        y = 4 + i * per_row
        body.append(_text(0, y + 11, _cut(review.assets[asset].name, width)))
        for j, state in enumerate(states):
            count = len(figures.states[state].blast_radius.get(asset, []))
            part = bar_width * count / services
            top = y + label + j * bar
            body.append(
                f'<rect x="0" y="{top}" width="{part:.1f}" '
                f'height="{bar - 2}" class="rg-state-{j}"><title>'
                f"{escape(state_titles[state])}: {count}</title></rect>"
            )
            body.append(
                _text(
                    part + 4,
                    top + bar - 3,
                    f"{count}"
                    if state in figures.states and asset in figures.states[state].blast_radius
                    else "absent",
                    cls="rg-small",
                )
            )
    legend_y = 18 + len(rows) * per_row
    if left_out:
        body.append(_text(0, legend_y, f"{left_out} more assets with smaller radii are not drawn."))
        legend_y += 18
    for j, state in enumerate(states):
        y = legend_y + j * 17
        body.append(f'<rect x="0" y="{y - 10}" width="12" height="12" class="rg-state-{j}"/>')
        body.append(_text(16, y, _cut(state_titles[state], width - 16)))
    return _svg(
        width,
        legend_y + 17 * (len(states) - 1) + 8,
        "Blast radius: services controlled by design, per state",
        body,
    )


def control_matrix(review: Review, figures: Comparison, state: str) -> Markup:
    """Which asset controls which service by design in one state (a filled cell)."""
    data = figures.states[state]
    services = [
        a.id for a in review.spec.assets if a.kind == "service" and a.id in data.blast_radius
    ]
    rows = [a for a, radius in data.blast_radius.items() if len(radius) > 1]
    if len(services) > MAX_MATRIX_COLUMNS or len(rows) > MAX_ROWS:
        return Markup(
            f'\n<p class="rg-muted">The control matrix is drawn for estates of up to '
            f"{MAX_MATRIX_COLUMNS} services and {MAX_ROWS} controlling assets; this state has "
            f"{len(services)} and {len(rows)}. The blast-radius figures above list what each "
            "asset controls.</p>\n"
        )
    cell, label_width, top = 18, 150, 80
    width = label_width + cell * len(services) + 10
    height = top + cell * max(len(rows), 1) + 10
    body = []
    for j, service in enumerate(services):
        x = label_width + j * cell + cell / 2
        body.append(
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-60)" '
            f'class="rg-small" fill="currentColor">{escape(service)}</text>'
        )
    spotc = set(data.single_points_of_total_compromise)
    for i, asset in enumerate(rows):
        y = top + i * cell
        marker = " ★" if asset in spotc else ""
        body.append(_text(0, y + 13, asset + marker))
        controlled = set(data.blast_radius[asset])
        for j, service in enumerate(services):
            cls = "rg-cell-on" if service in controlled else "rg-cell-off"
            body.append(
                f'<rect x="{label_width + j * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" class="{cls}"><title>{escape(asset)} → '
                f"{escape(service)}</title></rect>"
            )
    if not rows:
        body.append(_text(0, top + 13, "No asset controls more than itself."))
    return _svg(width, height, f"Control by design in state {state}", body)


def architecture(review: Review, state: str) -> Markup:
    """Boxes for the estate in one state: physical systems, and VMs inside their cluster."""
    spec = review.spec
    present = [a for a in spec.assets if state in a.placement]
    clusters = {c.id: c for c in spec.clusters}
    by_cluster: dict[str, list[str]] = {}
    physical = []
    for asset in present:
        place = asset.placement[state]
        if place.platform == "vm" and place.cluster in clusters:
            by_cluster.setdefault(place.cluster, []).append(asset.id)
        elif asset.id not in {h for c in clusters.values() for h in c.hosts}:
            physical.append(asset)
    body: list[str] = []
    columns, box_w, box_h, pad = 6, 104, 34, 8
    y = 10.0

    def box(x: float, top: float, label: str, cls: str, note: str = "") -> None:
        body.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{box_w}" height="{box_h}" '
            f'rx="4" class="{cls}"/>'
        )
        body.append(_text(x + box_w / 2, top + 15, label[:16], "middle"))
        if note:
            body.append(_text(x + box_w / 2, top + 28, note, "middle", "rg-small"))

    for cluster_id, guests in by_cluster.items():
        cluster = clusters[cluster_id]
        rows = (len(guests) + columns - 1) // columns
        height = 30 + box_h + 16 + rows * (box_h + pad) + 10
        width = columns * (box_w + pad) + pad
        body.append(
            f'<rect x="0" y="{y:.1f}" width="{width}" height="{height}" rx="6" class="rg-cluster"/>'
        )
        managed = f", managed by {cluster.managed_by}" if cluster.managed_by else ""
        body.append(_text(8, y + 18, f"Cluster {cluster_id}{managed}"))
        for k, host in enumerate(h for h in cluster.hosts if state in review.assets[h].placement):
            bmc = "BMC" if review.assets[host].placement[state].bmc else ""
            box(pad + k * (box_w + pad), y + 26, host, "rg-box-host", bmc)
        for k, guest in enumerate(guests):
            gx = pad + (k % columns) * (box_w + pad)
            gy = y + 26 + box_h + 16 + (k // columns) * (box_h + pad)
            asset = review.assets[guest]
            box(
                gx,
                gy,
                guest,
                "rg-box-jewel" if asset.crown_jewel else "rg-box-vm",
                "VM, " + (asset.placement[state].datastore or ""),
            )
        y += height + 12
    for k, asset in enumerate(physical):
        if k % columns == 0 and k:
            y += box_h + pad
        place = asset.placement[state]
        note = ", ".join(x for x in (place.platform, "BMC" if place.bmc else "") if x)
        cls = "rg-box-jewel" if asset.crown_jewel else "rg-box-physical"
        box(pad + (k % columns) * (box_w + pad), y, asset.id, cls, note)
    y += box_h + 10
    return _svg(columns * (box_w + pad) + pad, int(y) + 4, f"Architecture in state {state}", body)
