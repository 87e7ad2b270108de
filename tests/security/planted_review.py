"""A review that names its client everywhere: every field kind carries identifying text.

`write_planted_review` writes it; `PLANTED` lists what must never survive in the public
edition (matched whatever its case), `KEPT` what redaction must leave alone (times,
version numbers) because it identifies no one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SLUG = "stplanted-proxmox-2026"

#: Identifying text planted in the review; none of it may appear in a public edition.
PLANTED = [
    "stplanted",  # the folder name, the client's domain
    "Saint Planted",  # the organisation
    "STPL-2026-07",  # the review id
    "Plantcare",  # another organisation
    "Quillfeather",  # a reviewer
    "Zephyrine",  # another person
    "pve0",  # the host names pve01..pve03 and every token built on them
    "stpl-dc",  # a host name with a suffix
    "10.44.",  # IPv4 addresses and networks
    "2001:db8:44",  # IPv6
    "STPL-TKT",  # a ticket number, redacted by a pattern
    "RESTRICTED-STPL",  # the confidential classification
    "qf@",  # an e-mail address
    "Thistlewood",  # named only in the distribution list, then as an owner and acceptor
]

#: Text that looks like an address or a name but is not one: it must survive.
KEPT = ["12:30:45", "8.0.3"]

HOSTS = "pve01, pve02 and pve03 (Ceph on pve01-03, managed as pve02.stplanted.example)"


def _prose(what: str) -> str:
    """A sentence that plants the identifying text in a field."""
    return (
        f"{what} at Saint Planted Hospital (STPL-2026-07) seen by Alice Quillfeather and "
        f"Bartholomew Zephyrine of Plantcare Outsourcing on {HOSTS}, vm-pve03-backup, "
        "stpl-dc01.stplanted.example at 10.44.7.21 in 10.44.0.0/16 and 2001:db8:44::21, "
        "ticket STPL-TKT-4411, mail qf@stplanted.example, at 12:30:45 on version 8.0.3."
    )


def review_data() -> dict[str, Any]:
    def host(host_id: str, kind: str = "hypervisor-host") -> dict[str, Any]:
        placement = {"post": {"platform": "physical", "bmc": True}}
        return {"id": host_id, "name": host_id, "kind": kind, "placement": placement}

    return {
        "schema_version": 1,
        "review": {
            "id": "STPL-2026-07",
            "title": "Saint Planted Hospital Proxmox consolidation review",
            "organisation": {
                "name": "Saint Planted Hospital",
                "fictional": True,
                "notice": _prose("Notice"),
            },
            "reviewers": [{"name": "Alice Quillfeather", "role": _prose("Role")}],
            "period": {"start": "2026-03-02", "end": "2026-03-06"},
            "report_date": "2026-03-20",
            "version": "1.0",
            "classification": "RESTRICTED-STPL",
            "publishable": False,
            "background": _prose("Background"),
            "objectives": [_prose("Objective")],
            "scope": {"in_scope": [_prose("In scope")], "out_of_scope": [_prose("Out")]},
            "methodology": [_prose("Method")],
            "limitations": [_prose("Limitation")],
            "distribution": [{"name": "Oberon Thistlewood", "role": "Head of IT"}],
            "scoring": {"primary": "3.1", "note": _prose("Scoring note")},
        },
        "states": [
            {"id": "pre", "title": "Before at Saint Planted", "description": _prose("Pre")},
            {"id": "post", "title": "After on pve01-03", "description": _prose("Post")},
        ],
        "roadmap": [
            {
                "id": "now",
                "title": "Now",
                "description": _prose("Phase"),
                "within_days": 30,
                "owner": "Oberon Thistlewood",
            }
        ],
        "roadmap_items": [
            {
                "id": "redesign",
                "title": "Separate cluster for stpl-dc01",
                "phase": "now",
                "owner": "Oberon Thistlewood",
                "cost": _prose("Cost"),
                "buys": _prose("Buys"),
                "description": _prose("Item"),
            }
        ],
        "root_causes": [{"id": "cause", "statement": _prose("Cause"), "findings": ["HV-01"]}],
        "frameworks": [
            {"id": "nist-800-125a", "title": "NIST SP 800-125A Rev. 1", "note": _prose("FW")}
        ],
        "categories": [{"id": "hypervisor", "title": "Hypervisor", "summary": _prose("Cat")}],
        "threat_tags": [{"id": "vm-escape", "description": _prose("Tag")}],
        "networks": [
            {
                "id": "net-servers",
                "name": "Saint Planted servers",
                "vlan": 44,
                "cidr": "10.44.0.0/16",
                "note": _prose("Net"),
            }
        ],
        "clusters": [{"id": "cl1", "name": "pve-cluster pve01-03", "hosts": ["pve01", "pve02"]}],
        "datastores": [{"id": "ceph", "name": "Ceph on pve01-03", "served_by": "pve03"}],
        "assets": [
            {
                "id": "stpl-dc01",
                "name": "Domain controller stpl-dc01.stplanted.example",
                "kind": "service",
                "role": _prose("Asset role"),
                "zone": "net-servers",
                "os": "Windows at 10.44.7.1",
                "crown_jewel": True,
                "placement": {
                    "pre": {"platform": "physical", "hardware": _prose("HW")},
                    "post": {"platform": "vm", "cluster": "cl1", "datastore": "ceph"},
                },
            },
            {
                "id": "pacs",
                "name": "PACS of Saint Planted",
                "kind": "service",
                "placement": {
                    "pre": {"platform": "physical"},
                    "post": {"platform": "vm", "cluster": "cl1", "datastore": "ceph"},
                },
            },
            host("pve01"),
            host("pve02"),
            host("pve03", "storage"),
        ],
        "groups": {"services": ["stpl-dc01", "pacs"]},
        "entry_points": [
            {"id": "internet", "title": "Internet", "description": _prose("Entry")},
            {"id": "pve01-console", "title": "Console of pve01", "assumes": "foothold:pve01"},
        ],
        "dominance": [
            {
                "from": "stpl-dc01",
                "to": ["pacs"],
                "grants": ["C", "I", "A"],
                "via": _prose("Via"),
                "states": ["pre", "post"],
            }
        ],
        "observations": [
            {
                "id": "OB-01",
                "title": "Backups of Saint Planted now on pve03",
                "category": "hypervisor",
                "delta": "reduced",
                "description": _prose("Observation"),
            }
        ],
        "redaction": {
            "public_slug": "hospital-review",
            "public_classification": "TLP:CLEAR",
            "organisations": ["Plantcare Outsourcing"],
            "hostnames": ["pve01", "pve02", "pve03", "stpl-dc01"],
            "people": ["Bartholomew Zephyrine"],
            "replacements": {"Saint Planted": "the hospital"},
            "patterns": [
                {"pattern": r"STPL-TKT-\d+", "replacement": "[ticket]"},
                {"pattern": r"stplanted\.example", "replacement": "example.invalid"},
            ],
        },
    }


def finding_data() -> dict[str, Any]:
    return {
        "id": "HV-01",
        "title": "pve01-03 miss the fixes; Saint Planted has no patch owner",
        "category": "hypervisor",
        "threats": ["vm-escape"],
        "delta": "new",
        "affected": {"pre": [], "post": ["pve01", "pve02"]},
        "cves": [{"id": "CVE-2024-1086", "summary": _prose("CVE")}],
        "cvss": {
            "v3_1": {"vector": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "score": 7.8},
            "scored_scenario": _prose("Scenario"),
        },
        "description": _prose("Description"),
        "evidence": _prose("Evidence"),
        "evidence_files": [{"path": "evidence/pve01-stplanted.txt", "caption": _prose("Caption")}],
        "impact": _prose("Impact"),
        "recommendation": _prose("Recommendation"),
        "roadmap": "now",
        "owner": "Oberon Thistlewood",
        "fix": {"target": _prose("Target"), "interim": _prose("Interim")},
        "verify": _prose("Verify"),
        "done_when": _prose("Done"),
        "references": [{"framework": "nist-800-125a", "id": "HY-BF5", "note": _prose("Ref")}],
        "attack_steps": [
            {
                "id": "S1",
                "states": ["post"],
                "requires": "foothold:pve01",
                "gains": "control",
                "to": ["stpl-dc01"],
                "note": _prose("Step"),
            }
        ],
    }


def write_planted_review(reviews: Path) -> Path:
    root = reviews / SLUG
    (root / "findings").mkdir(parents=True)
    (root / "evidence").mkdir()
    dump = {"sort_keys": False, "allow_unicode": True, "width": 1000}
    (root / "review.yaml").write_text(yaml.safe_dump(review_data(), **dump), encoding="utf-8")
    (root / "findings" / "HV-01.yaml").write_text(
        yaml.safe_dump(finding_data(), **dump), encoding="utf-8"
    )
    (root / "evidence" / "pve01-stplanted.txt").write_text(_prose("File") + "\n", "utf-8")
    return root


def leaks(files: dict[str, str]) -> list[str]:
    """Planted text found in a file's name or content ({name: decoded text}), any case."""
    return [
        f"{name}: {word!r}"
        for name, text in files.items()
        for word in PLANTED
        if word.lower() in name.lower() or word.lower() in text.lower()
    ]
