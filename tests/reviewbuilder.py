"""Build small review folders from Python data, for tests of the comparison engine.

`build_review` writes review.yaml and findings/*.yaml; `asset`, `edge`, `step` and
`finding` make the parts with sensible defaults, so a test states only what it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml


def asset(
    asset_id: str,
    kind: str = "service",
    *,
    crown_jewel: bool = False,
    states: Iterable[str] = ("pre", "post"),
) -> dict[str, Any]:
    """An asset placed as a physical machine in each of `states`."""
    return {
        "id": asset_id,
        "name": asset_id.upper(),
        "kind": kind,
        "crown_jewel": crown_jewel,
        "placement": {state: {"platform": "physical"} for state in states},
    }


def edge(
    source: str,
    to: str | list[str],
    grants: Iterable[str] = ("C", "I", "A"),
    states: Iterable[str] = ("pre", "post"),
) -> dict[str, Any]:
    """An explicit dominance edge."""
    return {
        "from": source,
        "to": to,
        "grants": list(grants),
        "via": f"{source} administers {to}",
        "states": list(states),
    }


def step(
    step_id: str,
    requires: str,
    gains: str,
    to: str | list[str],
    *,
    states: Iterable[str] = ("pre", "post"),
    also_requires: Iterable[str] = (),
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": step_id,
        "states": list(states),
        "requires": requires,
        "gains": gains,
        "to": to,
    }
    if also_requires:
        data["also_requires"] = list(also_requires)
    return data


def finding(
    finding_id: str,
    *steps: dict[str, Any],
    status: str = "open",
    roadmap: str | None = None,
    states: Iterable[str] = ("pre", "post"),
) -> dict[str, Any]:
    """A finding scored qualitatively (cvss: null) that affects nothing; only its steps matter."""
    data: dict[str, Any] = {
        "id": finding_id,
        "title": f"Finding {finding_id}",
        "category": "general",
        "delta": "new",
        "status": status,
        "affected": {state: [] for state in states},
        "cvss": None,
        "severity": "medium",
        "severity_rationale": "Test data.",
        "description": "Test data.",
        "recommendation": "Fix it.",
        "attack_steps": list(steps),
    }
    if roadmap is not None:
        data["roadmap"] = roadmap
    return data


def build_review(
    root: Path,
    *,
    assets: list[dict[str, Any]],
    findings: Iterable[dict[str, Any]] = (),
    groups: dict[str, list[str]] | None = None,
    dominance: Iterable[dict[str, Any]] = (),
    entry_points: Iterable[str | dict[str, Any]] = ("internet",),
    states: Iterable[str] = ("pre", "post"),
    roadmap: Iterable[str] = ("now", "next"),
) -> Path:
    """Write a minimal review folder built from the given parts; return its path."""
    review = {
        "schema_version": 1,
        "review": {
            "id": "TEST-1",
            "title": "Hand-built review",
            "organisation": {"name": "Example", "fictional": True},
            "period": {"start": "2025-01-01", "end": "2025-01-02"},
            "report_date": "2025-01-03",
            "version": "1.0",
            "classification": "Test",
            "background": "Test data.",
            "scope": {"in_scope": ["Test data."]},
        },
        "states": [{"id": s, "title": s.title()} for s in states],
        "roadmap": [{"id": p, "title": p.title()} for p in roadmap],
        "categories": [{"id": "general", "title": "General"}],
        "assets": assets,
        "groups": groups or {},
        "entry_points": [
            e if isinstance(e, dict) else {"id": e, "title": e.title()} for e in entry_points
        ],
        "dominance": list(dominance),
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "review.yaml").write_text(yaml.safe_dump(review, sort_keys=False), encoding="utf-8")
    folder = root / "findings"
    folder.mkdir(exist_ok=True)
    for item in findings:
        text = yaml.safe_dump(item, sort_keys=False)
        (folder / f"{item['id']}.yaml").write_text(text, encoding="utf-8")
    return root
