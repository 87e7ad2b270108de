"""Cold-start deadlocks: availability dependency cycles, found and reported per state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reviewbuilder import asset, edge
from test_exploitation_pages import page

from reviewgen.compare import compare
from reviewgen.load import load_review

WriteReview = Callable[..., Path]


def test_a_domain_controller_on_its_own_cluster_is_a_cycle(write_review: WriteReview) -> None:
    root = write_review(
        assets=[
            asset("dc", crown_jewel=True),
            asset("app"),
            asset("esx1", "hypervisor-host"),
            asset("esx2", "hypervisor-host"),
        ],
        dominance=[
            # After the change the DC runs on the hosts ...
            edge("esx1", ["dc", "app"], states=["post"]),
            edge("esx2", ["dc", "app"], states=["post"]),
            # ... and the hosts need the directory to start their services (A only).
            edge("dc", ["esx1", "esx2"], grants=["A"], states=["pre", "post"]),
        ],
    )
    figures = compare(load_review(root)).to_json()
    # Hand-worked: before, the DC is physical and nothing it needs depends on it.
    assert figures["states"]["pre"]["dependency_cycles"] == []
    assert figures["states"]["post"]["dependency_cycles"] == [["dc", "esx1", "esx2"]]
    text = page(root, "availability.md.j2", "comparison/availability.md")
    assert "- **Pre**: no cycle." in text
    assert "- **Post**: <code>dc</code> (DC), <code>esx1</code> (ESX1), <code>esx2</code>" in text


def test_dependencies_without_a_loop_are_no_cycle(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("app"), asset("esx1", "hypervisor-host")],
        dominance=[edge("esx1", "app", states=["post"])],
    )
    figures = compare(load_review(root)).to_json()
    assert figures["states"]["post"]["dependency_cycles"] == []


def test_the_example_shows_vcenter_on_its_own_cluster(example_dir: Path) -> None:
    figures = compare(load_review(example_dir)).to_json()
    (cycle,) = figures["states"]["post"]["dependency_cycles"]
    # vCenter runs on the hosts it manages; its identity source (ldap) is a VM there too.
    assert {"vcsa01", "esx01", "esx02"} <= set(cycle)
    assert figures["states"]["pre"]["dependency_cycles"] == []
