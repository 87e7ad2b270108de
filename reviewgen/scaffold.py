"""`reviewgen new`: starter files that pass `reviewgen check` and never overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .yamlsource import read_yaml

REVIEW_SCHEMA_LINE = "# yaml-language-server: $schema=../../reviewgen/schemas/review.schema.json\n"
FINDING_SCHEMA_LINE = (
    "# yaml-language-server: $schema=../../../reviewgen/schemas/finding.schema.json\n"
)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def review_yaml(title: str, today: dt.date) -> str:
    return (
        REVIEW_SCHEMA_LINE
        + f"""schema_version: 1
review:
  id: REVIEW-{today.year}-001
  title: {_quote(title)}
  organisation: {{name: "Example Organisation", fictional: true}}
  reviewers: [{{name: "Your Name", role: "Lead reviewer"}}]
  period: {{start: {today.isoformat()}, end: {today.isoformat()}}}
  report_date: {today.isoformat()}
  version: "0.1"
  classification: "Confidential"
  publishable: false
  background: "Why this review was done, in a paragraph."
  objectives: ["What the review set out to answer."]
  scope:
    in_scope: ["What was reviewed."]
    out_of_scope: ["What was not."]
  methodology: ["How it was reviewed."]
  scoring: {{primary: "3.1", secondary: "4.0"}}
states:
  - {{id: pre, title: "Before virtualization"}}
  - {{id: post, title: "After virtualization"}}
roadmap:
  - {{id: now, title: "Now (within 30 days)"}}
  - {{id: next, title: "Next (within 90 days)"}}
  - {{id: later, title: "Later (within a year)"}}
categories:
  - {{id: hypervisor, title: "Hypervisor and host platform"}}
  - {{id: management-plane, title: "Management plane"}}
  - {{id: image-store, title: "Image store and data at rest"}}
  - {{id: migration, title: "Live migration"}}
  - {{id: virtual-network, title: "Virtual networking"}}
  - {{id: vm-lifecycle, title: "VM lifecycle"}}
  - {{id: patch-posture, title: "Patch posture"}}
  - {{id: guest, title: "Guest systems"}}
threat_tags:
  - {{id: vm-escape, description: "Code in a guest runs in the hypervisor"}}
  - {{id: carried-over, description: "Guest weakness moved unchanged into a VM"}}
clusters:
  - {{id: cluster-1, hosts: [host-1], managed_by: manager}}
datastores:
  - {{id: datastore-1, served_by: storage}}
assets:
  - id: app
    name: "Application server"
    kind: service
    requirements: {{confidentiality: high, integrity: high, availability: medium}}
    crown_jewel: true
    placement:
      pre: {{platform: physical, bmc: true}}
      post: {{platform: vm, cluster: cluster-1, datastore: datastore-1}}
  - id: host-1
    name: "Hypervisor host"
    kind: hypervisor-host
    placement:
      post: {{platform: physical, bmc: true}}
  - id: manager
    name: "Management server"
    kind: management
    placement:
      post: {{platform: vm, cluster: cluster-1, datastore: datastore-1}}
  - id: storage
    name: "Image store"
    kind: storage
    placement:
      post: {{platform: physical}}
groups:
  services: [app]
entry_points:
  - {{id: internet, title: "Internet", description: "Unauthenticated attacker on the Internet"}}
"""
    )


def finding_yaml(finding_id: str, title: str, category: str, states: list[str]) -> str:
    affected = ", ".join(f"{state}: []" for state in states)
    return (
        FINDING_SCHEMA_LINE
        + f"""id: {finding_id}
title: {_quote(title)}
category: {category}
threats: []
delta: new
status: open
affected: {{{affected}}}
cvss: null
severity: medium
severity_rationale: "Not yet scored: replace with CVSS vectors (v3_1, v4_0) or explain."
description: "What is wrong, in Markdown."
evidence: "What was observed, verbatim."
impact: "What an attacker gains."
recommendation: "What to do about it."
"""
    )


def create(path: Path, content: str) -> None:
    """Write a new file; refuse (FileExistsError) if anything is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(content)


def review_states(review_dir: Path) -> tuple[list[str], list[str]]:
    """State ids and category ids declared in a review, for a new finding's defaults."""
    data = read_yaml(review_dir / "review.yaml").data
    states = [s["id"] for s in data.get("states", []) if isinstance(s, dict) and "id" in s]
    categories = [c["id"] for c in data.get("categories", []) if isinstance(c, dict)]
    return states, categories
