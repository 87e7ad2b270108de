"""The checks that stop a review from dropping things silently, and the JSON Schemas'
help for editors.

Each error test builds a small review (tests/reviewbuilder.py), breaks one thing, and
asserts the exact `path:line:column: message`. The position is found in the file as
written (the first line holding a given text), so it is not copied from the checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cvss import constants2, constants3, constants4
from reviewbuilder import asset, finding, step

from reviewgen.errors import ReviewError
from reviewgen.load import load_review
from reviewgen.schema import schema

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "reviewgen" / "library"
EXAMPLE = REPO / "reviews" / "northwind-consolidation"

WriteReview = Callable[..., Path]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in messages are relative to the working directory: 'review/review.yaml'."""
    monkeypatch.chdir(tmp_path)


def problems(root: Path) -> list[str]:
    with pytest.raises(ReviewError) as caught:
        load_review(root)
    return [str(p) for p in caught.value.problems]


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Load a YAML file the builder wrote, change its data, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def at(path: Path, text: str, *, after: str = "", nth: int = 0) -> str:
    """`path:line:column` of the `nth` line holding `text` (below the first holding `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    hits = [i for i in range(start, len(lines)) if text in lines[i]]
    index = hits[nth]
    shown = path.relative_to(Path.cwd()).as_posix()
    return f"{shown}:{index + 1}:{lines[index].index(text) + 1}"


def vm(cluster: str | None = "cl1", datastore: str | None = "ds1") -> dict[str, Any]:
    place: dict[str, Any] = {"platform": "vm"}
    if cluster:
        place["cluster"] = cluster
    if datastore:
        place["datastore"] = datastore
    return place


def estate(write_review: WriteReview, post: dict[str, Any], **review: Any) -> Path:
    """A review with one VM ('web', placed `post` in state post), two hypervisor hosts,
    a storage server, cluster cl1 of h1 and h2, and datastore ds1; `review` replaces
    top-level sections of review.yaml."""
    web = asset("web")
    web["placement"]["post"] = post
    root = write_review(
        assets=[web, asset("h1", "hypervisor-host"), asset("h2", "hypervisor-host"), asset("nas")]
    )

    def change(data: dict[str, Any]) -> None:
        data["clusters"] = [{"id": "cl1", "hosts": ["h1", "h2"]}]
        data["datastores"] = [{"id": "ds1", "served_by": "nas"}]
        data.update(review)

    edit(root / "review.yaml", change)
    return root


def test_the_estate_built_here_is_valid(write_review: WriteReview) -> None:
    review = load_review(estate(write_review, vm()))
    assert [c.id for c in review.spec.clusters] == ["cl1"]


# ----- placement, clusters, period --------------------------------------------------


def test_a_vm_without_a_cluster_is_an_error(write_review: WriteReview) -> None:
    root = estate(write_review, vm(cluster=None))
    where = at(root / "review.yaml", "platform: vm")
    assert problems(root) == [f"{where}: a vm needs a cluster (clusters: cl1)"]


def test_a_vm_without_a_datastore_is_an_error(write_review: WriteReview) -> None:
    root = estate(write_review, vm(datastore=None))
    where = at(root / "review.yaml", "platform: vm")
    assert problems(root) == [f"{where}: a vm needs a datastore (datastores: ds1)"]


def test_a_vm_when_no_cluster_is_declared(write_review: WriteReview) -> None:
    root = estate(write_review, vm(cluster=None), clusters=[])
    where = at(root / "review.yaml", "platform: vm")
    assert problems(root) == [f"{where}: a vm needs a cluster (none are declared)"]


def test_a_cluster_without_hosts_is_an_error(write_review: WriteReview) -> None:
    root = estate(write_review, vm(), clusters=[{"id": "cl1", "hosts": []}])
    where = at(root / "review.yaml", "[]", after="clusters:")
    assert problems(root) == [
        f"{where}: cluster 'cl1' has no hosts: list the asset ids of its hypervisor hosts"
    ]


def test_a_host_in_two_clusters_is_an_error(write_review: WriteReview) -> None:
    clusters = [{"id": "cl1", "hosts": ["h1", "h2"]}, {"id": "cl2", "hosts": ["h2"]}]
    root = estate(write_review, vm(), clusters=clusters)
    review_yaml = root / "review.yaml"
    first = at(review_yaml, "- h2", after="clusters:").split(":")[1]
    where = at(review_yaml, "h2", after="clusters:", nth=1)
    assert problems(root) == [
        f"{where}: host 'h2' is already in cluster 'cl1' (line {first}); "
        "a host belongs to one cluster"
    ]


def test_a_host_listed_twice_in_one_cluster_is_an_error(write_review: WriteReview) -> None:
    root = estate(write_review, vm(), clusters=[{"id": "cl1", "hosts": ["h1", "h1"]}])
    review_yaml = root / "review.yaml"
    first = at(review_yaml, "- h1", after="clusters:").split(":")[1]
    where = at(review_yaml, "h1", after="clusters:", nth=1)
    assert problems(root) == [
        f"{where}: host 'h1' is already in this cluster (line {first}); "
        "a host belongs to one cluster"
    ]


def test_a_period_that_ends_before_it_starts_is_an_error(write_review: WriteReview) -> None:
    root = write_review(assets=[asset("web")])

    def change(data: dict[str, Any]) -> None:
        data["review"]["period"] = {"start": "2025-03-10", "end": "2025-03-07"}

    edit(root / "review.yaml", change)
    where = at(root / "review.yaml", "'2025-03-07'")
    assert problems(root) == [
        f"{where}: the review period ends (2025-03-07) before it starts (2025-03-10)"
    ]


def test_a_one_day_period_is_fine(write_review: WriteReview) -> None:
    root = write_review(assets=[asset("web")])

    def change(data: dict[str, Any]) -> None:
        data["review"]["period"] = {"start": "2025-03-10", "end": "2025-03-10"}

    edit(root / "review.yaml", change)
    assert load_review(root).spec.review.period.end.isoformat() == "2025-03-10"


# ----- unknown ids list the valid ones -----------------------------------------------


def finding_file(root: Path, finding_id: str = "GN-01") -> Path:
    return root / "findings" / f"{finding_id}.yaml"


def test_an_unknown_state_lists_the_states(write_review: WriteReview) -> None:
    broken = finding("GN-01", states=("pre", "psot"))
    root = write_review(assets=[asset("web")], findings=[broken])
    where = at(finding_file(root), "[]", after="psot:")
    assert problems(root) == [
        f"{where}: unknown state 'psot'; did you mean 'post'? (states: pre, post)"
    ]


def test_an_unknown_phase_lists_the_phases(write_review: WriteReview) -> None:
    root = write_review(assets=[asset("web")], findings=[finding("GN-01", roadmap="nxet")])
    where = at(finding_file(root), "nxet")
    assert problems(root) == [
        f"{where}: unknown roadmap phase 'nxet'; did you mean 'next'? (roadmap phases: now, next)"
    ]


def test_an_unknown_category_lists_the_categories(write_review: WriteReview) -> None:
    broken = {**finding("GN-01"), "category": "hypervisor"}
    root = write_review(assets=[asset("web")], findings=[broken])
    where = at(finding_file(root), "hypervisor")
    assert problems(root) == [f"{where}: unknown category 'hypervisor' (categories: general)"]


def test_an_unknown_group_lists_the_groups(write_review: WriteReview) -> None:
    broken = finding("GN-01", step("S1", "internet", "control", "group:servers"))
    root = write_review(
        assets=[asset("web"), asset("db")],
        groups={"services": ["web", "db"], "data": ["db"]},
        findings=[broken],
    )
    where = at(finding_file(root), "group:servers")
    assert problems(root) == [
        f"{where}: unknown group 'servers'; did you mean 'services'? (groups: services, data)"
    ]


def test_a_long_list_of_ids_is_cut_after_ten(write_review: WriteReview) -> None:
    names = [f"a{n:02d}" for n in range(1, 13)]
    broken = finding("GN-01", step("S1", "internet", "control", "zz"))
    root = write_review(assets=[asset(name) for name in names], findings=[broken])
    where = at(finding_file(root), "zz")
    assert problems(root) == [
        f"{where}: unknown asset 'zz' (assets: {', '.join(names[:10])} and 2 more)"
    ]


# ----- a schema error does not hide references ---------------------------------------


def test_a_finding_with_a_schema_error_still_gets_its_references_checked(
    write_review: WriteReview,
) -> None:
    broken = finding("GN-01", step("S1", "intranet", "control", "web"))
    broken["affected"] = {"pre": [], "post": ["webb"]}
    broken["efort"] = "low"
    root = write_review(assets=[asset("web")], findings=[broken])
    path = finding_file(root)
    found = problems(root)
    assert set(found) == {
        f"{at(path, 'efort')}: unknown key 'efort'; did you mean 'effort'?",
        f"{at(path, 'webb')}: unknown asset 'webb'; did you mean 'web'? (assets: web)",
        # An attack step that is valid on its own is checked too.
        f"{at(path, 'intranet')}: unknown entry point 'intranet'; did you mean 'internet'? "
        "(entry points: internet)",
    }
    assert len(found) == 3


def test_a_value_that_is_not_an_id_is_reported_once(write_review: WriteReview) -> None:
    broken = {**finding("GN-01"), "category": "General"}
    root = write_review(assets=[asset("web")], findings=[broken])
    where = at(finding_file(root), "General")
    assert problems(root) == [
        f"{where}: expected an id in lowercase kebab-case, such as 'esx01' or 'net-dmz', "
        "got 'General'"
    ]


def test_a_review_yaml_with_a_schema_error_still_gets_its_references_checked(
    write_review: WriteReview,
) -> None:
    root = write_review(assets=[asset("web")], groups={"services": ["web", "wbe"]})

    def change(data: dict[str, Any]) -> None:
        data["review"]["clasification"] = data["review"].pop("classification")

    edit(root / "review.yaml", change)
    review_yaml = root / "review.yaml"
    found = problems(root)
    assert set(found) == {
        f"{at(review_yaml, 'clasification')}: unknown key 'clasification'; "
        "did you mean 'classification'?",
        f"{at(review_yaml, 'id: TEST-1')}: missing required key 'classification'",
        f"{at(review_yaml, 'wbe')}: unknown asset 'wbe'; did you mean 'web'? (assets: web)",
    }
    assert len(found) == 3


# ----- the JSON Schemas: vector patterns and descriptions ------------------------------


def vector_pattern() -> re.Pattern[str]:
    entry = schema("finding")["$defs"]["CvssEntry"]
    return re.compile(entry["properties"]["vector"]["pattern"])


def vectors(data: Any) -> Iterator[str]:
    """Every CVSS vector in parsed YAML: values of 'vector' and 'vendor_cvss' keys."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("vector", "vendor_cvss") and isinstance(value, str):
                yield value
            else:
                yield from vectors(value)
    elif isinstance(data, list):
        for item in data:
            yield from vectors(item)


def test_the_vector_pattern_accepts_every_vector_of_the_example_and_the_library() -> None:
    files = sorted(LIBRARY.glob("*.yaml")) + sorted((EXAMPLE / "findings").glob("*.yaml"))
    found = [v for f in files for v in vectors(yaml.safe_load(f.read_text(encoding="utf-8")))]
    assert len(found) > 100
    assert {v.split("/")[0] for v in found} >= {"CVSS:3.1", "CVSS:4.0"}
    pattern = vector_pattern()
    assert [v for v in found if not pattern.search(v)] == []


@pytest.mark.parametrize(
    ("prefix", "base", "constants"),
    [
        ("", "AV:N/AC:L/Au:N/C:P/I:P/A:P", constants2),
        ("CVSS:3.0/", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", constants3),
        ("CVSS:3.1/", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", constants3),
        ("CVSS:4.0/", "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", constants4),
    ],
)
def test_the_vector_pattern_accepts_every_metric_value(
    prefix: str, base: str, constants: Any
) -> None:
    """Every value of every metric (temporal, threat, environmental, supplemental) that
    the cvss library knows, added to a base vector."""
    pattern = vector_pattern()
    rejected = [
        f"{key}:{value}"
        for key, values in constants.METRICS_VALUE_NAMES.items()
        for value in values
        if not pattern.search(f"{prefix}{base}/{key}:{value}")
    ]
    assert rejected == []
    assert pattern.search(prefix + base)


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:3.1/AV:X",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q",
        "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:F",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MSI:S",
        "AV:N/AC:L/Au:N/C:H/I:P/A:P",
        "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "",
    ],
)
def test_the_vector_pattern_rejects_malformed_vectors(vector: str) -> None:
    assert not vector_pattern().search(vector)


def test_a_malformed_vector_still_gets_the_scorers_message(write_review: WriteReview) -> None:
    """The pattern is for editors; loading scores the vector and names the metric."""
    broken = finding("GN-01")
    del broken["severity"], broken["severity_rationale"]
    broken["cvss"] = {"v3_1": {"vector": "CVSS:3.1/AV:X"}, "scored_scenario": "Test."}
    root = write_review(assets=[asset("web")], findings=[broken])
    [problem] = problems(root)
    assert problem.startswith(f"{at(finding_file(root), 'CVSS:3.1/AV:X')}: CVSS 3.1 metric AV")


#: Classes another change owns; their fields get descriptions there.
NOT_HERE = {"AttackStep", "Cve", "KnownExploited", "ExploitSource"}


@pytest.mark.parametrize("which", ["review", "finding"])
def test_every_field_has_a_description(which: str) -> None:
    data = schema(which)
    models = {**data["$defs"], "(top level)": data}
    missing = [
        f"{name}.{field}"
        for name, model in models.items()
        if name not in NOT_HERE
        for field, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []
