"""Badge and bar-label colours meet WCAG AA (4.5:1) in Material's light and dark schemes.

Every pair is read from templates/assets/stylesheets/reviewgen.css, so a colour changed
there is checked here: each `.rg-badge.<class> { color: var(--x) }` against the page
background (through its own `color-mix(...)` background, if any), and the count drawn on
a severity bar (`.rg-on-bar`) against each bar fill (`rect.rg-sev-<band>`). Backgrounds
are Material's: `default` is white, `slate` is hsl(225deg 15% 14%); a hovered table row
adds Material's translucent tint, which must not push a pair under 4.5 either.
tests/browser/test_client_view.py measures the same pairs as Chromium renders them.
"""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

from reviewgen.registry import SEVERITY_BANDS

CSS = Path(__file__).resolve().parents[1] / "templates/assets/stylesheets/reviewgen.css"
AA = 4.5

RGBA = tuple[float, float, float, float]
"""Red, green, blue in 0..255 and alpha in 0..1."""


def relative_luminance(color: RGBA) -> float:
    """WCAG 2.x relative luminance of an opaque sRGB colour."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = color
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    """WCAG 2.x contrast ratio of two opaque colours, from 1 to 21."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """`top` composited over an opaque `bottom` (source-over)."""
    alpha = top[3]
    r, g, b = (top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3))
    return (r, g, b, 1.0)


def hex_color(text: str) -> RGBA:
    value = text.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    alpha = int(value[6:8], 16) / 255 if len(value) == 8 else 1.0
    return (r, g, b, alpha)


def hsla(hue: float, saturation: float, lightness: float, alpha: float = 1.0) -> RGBA:
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return (r * 255, g * 255, b * 255, alpha)


#: Material for MkDocs 9.x (palette.css), --md-hue 225deg: the page background of each
#: scheme, and the tint of a hovered table row (--md-typeset-table-color--light).
BACKGROUNDS: dict[str, RGBA] = {
    "default": hex_color("#ffffff"),
    "slate": hsla(225, 0.15, 0.14),
}
ROW_HOVER: dict[str, RGBA] = {
    "default": hex_color("#00000009"),
    "slate": hsla(225, 0.15, 0.95, 0.035),
}


def _rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of the rules outside any at-rule (@media print has its own)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, depth, start = [], 0, 0
    selector = ""
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                selector = css[start:i].strip()
                start = i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    rules.append((selector, css[start:i]))
                start = i + 1
    return rules


def _declarations(body: str) -> dict[str, str]:
    pairs = (d.split(":", 1) for d in body.split(";") if ":" in d)
    return {k.strip(): v.strip() for k, v in pairs}


def scheme_variables(css: str) -> dict[str, dict[str, str]]:
    """The custom properties of each scheme: `:root` for default, overridden for slate."""
    variables: dict[str, dict[str, str]] = {"default": {}, "slate": {}}
    for selector, body in _rules(css):
        declared = {k: v for k, v in _declarations(body).items() if k.startswith("--")}
        if selector == ":root":
            variables["default"].update(declared)
        elif selector == '[data-md-color-scheme="slate"]':
            variables["slate"].update(declared)
    variables["slate"] = {**variables["default"], **variables["slate"]}
    return variables


_VAR = re.compile(r"^var\((--[\w-]+)\)$")
_MIX = re.compile(r"^color-mix\(in srgb, var\((--[\w-]+)\) (\d+(?:\.\d+)?)%, transparent\)$")


def resolve(value: str, variables: dict[str, str]) -> RGBA:
    """A colour value of reviewgen.css: `#hex`, `var(--x)` or `color-mix(... transparent)`."""
    value = value.strip()
    if match := _VAR.match(value):
        return resolve(variables[match.group(1)], variables)
    if match := _MIX.match(value):
        r, g, b, _ = resolve(f"var({match.group(1)})", variables)
        return (r, g, b, float(match.group(2)) / 100)
    if value.startswith("#"):
        return hex_color(value)
    raise ValueError(f"colour {value!r} is not one this test reads")


def badge_rules(css: str) -> dict[str, dict[str, str]]:
    """`.rg-badge.<class>` -> its declarations (color, background)."""
    badges: dict[str, dict[str, str]] = {}
    for selector, body in _rules(css):
        for part in selector.split(","):
            if match := re.fullmatch(r"\.rg-badge\.([\w-]+)", part.strip()):
                badges.setdefault(match.group(1), {}).update(_declarations(body))
    return badges


def bar_fills(css: str) -> dict[str, str]:
    """`rect.rg-sev-<band>` -> its fill."""
    fills = {}
    for selector, body in _rules(css):
        if match := re.fullmatch(r"\.rg-figure rect\.rg-sev-([\w-]+)", selector):
            fills[match.group(1)] = _declarations(body)["fill"]
    return fills


def bar_label_fill(css: str) -> str:
    (fill,) = [
        _declarations(body)["fill"]
        for selector, body in _rules(css)
        if selector == ".rg-figure .rg-on-bar"
    ]
    return fill


def pairs(css: str) -> list[tuple[str, str, RGBA, RGBA]]:
    """(scheme, what, foreground, opaque background) for every badge and bar label."""
    variables = scheme_variables(css)
    result = []
    for scheme, page in BACKGROUNDS.items():
        v = variables[scheme]
        for ground, tint in (("", None), (", hovered row", ROW_HOVER[scheme])):
            base = page if tint is None else over(tint, page)
            for name, rule in badge_rules(css).items():
                if "color" not in rule:
                    continue
                background = base
                if "background" in rule:
                    background = over(resolve(rule["background"], v), base)
                result.append(
                    (scheme, f".rg-badge.{name}{ground}", resolve(rule["color"], v), background)
                )
        label = resolve(bar_label_fill(css), v)
        for band, fill in bar_fills(css).items():
            result.append((scheme, f"count on the {band} bar", label, over(resolve(fill, v), page)))
    return result


def test_the_luminance_function_gives_known_ratios() -> None:
    white, black = hex_color("#fff"), hex_color("#000")
    assert contrast_ratio(white, black) == pytest.approx(21)
    assert contrast_ratio(white, white) == pytest.approx(1)
    # The figures for the colours this project used before.
    assert contrast_ratio(hex_color("#ef6c00"), white) == pytest.approx(3.08, abs=0.01)
    assert contrast_ratio(hex_color("#607d8b"), white) == pytest.approx(4.37, abs=0.01)
    # Material's slate background.
    assert tuple(round(c) for c in BACKGROUNDS["slate"][:3]) == (30, 33, 41)


def test_every_band_has_a_badge_and_a_bar_colour() -> None:
    css = CSS.read_text(encoding="utf-8")
    badges, fills = badge_rules(css), bar_fills(css)
    for band in SEVERITY_BANDS:
        assert f"rg-sev-{band.id}" in badges, band.id
        assert band.id in fills, band.id
    for delta in ("new", "amplified", "carried-over", "reduced", "removed"):
        assert f"rg-delta-{delta}" in badges, delta


def test_every_badge_and_bar_label_meets_wcag_aa_in_both_schemes() -> None:
    found = pairs(CSS.read_text(encoding="utf-8"))
    assert len(found) >= 2 * 2 * 12  # schemes x (plain, hovered) x badges, and bars
    failures = [
        f"{scheme}: {what}: {contrast_ratio(fg, bg):.2f}:1"
        for scheme, what, fg, bg in found
        if contrast_ratio(fg, bg) < AA
    ]
    assert failures == []
