"""Pooled guests: an asset with `count: N` stands for N instances booted from one image.

The estate, worked by hand (every figure below is counted from this picture):

* `vdi`: 120 virtual desktops from one golden image (`count: 120`), on host `esx-vdi`.
  By design every desktop reads the department share on `files` (C) and administers
  the print server `print` through its print agent (C, I, A).
* `files` (crown jewel), `print` and `erp` (crown jewel): one server each, on `esx-srv`.
* `vcenter` manages both hosts.

Service instances: 120 desktops + files + print + erp = 123.

* Phishing one desktop (a per-instance finding) controls 1 desktop and, by design,
  the print server: 2 of 123; it reads the share too: 3.
* A local administrator password shared through the golden image (an image-wide
  finding) turns that one desktop into all 120: 121 of 123 controlled.
* The host that runs the pool controls all 120 by design, and through any one of them
  the print server: 121. Only vCenter reaches all 123, so only vCenter is a single point
  of total compromise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reviewbuilder import asset, edge, finding, step
from test_choke_points import _check_against_brute_force

from reviewgen.compare import compare
from reviewgen.errors import ReviewError
from reviewgen.load import load_review
from reviewgen.report import reach_of

WriteReview = Callable[..., Path]


def pooled(asset_id: str, count: int, **options: Any) -> dict[str, Any]:
    return {**asset(asset_id, **options), "count": count}


def image_wide(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "image_wide": True}


def estate(*findings: dict[str, Any], vdi_controls: list[str] | None = None) -> dict[str, Any]:
    """The estate of the module docstring, with these findings."""
    return {
        "assets": [
            pooled("vdi", 120),
            asset("files", crown_jewel=True),
            asset("print"),
            asset("erp", crown_jewel=True),
            asset("esx-vdi", "hypervisor-host"),
            asset("esx-srv", "hypervisor-host"),
            asset("vcenter", "management"),
        ],
        "dominance": [
            edge("esx-vdi", "vdi"),
            edge("esx-srv", ["files", "print", "erp"]),
            edge("vcenter", ["esx-vdi", "esx-srv"]),
            edge("vdi", "files", grants=["C"]),
            edge("vdi", vdi_controls or ["print"]),
        ],
        "findings": list(findings),
    }


PHISHING = finding("PH-01", step("S1", "internet", "control", "vdi"))
"""A user of one desktop opens a malicious attachment: one desktop, not the pool."""
SHARED_PASSWORD = finding("IM-01", step("S2", "control:vdi", "control", "vdi"))
"""The golden image's local administrator password, the same on every desktop."""
HOST = finding("HV-01", step("S3", "internet", "control", "esx-vdi"))
"""The host that runs the pool is reachable and exploitable from the Internet."""


def figures(root: Path, state: str = "post") -> dict[str, Any]:
    data: dict[str, Any] = compare(load_review(root)).to_json()["states"][state]
    return data


def sentence(root: Path, state: str = "post", entry: str = "internet") -> str:
    review = load_review(root)
    return reach_of(review, compare(review), state, entry).sentence.text


def test_phishing_one_desktop_controls_one_instance(write_review: WriteReview) -> None:
    root = write_review(**estate(PHISHING))
    reach = figures(root)["entry_points"]["internet"]
    # The published lists stay asset ids: the pool is listed, and what one desktop
    # controls by design (the print server) with it.
    assert reach["controlled"] == ["vdi", "print"]
    assert reach["read"] == ["vdi", "files", "print"]
    assert reach["denied"] == ["vdi", "print"]
    # One desktop and the print server; the share read besides.
    assert reach["controlled_instances"] == 2
    assert reach["read_instances"] == 3
    assert reach["denied_instances"] == 2
    assert reach["min_findings"] == {"files": None, "erp": None}
    assert reach["min_findings_read"] == {"files": 1, "erp": None}
    assert reach["infrastructure_controlled"] == []


def test_a_shared_image_password_gives_every_instance(write_review: WriteReview) -> None:
    root = write_review(**estate(PHISHING, image_wide(SHARED_PASSWORD)))
    reach = figures(root)["entry_points"]["internet"]
    assert reach["controlled"] == ["vdi", "print"]
    assert reach["controlled_instances"] == 121  # 120 desktops + print
    assert reach["read_instances"] == 122  # + files
    assert reach["denied_instances"] == 121
    # The same step, not marked image-wide, moves from one desktop to one desktop.
    plain = write_review("plain", **estate(PHISHING, SHARED_PASSWORD))
    assert figures(plain)["entry_points"]["internet"]["controlled_instances"] == 2


def test_an_image_wide_finding_is_a_choke_point_for_the_instances_it_adds(
    write_review: WriteReview,
) -> None:
    root = write_review(**estate(PHISHING, image_wide(SHARED_PASSWORD)))
    chokes = compare(load_review(root)).to_json()["choke_points"]
    summary = [
        (c["finding"], c["services_cut"], c["services_cut_instances"], c["reads_cut"])
        for c in chokes
    ]
    # Fixing the phishing cuts everything: 2 services, 121 instances, 3 services read.
    # Fixing the image leaves one desktop and the print server: 119 desktops cut, no
    # service lost altogether.
    assert summary == [("PH-01", 2, 121, 3), ("IM-01", 0, 119, 0)]


def test_a_step_that_takes_down_one_desktop_takes_down_one(write_review: WriteReview) -> None:
    outage = finding("DS-01", step("S4", "internet", "deny", "vdi"))
    erp = image_wide(finding("DS-02", step("S5", "internet", "deny", "erp")))
    root = write_review(**estate(outage, erp))
    reach = figures(root)["entry_points"]["internet"]
    # One desktop, and the print server: an edge from a pool fires from one instance
    # (the desktops' print agent can stop it). image_wide means nothing for erp, which
    # is not pooled: one server.
    assert reach["denied"] == ["vdi", "print", "erp"]
    assert reach["denied_instances"] == 3
    assert reach["controlled_instances"] == 0


def test_the_host_of_the_pool_controls_every_instance(write_review: WriteReview) -> None:
    root = write_review(**estate(HOST))
    state = figures(root)
    reach = state["entry_points"]["internet"]
    assert reach["controlled"] == ["vdi", "print"]
    assert reach["controlled_instances"] == 121  # all 120 desktops, and print through one
    assert reach["infrastructure_controlled"] == ["esx-vdi"]
    assert state["service_instances"] == 123
    assert state["blast_radius"]["esx-vdi"] == ["vdi", "print"]
    assert state["blast_radius_instances"] == {
        "vdi": 2,  # one desktop: itself and the print server
        "files": 1,
        "print": 1,
        "erp": 1,
        "esx-vdi": 121,
        "esx-srv": 3,
        "vcenter": 123,
    }
    assert state["availability_radius_instances"]["esx-vdi"] == 121
    assert state["single_points_of_total_compromise"] == ["vcenter"]


def test_a_single_point_of_total_compromise_controls_every_instance(
    write_review: WriteReview,
) -> None:
    # Now one desktop administers every server by design: it reaches every service, but
    # only one of the 120 desktops, so it is not a single point of total compromise.
    root = write_review(**estate(vdi_controls=["files", "print", "erp"]))
    state = figures(root)
    assert state["blast_radius"]["vdi"] == ["vdi", "files", "print", "erp"]
    assert state["blast_radius_instances"]["vdi"] == 4
    # The pool's host is one now: all 120 desktops, and through them every server.
    assert state["blast_radius_instances"]["esx-vdi"] == 123
    assert state["single_points_of_total_compromise"] == ["esx-vdi", "vcenter"]
    # One desktop more in the pool's reach by design (its host) and it would be one.
    looped = write_review("looped", **estate(vdi_controls=["files", "print", "erp", "esx-vdi"]))
    assert figures(looped)["single_points_of_total_compromise"] == [
        "vdi",
        "esx-vdi",
        "vcenter",
    ]


def test_the_reach_sentence_counts_instances(write_review: WriteReview) -> None:
    one = write_review("one", **estate(PHISHING))
    assert sentence(one) == (
        "control of 2 of 123 service instances, read access to 1 more; "
        "reads 1 of 2 crown jewels within one finding: PH-01"
    )
    every = write_review("every", **estate(PHISHING, image_wide(SHARED_PASSWORD)))
    assert sentence(every).startswith(
        "control of 121 of 123 service instances, read access to 1 more;"
    )
    # The host of the pool: every desktop, so the sentence counts 121, not 2 services.
    host = write_review("host", **estate(HOST))
    assert sentence(host) == (
        "control of 121 of 123 service instances, read access to 1 more; "
        "reads 1 of 2 crown jewels within one finding: HV-01"
    )


def test_without_a_pool_the_sentence_counts_services(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("web"), asset("erp", crown_jewel=True)],
        findings=[finding("GU-01", step("S1", "internet", "control", "web"))],
    )
    assert sentence(root).startswith("control of 1 of 2 services")


def test_count_must_be_at_least_one(write_review: WriteReview) -> None:
    root = write_review(assets=[pooled("vdi", 0)])
    with pytest.raises(ReviewError):
        load_review(root)


def test_choke_points_with_pools_match_brute_force(write_review: WriteReview) -> None:
    # Positions over one instance are positions like any other: fixing each finding in
    # turn and searching again loses exactly what `losses` says.
    root = write_review(**estate(PHISHING, image_wide(SHARED_PASSWORD), HOST))
    assert _check_against_brute_force(load_review(root)) == 2 * 3  # states x findings
