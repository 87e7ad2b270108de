"""The comparison engine: the example review against its oracle, then small hand-built reviews."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from reviewbuilder import asset, edge, finding, step

from reviewgen.compare import compare
from reviewgen.graph import build_state_graph
from reviewgen.load import load_review
from reviewgen.reach import closure

ORACLE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "data" / "northwind_oracle.yaml").read_text(encoding="utf-8")
)["model"]["expected_metrics"]

Figures = dict[str, Any]
WriteReview = Callable[..., Path]


@pytest.fixture(scope="module")
def northwind(example_dir: Path) -> tuple[Any, Figures]:
    review = load_review(example_dir)
    return review, compare(review).to_json()


@pytest.fixture(scope="module")
def figures(northwind: tuple[Any, Figures]) -> Figures:
    return northwind[1]


# ----- the example review against the oracle -------------------------------------------


@pytest.mark.parametrize("state", ["pre", "post"])
def test_single_points_of_total_compromise(figures: Figures, state: str) -> None:
    expected = ORACLE[state]["single_points_of_total_compromise"]
    assert set(figures["states"][state]["single_points_of_total_compromise"]) == set(expected)


@pytest.mark.parametrize("state", ["pre", "post"])
def test_blast_radius_service_counts(
    northwind: tuple[Any, Figures], figures: Figures, state: str
) -> None:
    review = northwind[0]
    expected = dict(ORACLE[state]["blast_radius_services"])
    others = expected.pop("others")
    radius = figures["states"][state]["blast_radius"]
    for name, count in expected.items():
        assert len(radius[name]) == count, name
    rest = set(radius) - set(expected)
    assert rest
    for name in rest:
        if review.assets[name].kind == "service":
            # "others: 1": every other service controls itself and nothing more.
            assert radius[name] == [name], name
            assert len(radius[name]) == others
        else:
            # An asset that is not a service (the port group) controls no service at all.
            assert radius[name] == [], name


@pytest.mark.parametrize("state", ["pre", "post"])
@pytest.mark.parametrize("entry", ["internet", "vpn-user", "helpdesk-user"])
def test_entry_points_against_oracle(figures: Figures, state: str, entry: str) -> None:
    expected = ORACLE[state]["entry_points"][entry]
    actual = figures["states"][state]["entry_points"][entry]
    assert len(actual["controlled"]) == expected["services_controlled"]
    if "crown_jewels_min_steps" in expected:
        assert actual["min_findings"] == expected["crown_jewels_min_steps"]
    if "read_only_min_steps" in expected:
        for jewel, steps in expected["read_only_min_steps"].items():
            assert actual["min_findings_read"][jewel] == steps, jewel
            assert actual["min_findings"][jewel] is None, f"{jewel} is read, not controlled"
            assert jewel in actual["read"]
        others = set(actual["min_findings_read"]) - set(expected["read_only_min_steps"])
        assert all(actual["min_findings_read"][j] is None for j in others)


@pytest.mark.parametrize("entry", ["internet", "vpn-user", "helpdesk-user"])
def test_post_after_roadmap_now(figures: Figures, entry: str) -> None:
    expected = ORACLE["post_after_roadmap_now"]["entry_points"][entry]
    actual = figures["what_if"]["now"]["states"]["post"]["entry_points"][entry]
    assert len(actual["controlled"]) == expected["services_controlled"]


def test_internet_path_to_crown_jewels_in_post(figures: Figures) -> None:
    internet = figures["states"]["post"]["entry_points"]["internet"]
    assert set(internet["paths"]) == {"ldap", "db", "files", "backup"}
    for jewel, path in internet["paths"].items():
        assert [p["finding"] for p in path] == ["GU-01", "GU-02", "HV-01"], jewel
        assert [p["gains"] for p in path] == ["foothold", "control", "control"]


def test_vpn_path_names_the_finding_it_also_needs(figures: Figures) -> None:
    path = figures["states"]["post"]["entry_points"]["vpn-user"]["paths"]["db"]
    assert [(p["finding"], p["also_requires"]) for p in path] == [("MP-01", ["MP-02"])]


def test_internet_reaches_only_the_web_server_before(figures: Figures) -> None:
    internet = figures["states"]["pre"]["entry_points"]["internet"]
    assert internet["controlled"] == ["web"]
    assert internet["paths"] == {}


@pytest.mark.parametrize("entry", ["internet", "vpn-user"])
def test_the_plan_changes_the_estate_from_now_on_not_the_baseline(
    figures: Figures, entry: str
) -> None:
    before = figures["what_if"]["now"]["states"]["pre"]["entry_points"][entry]
    assert before == figures["states"]["pre"]["entry_points"][entry]


@pytest.mark.parametrize("entry", ["internet", "vpn-user"])
def test_now_phase_closes_internet_and_vpn(figures: Figures, entry: str) -> None:
    reach = figures["what_if"]["now"]["states"]["post"]["entry_points"][entry]
    assert reach["controlled"] == []
    assert reach["read"] == []
    assert reach["footholds"] == []
    assert reach["infrastructure_controlled"] == []
    assert reach["paths"] == {}
    assert set(reach["min_findings"].values()) == {None}
    assert set(reach["min_findings_read"].values()) == {None}


def test_now_phase_fixes_exactly_the_now_findings(
    northwind: tuple[Any, Figures], figures: Figures
) -> None:
    review = northwind[0]
    # Findings remediated since (the retest of version 1.1) are closed already.
    now = sorted(
        f.id for f in review.findings if f.finding.roadmap == "now" and f.finding.status == "open"
    )
    assert len(now) < sum(f.finding.roadmap == "now" for f in review.findings)
    assert figures["what_if"]["now"]["fixed"] == now
    assert set(figures["what_if"]["next"]["fixed"]) > set(now)


def test_blast_radii_are_design_properties(figures: Figures) -> None:
    assert list(figures["what_if"]) == ["now", "next", "later"]
    for phase, data in figures["what_if"].items():
        for state, baseline in figures["states"].items():
            what_if = data["states"][state]
            assert what_if["blast_radius"] == baseline["blast_radius"], (phase, state)
            assert (
                what_if["single_points_of_total_compromise"]
                == baseline["single_points_of_total_compromise"]
            )


def test_choke_points_of_the_current_state(figures: Figures) -> None:
    chokes = figures["choke_points"]
    assert chokes == figures["states"]["post"]["choke_points"]
    ranked = [c["finding"] for c in chokes]
    # Every finding on the Internet and VPN paths is a choke point, and fixing HV-01 alone
    # still leaves the web server (GU-01, GU-02) in the attacker's hands.
    assert {"GU-01", "GU-02", "HV-01", "MP-01", "MP-02"} <= set(ranked)
    hv01 = next(c for c in chokes if c["finding"] == "HV-01")
    assert "web" not in hv01["entry_points"]["internet"]["controlled"]
    keys = [(-c["crown_jewels_cut"], -c["services_cut"], -c["reads_cut"]) for c in chokes]
    assert keys == sorted(keys)


# ----- hand-built reviews ---------------------------------------------------------------


def test_dominance_cycle(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c")],
        dominance=[edge("a", ["b"], "I"), edge("b", ["a"], "I")],
    )
    figures = compare(load_review(root)).to_json()
    for state in ("pre", "post"):
        radius = figures["states"][state]["blast_radius"]
        assert radius == {"a": ["a", "b"], "b": ["a", "b"], "c": ["c"]}
        assert figures["states"][state]["single_points_of_total_compromise"] == []


def test_a_cycle_covering_every_service_makes_each_member_a_single_point(
    write_review: WriteReview,
) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c")],
        dominance=[edge("a", ["b"], "I"), edge("b", ["c"], "I"), edge("c", ["a"], "I")],
    )
    state = compare(load_review(root)).to_json()["states"]["post"]
    assert state["single_points_of_total_compromise"] == ["a", "b", "c"]


def test_edges_apply_only_in_their_states(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b")], dominance=[edge("a", ["b"], "I", states=["post"])]
    )
    states = compare(load_review(root)).to_json()["states"]
    assert states["pre"]["blast_radius"]["a"] == ["a"]
    assert states["post"]["blast_radius"]["a"] == ["a", "b"]


def test_placement_derives_host_storage_and_manager_edges() -> None:
    base = Path(__file__).parent / "golden" / "errors" / "_base"
    review = load_review(base)
    post = build_state_graph(review, "post")
    derived = {(e.source, e.target) for e in post.edges if e.derived}
    assert {("host1", "web"), ("host1", "db"), ("host1", "mgr")} <= derived
    assert {("store", "web"), ("store", "db"), ("store", "mgr")} <= derived
    assert ("mgr", "host1") in derived
    control = closure(post, "I")
    # mgr runs on host1, which it manages: the two form a cycle.
    assert control["mgr"] == control["host1"] == {"host1", "mgr", "web", "db"}
    assert not [e for e in build_state_graph(review, "pre").edges if e.derived]


def test_group_requirement_means_any_member(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c"), asset("jewel", crown_jewel=True)],
        groups={"g": ["a", "b"]},
        findings=[
            finding("AA-01", step("S1", "internet", "control", "b")),
            finding("AB-01", step("S2", "control:group:g", "control", "jewel")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["controlled"] == ["b", "jewel"]
    assert reach["min_findings"] == {"jewel": 2}
    assert [p["finding"] for p in reach["paths"]["jewel"]] == ["AA-01", "AB-01"]


def test_group_requirement_needs_a_member(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c"), asset("jewel", crown_jewel=True)],
        groups={"g": ["a", "b"]},
        findings=[
            finding("AA-01", step("S1", "internet", "control", "c")),
            finding("AB-01", step("S2", "control:group:g", "control", "jewel")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["controlled"] == ["c"]
    assert reach["min_findings"] == {"jewel": None}


def test_group_target_and_foothold_group(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c")],
        groups={"g": ["a", "b"]},
        findings=[
            finding("AA-01", step("S1", "internet", "foothold", "a")),
            finding("AB-01", step("S2", "foothold:group:g", "control", "group:g")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["controlled"] == ["a", "b"]
    assert reach["footholds"] == []


def test_foothold_is_not_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b")],
        dominance=[edge("a", ["b"], "CIA")],
        findings=[finding("AA-01", step("S1", "internet", "foothold", "a"))],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["footholds"] == ["a"]
    assert reach["controlled"] == []
    assert reach["read"] == []


def test_read_only_edges_give_read_but_not_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("c"), asset("d")],
        dominance=[edge("a", ["b"], "C"), edge("b", ["c"], "CI"), edge("a", ["d"], "I")],
        findings=[finding("AA-01", step("S1", "internet", "control", "a"))],
    )
    figures = compare(load_review(root)).to_json()["states"]["post"]
    # Blast radius follows I edges only.
    assert figures["blast_radius"]["a"] == ["a", "d"]
    assert figures["blast_radius"]["b"] == ["b", "c"]
    reach = figures["entry_points"]["internet"]
    assert reach["controlled"] == ["a", "d"]
    # b is read through the C-only edge; reading b gives nothing over c.
    assert reach["read"] == ["a", "b", "d"]


def test_read_step_reaches_a_jewel_without_control(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("jewel", crown_jewel=True), asset("c")],
        dominance=[edge("jewel", ["c"], "CI")],
        findings=[finding("AA-01", step("S1", "internet", "read", "jewel"))],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["controlled"] == []
    assert reach["read"] == ["jewel"]
    assert reach["min_findings"] == {"jewel": None}
    assert reach["min_findings_read"] == {"jewel": 1}


def _also_requires_review(write_review: WriteReview, **status: str) -> Figures:
    root = write_review(
        assets=[asset("a"), asset("jewel", crown_jewel=True)],
        findings=[
            finding(
                "AA-01",
                step("S1", "internet", "control", "jewel", also_requires=["AB-01"]),
                status=status.get("AA-01", "open"),
                roadmap="next",
            ),
            finding("AB-01", status=status.get("AB-01", "open"), roadmap="now"),
        ],
    )
    return compare(load_review(root)).to_json()


def test_step_that_also_requires_another_finding(write_review: WriteReview) -> None:
    figures = _also_requires_review(write_review)
    reach = figures["states"]["post"]["entry_points"]["internet"]
    assert reach["min_findings"] == {"jewel": 1}
    assert reach["paths"]["jewel"] == [
        {"step": "S1", "finding": "AA-01", "also_requires": ["AB-01"], "gains": "control"}
    ]
    # Fixing either finding closes the step, so both are choke points, equally ranked.
    assert [c["finding"] for c in figures["choke_points"]] == ["AA-01", "AB-01"]
    # AB-01 is in the "now" phase: the what-if closes the path although AA-01 is "next".
    closed = figures["what_if"]["now"]["states"]["post"]["entry_points"]["internet"]
    assert closed["min_findings"] == {"jewel": None}
    assert figures["what_if"]["now"]["fixed"] == ["AB-01"]


@pytest.mark.parametrize("remediated", ["AA-01", "AB-01"])
def test_remediating_either_finding_closes_the_step(
    write_review: WriteReview, remediated: str
) -> None:
    figures = _also_requires_review(write_review, **{remediated: "remediated"})
    reach = figures["states"]["post"]["entry_points"]["internet"]
    assert reach["controlled"] == []
    assert reach["min_findings"] == {"jewel": None}
    # The baseline is the estate as it was: a fix made since does not shrink its reach.
    before = figures["states"]["pre"]["entry_points"]["internet"]
    assert before["controlled"] == ["jewel"]
    assert before["min_findings"] == {"jewel": 1}
    assert figures["choke_points"] == []
    # A finding already remediated is not listed as fixed by a roadmap phase.
    assert remediated not in figures["what_if"]["next"]["fixed"]


def test_fixed_finding_leaves_other_routes_open(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("jewel", crown_jewel=True)],
        findings=[
            finding("AA-01", step("S1", "internet", "control", "jewel"), status="remediated"),
            finding("AB-01", step("S2", "internet", "control", "a")),
            finding("AC-01", step("S3", "control:a", "control", "jewel")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["min_findings"] == {"jewel": 2}
    assert [p["finding"] for p in reach["paths"]["jewel"]] == ["AB-01", "AC-01"]


def test_shortest_route_is_counted(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b"), asset("jewel", crown_jewel=True)],
        findings=[
            finding("AA-01", step("S1", "internet", "control", "a")),
            finding("AB-01", step("S2", "control:a", "control", "b")),
            finding("AC-01", step("S3", "control:b", "control", "jewel")),
            finding("AD-01", step("S4", "control:a", "control", "jewel")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["min_findings"] == {"jewel": 2}
    assert [p["finding"] for p in reach["paths"]["jewel"]] == ["AA-01", "AD-01"]


def test_dominance_moves_cost_nothing_along_a_chain(write_review: WriteReview) -> None:
    """A position reached first by a longer route is improved by a later free route."""
    root = write_review(
        assets=[asset(n) for n in ("a", "a1", "a2", "a3", "b")]
        + [asset("jewel", crown_jewel=True)],
        dominance=[edge("a", ["a1"], "I"), edge("a1", ["a2"], "I"), edge("a2", ["a3"], "I")],
        findings=[
            finding("AA-01", step("S1", "internet", "control", "a")),
            finding("AB-01", step("S2", "internet", "control", "b")),
            finding("AC-01", step("S3", "control:b", "control", "a3")),
            finding("AD-01", step("S4", "control:a3", "control", "jewel")),
        ],
    )
    reach = compare(load_review(root)).to_json()["states"]["post"]["entry_points"]["internet"]
    assert reach["min_findings"] == {"jewel": 2}
    assert [p["finding"] for p in reach["paths"]["jewel"]] == ["AA-01", "AD-01"]


def test_steps_apply_only_in_their_states(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a")],
        findings=[finding("AA-01", step("S1", "internet", "control", "a", states=["post"]))],
    )
    states = compare(load_review(root)).to_json()["states"]
    assert states["pre"]["entry_points"]["internet"]["controlled"] == []
    assert states["post"]["entry_points"]["internet"]["controlled"] == ["a"]
    assert states["pre"]["choke_points"] == []


def test_review_without_entry_points(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("b")],
        dominance=[edge("a", ["b"], "I")],
        entry_points=[],
    )
    figures = compare(load_review(root)).to_json()
    for state in ("pre", "post"):
        assert figures["states"][state]["entry_points"] == {}
        assert figures["states"][state]["choke_points"] == []
        assert figures["states"][state]["single_points_of_total_compromise"] == ["a"]
    assert figures["choke_points"] == []


def test_entry_point_without_steps_in_a_state(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("jewel", crown_jewel=True)],
        entry_points=["internet", "staff"],
        findings=[finding("AA-01", step("S1", "internet", "control", "a", states=["post"]))],
    )
    states = compare(load_review(root)).to_json()["states"]
    for state in ("pre", "post"):
        staff = states[state]["entry_points"]["staff"]
        assert staff["controlled"] == staff["read"] == staff["footholds"] == []
        assert staff["min_findings"] == {"jewel": None}
    assert states["pre"]["entry_points"]["internet"]["controlled"] == []


def test_asset_absent_from_a_state(write_review: WriteReview) -> None:
    root = write_review(
        assets=[asset("a"), asset("host", "hypervisor-host", states=["post"])],
        dominance=[edge("host", ["a"], "CIA", states=["post"])],
    )
    states = compare(load_review(root)).to_json()["states"]
    assert "host" not in states["pre"]["blast_radius"]
    assert states["post"]["blast_radius"]["host"] == ["a"]
    assert states["post"]["single_points_of_total_compromise"] == ["a", "host"]


def test_choke_point_ranking(write_review: WriteReview) -> None:
    root = write_review(
        assets=[
            asset("x"),
            asset("y"),
            asset("z"),
            asset("w"),
            asset("v"),
            asset("u"),
            asset("jewel", crown_jewel=True),
        ],
        findings=[
            finding("AA-01", step("S1", "internet", "control", "x")),
            finding("AB-01", step("S2", "control:x", "control", "jewel")),
            finding("AC-01", step("S3", "internet", "control", ["y", "z", "v"])),
            finding("AD-01", step("S4", "internet", "control", "y")),
            finding("AE-01", step("S5", "internet", "control", "w")),
            finding("AF-01", step("S6", "internet", "control", "u")),
        ],
    )
    chokes = compare(load_review(root)).to_json()["choke_points"]
    summary = [
        (c["finding"], c["crown_jewels_cut"], c["services_cut"], c["reads_cut"]) for c in chokes
    ]
    # Crown jewels first (AB-01 before AC-01, which cuts more services), then services,
    # then reads, then the id (AE-01 before AF-01). AD-01 cuts nothing (AC-01 also gives
    # y), so it is not a choke point.
    assert summary == [
        ("AA-01", 1, 2, 2),
        ("AB-01", 1, 1, 1),
        ("AC-01", 0, 2, 2),
        ("AE-01", 0, 1, 1),
        ("AF-01", 0, 1, 1),
    ]
    lost = {
        "controlled": ["x", "jewel"],
        "read": ["x", "jewel"],
        "crown_jewels": ["jewel"],
        "denied": ["x", "jewel"],
    }
    assert chokes[0]["entry_points"] == {"internet": lost}


def test_severity_counts_per_version(northwind: tuple[Any, Figures], figures: Figures) -> None:
    review = northwind[0]
    post = figures["states"]["post"]["severity_counts"]
    # Counted: findings that affect the current state and are not remediated since.
    applicable = [
        f
        for f in review.findings
        if f.finding.affected.get("post") and f.finding.status != "remediated"
    ]
    assert post["findings"] == len(applicable) == 21  # 26, less the 5 the retest found fixed
    pre = figures["states"]["pre"]["severity_counts"]
    assert pre["findings"] == sum(bool(f.finding.affected.get("pre")) for f in review.findings)
    for version, bands in post["by_version"].items():
        scored = [s for f in applicable for s in f.scores if s.version == version]
        assert sum(bands.values()) == len(scored), version
    unscored = [f for f in applicable if not f.scores]
    assert sum(post["not_scored"].values()) == len(unscored)


def test_assumed_breach_of_an_internal_server(figures: Figures) -> None:
    """domain.md §3.3's 'internal foothold' row: all 15 before and after, via the shared
    BMC password before; after the 'now' phase only MP-07 (a 'next' item) remains."""

    def reach(phase: str | None, state: str) -> dict[str, Any]:
        source = figures if phase is None else figures["what_if"][phase]
        return source["states"][state]["entry_points"]["internal-foothold"]

    before = reach(None, "pre")
    assert len(before["controlled"]) == 15
    assert {s["finding"] for s in before["paths"]["db"]} == {"MP-07"}
    after_now = reach("now", "post")
    assert len(after_now["controlled"]) == 15
    assert [s["finding"] for s in after_now["paths"]["db"]] == ["MP-07"]
    assert reach("next", "post")["controlled"] == []


def test_an_assumed_position_must_name_a_group_or_asset(
    write_review: WriteReview, tmp_path: Path
) -> None:
    from reviewgen.errors import ReviewError

    root = write_review(
        assets=[asset("a")],
        entry_points=[{"id": "inside", "title": "Inside", "assumes": "control:group:nope"}],
    )
    with pytest.raises(ReviewError) as raised:
        load_review(root)
    assert "unknown group 'nope'" in str(raised.value)
