"""Pictures drawn at build time as inline SVG: no JavaScript, no requests.

Colours come from CSS classes (`templates/assets/stylesheets/reviewgen.css`) and text
uses `currentColor`, so the figures follow Material's light and dark schemes and
print legibly. Every label is escaped.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from .figures import Comparison
from .review import Review

BANDS = ("Critical", "High", "Medium", "Low", "None")
#: Beyond these sizes a picture stops informing (and a matrix grows with the square of the
#: estate): charts show the largest rows and say how many they leave out.
MAX_ROWS = 40
MAX_MATRIX_COLUMNS = 80
FONT = 'font-family="inherit" font-size="12"'
#: Drawn size relative to the viewBox, so 12-unit text reads like body text; CSS
#: shrinks a figure wider than the page (max-width: 100%, height: auto).
SCALE = 1.25


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'\n<div class="rg-figure" markdown="0">\n'
        f'<svg viewBox="0 0 {width} {height}" width="{round(width * SCALE)}" '
        f'height="{round(height * SCALE)}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>\n</div>\n"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "rg-label") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}" '
        f'fill="currentColor">{escape(text)}</text>'
    )


def severity_chart(figures: Comparison, state_titles: dict[str, str], version: str) -> Markup:
    """One stacked bar per state: how many findings fall in each CVSS band.

    Each state's title sits on its own line above its bar, so long titles never
    run into the bars.
    """
    bar_width, bar, row, top_margin = 560, 22, 52, 26
    states = list(figures.states)
    bands = [b for b in BANDS if version != "2.0" or b != "Critical"]
    by_state = {s: figures.states[s].severity_counts.by_version.get(version, {}) for s in states}
    # Bars share one scale (findings, not percentages), so a state with more findings
    # has a longer bar.
    widest = max((sum(c.values()) for c in by_state.values()), default=0) or 1
    body = [_text(0, 14, f"CVSS v{version}: findings per severity band", cls="rg-caption")]
    for i, state in enumerate(states):
        counts = by_state[state]
        total = sum(counts.values())
        y = top_margin + i * row
        body.append(_text(0, y + 12, state_titles.get(state, state)))
        x = 0.0
        top = y + 18
        for band in bands:
            count = counts.get(band, 0)
            if not count:
                continue
            width = bar_width * count / widest
            body.append(
                f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{bar}" '
                f'class="rg-sev-{band.lower()}"><title>{band}: {count}</title></rect>'
            )
            if width >= 18:
                body.append(_text(x + width / 2, top + 15, str(count), "middle", "rg-on-bar"))
            x += width
        if not total:
            body.append(f'<rect x="0" y="{top}" width="24" height="{bar}" class="rg-empty"/>')
            x = 24.0
        body.append(_text(x + 8, top + 15, f"{total} scored" if total else "none scored"))
    legend_y = top_margin + row * len(states) + 14
    for j, band in enumerate(bands):
        x = j * 90
        body.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" '
            f'class="rg-sev-{band.lower()}"/>'
        )
        body.append(_text(x + 16, legend_y, band))
    return _svg(
        bar_width + 90,
        legend_y + 8,
        f"Findings per CVSS v{version} severity band, per state",
        body,
    )


def blast_chart(review: Review, figures: Comparison, state_titles: dict[str, str]) -> Markup:
    """Services each asset controls by design, per state (assets controlling more than one)."""
    states = list(figures.states)
    rows = [
        a.id
        for a in review.spec.assets
        if any(len(figures.states[s].blast_radius.get(a.id, [])) > 1 for s in states)
    ]
    services = sum(1 for a in review.spec.assets if a.kind == "service") or 1
    if len(rows) > MAX_ROWS:
        widest = {
            a: max(len(figures.states[s].blast_radius.get(a, [])) for s in states) for a in rows
        }
        kept = set(sorted(rows, key=lambda a: -widest[a])[:MAX_ROWS])
        rows = [a for a in rows if a in kept]
    label_width, bar_width, bar, gap = 170, 380, 12, 10
    per_row = bar * len(states) + gap
    body = []
    for i, asset in enumerate(rows):
        y = 10 + i * per_row
        body.append(_text(0, y + bar, review.assets[asset].name[:26]))
        for j, state in enumerate(states):
            count = len(figures.states[state].blast_radius.get(asset, []))
            width = bar_width * count / services
            body.append(
                f'<rect x="{label_width}" y="{y + j * bar}" width="{width:.1f}" '
                f'height="{bar - 2}" class="rg-state-{j}"><title>'
                f"{escape(state_titles[state])}: {count}</title></rect>"
            )
            body.append(
                _text(
                    label_width + width + 4,
                    y + j * bar + bar - 3,
                    f"{count}"
                    if state in figures.states and asset in figures.states[state].blast_radius
                    else "absent",
                    cls="rg-small",
                )
            )
    legend_y = 20 + len(rows) * per_row
    for j, state in enumerate(states):
        x = label_width + j * 190
        body.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" class="rg-state-{j}"/>'
        )
        body.append(_text(x + 16, legend_y, state_titles[state][:28]))
    return _svg(
        label_width + bar_width + 60,
        legend_y + 10,
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
