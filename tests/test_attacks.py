"""Documented virtualization attacks, written as small reviews, give the figures the
model promises: outages (deny), credential theft (read, then control) and migration
memory (read of every VM that migrates).

* ESXiArgs (2023): OpenSLP on ESXi reachable from the Internet; the attacker encrypts
  the VM disks of every guest. That is an outage of every guest, not control of them.
* Stored credentials: a helpdesk account reads vCenter's database backup, which holds
  the hosts' credentials, and with them controls the hosts.
* Migration memory: whoever can sniff the migration network reads the memory of every
  VM that migrates, including the backup server's credentials, and with them controls
  the backup server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reviewbuilder import asset, edge, finding, step
from test_exploitation_pages import page
from test_report import check_review

from reviewgen.compare import compare
from reviewgen.errors import ReviewError
from reviewgen.load import load_review
from reviewgen.report import reach_of as reach_sentence_of

WriteReview = Callable[..., Path]


def reach_sentence(review: Any, figures: Any, state: str, entry: str) -> Any:
    return reach_sentence_of(review, figures, state, entry).sentence


def reach_of(root: Path, entry: str, state: str = "post") -> dict[str, Any]:
    figures = compare(load_review(root)).to_json()
    reach: dict[str, Any] = figures["states"][state]["entry_points"][entry]
    return reach


def _guests() -> list[dict[str, Any]]:
    return [asset("web"), asset("erp", crown_jewel=True), asset("mail")]


def test_esxiargs_is_an_outage_of_every_guest_not_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[*_guests(), asset("esx", "hypervisor-host")],
        # The host runs every guest: it can stop them (A) and, controlled, take them (I).
        dominance=[edge("esx", ["web", "erp", "mail"], states=["post"])],
        findings=[
            finding("HV-01", step("S1", "internet", "deny", "esx", states=["post"])),
        ],
    )
    reach = reach_of(root, "internet")
    assert reach["controlled"] == []
    assert reach["read"] == []
    assert reach["denied"] == ["web", "erp", "mail"]
    assert reach["min_findings_deny"] == {"erp": 1}
    assert reach["min_findings"] == {"erp": None}
    assert reach["paths"]["erp"][0]["gains"] == "deny"
    before = reach_of(root, "internet", "pre")
    assert before["denied"] == [] and before["min_findings_deny"] == {"erp": None}
    # The sentences say it too: no service controlled, three that can be taken down.
    review = load_review(root)
    assert check_review(review) > 0
    assert reach_sentence(review, compare(review), "post", "internet").text.startswith(
        "no service; can take down 3 more"
    )
    # Fixing the finding is what stops the outage: a choke point by what it can take down.
    chokes = compare(load_review(root)).to_json()["choke_points"]
    assert [(c["finding"], c["denials_cut"], c["services_cut"]) for c in chokes] == [
        ("HV-01", 3, 0)
    ]


def test_deny_follows_availability_grants_only(write_review: WriteReview) -> None:
    root = write_review(
        assets=[*_guests(), asset("nas", "storage")],
        # Storage that holds the disks can stop the guests but is not given control here.
        dominance=[edge("nas", ["web", "erp"], grants=["A"], states=["post"])],
        findings=[finding("IS-01", step("S1", "internet", "control", "nas", states=["post"]))],
    )
    reach = reach_of(root, "internet")
    assert reach["controlled"] == []  # nas is infrastructure, not a service
    assert reach["denied"] == ["web", "erp"]
    assert reach["infrastructure_controlled"] == ["nas"]


def test_control_implies_deny(write_review: WriteReview) -> None:
    root = write_review(
        assets=_guests(),
        findings=[finding("GU-01", step("S1", "internet", "control", "web"))],
    )
    reach = reach_of(root, "internet")
    assert reach["controlled"] == ["web"]
    assert reach["denied"] == ["web"]


def test_stored_credentials_are_read_then_used_for_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[*_guests(), asset("vcenter", "management"), asset("esx", "hypervisor-host")],
        dominance=[edge("esx", ["web", "erp", "mail"], states=["post"])],
        entry_points=["internet", "helpdesk"],
        findings=[
            # The helpdesk role can download vCenter's database backup ...
            finding("MP-05", step("S1", "helpdesk", "read", "vcenter", states=["post"])),
            # ... which holds the hosts' root credentials.
            finding("MP-08", step("S2", "read:vcenter", "control", "esx", states=["post"])),
        ],
    )
    reach = reach_of(root, "helpdesk")
    assert reach["controlled"] == ["web", "erp", "mail"]
    assert reach["min_findings"] == {"erp": 2}
    assert [s["finding"] for s in reach["paths"]["erp"]] == ["MP-05", "MP-08"]
    # Fixing either finding cuts the chain: both are choke points.
    figures = compare(load_review(root)).to_json()
    assert {c["finding"] for c in figures["choke_points"]} == {"MP-05", "MP-08"}


def test_migration_memory_read_of_a_group_leads_to_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[*_guests(), asset("backup", crown_jewel=True), asset("jump")],
        groups={"migrating": ["erp", "backup"]},
        entry_points=["internet"],
        dominance=[edge("backup", ["web", "erp", "mail"], states=["post"])],
        findings=[
            finding("GU-01", step("S1", "internet", "control", "jump", states=["post"])),
            # The migration network is reachable from jump: memory of every migrating VM.
            finding(
                "MG-02",
                step("S2", "control:jump", "read", "group:migrating", states=["post"]),
            ),
            # Reading any migrating VM's memory yields the backup agent's credentials.
            finding(
                "MG-03",
                step("S3", "read:group:migrating", "control", "backup", states=["post"]),
            ),
        ],
    )
    reach = reach_of(root, "internet")
    assert reach["controlled"] == ["web", "erp", "mail", "backup", "jump"]
    assert reach["min_findings"] == {"erp": 3, "backup": 3}
    assert reach["min_findings_read"] == {"erp": 2, "backup": 2}
    before = reach_of(root, "internet", "pre")
    assert before["controlled"] == [] and before["denied"] == []


def test_every_position_form_is_listed_when_one_is_unknown(write_review: WriteReview) -> None:
    root = write_review(
        assets=_guests(),
        findings=[finding("GU-01", step("S1", "steal:web", "control", "erp"))],
    )
    with pytest.raises(ReviewError) as caught:
        load_review(root)
    message = caught.value.problems[0].message
    for form in (
        "'foothold:<asset>'",
        "'foothold:group:<group>'",
        "'control:<asset>'",
        "'control:group:<group>'",
        "'read:<asset>'",
        "'read:group:<group>'",
    ):
        assert form in message, message


def test_the_availability_page_says_what_can_be_taken_down(write_review: WriteReview) -> None:
    root = write_review(
        assets=[*_guests(), asset("esx", "hypervisor-host")],
        dominance=[edge("esx", ["web", "erp", "mail"], states=["post"])],
        findings=[finding("HV-01", step("S1", "internet", "deny", "esx", states=["post"]))],
    )
    text = page(root, "availability.md.j2", "comparison/availability.md")
    assert "| Internet | 0 of 3 (0 of 1 crown jewels) | 3 of 3 (1 of 1 crown jewels) |" in text
