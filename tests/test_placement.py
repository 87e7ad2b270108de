"""Placement that isolates guests and changes with the state (issue 12, items 3 and 5).

* Guest isolation: a VM with `isolation:` (SEV-SNP, TDX, a shielded VM) can be stopped
  by its host, its storage and its `guardian`, but neither read nor controlled by them.
* Migration: an unencrypted `migration` network lets whoever controls an asset on it
  read the memory of the cluster's guests (isolated guests excepted); encrypted, none.
* A datastore served by several servers: each controls the guests whose disks it holds.
* A zone per state: the placement's `zone` overrides the asset's.
* The checks of these fields, with their exact `path:line:column: message`.

Every expected list is worked out by hand from the scenario written in each test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from reviewbuilder import asset, edge, finding, step

from reviewgen.compare import compare
from reviewgen.errors import ReviewError
from reviewgen.load import load_review

WriteReview = Callable[..., Path]

NETWORKS = [
    {"id": "net-office", "name": "Office"},
    {"id": "net-vmotion", "name": "vMotion"},
]


def vm(
    cluster: str = "cl1",
    datastore: str = "ds1",
    **extra: Any,
) -> dict[str, Any]:
    return {"platform": "vm", "cluster": cluster, "datastore": datastore, **extra}


def guest(
    asset_id: str,
    *,
    crown_jewel: bool = False,
    post: dict[str, Any] | None = None,
    pre: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A service that is a physical server in pre (unless `pre` is given) and the VM
    `post` (by default on cl1, disks on ds1) in post."""
    data = asset(asset_id, crown_jewel=crown_jewel)
    if pre is not None:
        data["placement"]["pre"] = pre
    data["placement"]["post"] = post if post is not None else vm()
    return data


def infra(asset_id: str, kind: str, **placement: Any) -> dict[str, Any]:
    """Infrastructure placed as a physical machine in pre and post; `placement` adds
    fields to its post placement (`zone`, `port_groups`)."""
    data = asset(asset_id, kind)
    data["placement"]["post"].update(placement)
    return data


def estate(
    write_review: WriteReview,
    *,
    assets: list[dict[str, Any]],
    clusters: list[dict[str, Any]] | None = None,
    datastores: list[dict[str, Any]] | None = None,
    **parts: Any,
) -> Path:
    """A review of `assets` with the networks above, cluster cl1 of host esx and
    datastore ds1 served by nas (unless given)."""
    root = write_review(assets=assets, **parts)
    path = root / "review.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["networks"] = NETWORKS
    data["clusters"] = clusters if clusters is not None else [{"id": "cl1", "hosts": ["esx"]}]
    data["datastores"] = (
        datastores if datastores is not None else [{"id": "ds1", "served_by": "nas"}]
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def cluster(network: str, *, encrypted: bool) -> dict[str, Any]:
    """Cluster cl1 of host esx, migrating over `network`."""
    return {
        "id": "cl1",
        "hosts": ["esx"],
        "migration": {"network": network, "encrypted": encrypted},
    }


def figures(root: Path, state: str = "post") -> dict[str, Any]:
    result: dict[str, Any] = compare(load_review(root)).to_json()["states"][state]
    return result


def assumed(asset_id: str) -> dict[str, str]:
    """An entry point that starts from control of `asset_id`."""
    return {"id": f"on-{asset_id}", "title": f"On {asset_id}", "assumes": f"control:{asset_id}"}


# ----- guest isolation ----------------------------------------------------------------


def _shielded_estate(write_review: WriteReview, isolation: str | None = "shielded") -> Path:
    jewel_place = vm(guardian="hgs")
    if isolation is not None:
        jewel_place["isolation"] = isolation
    return estate(
        write_review,
        assets=[
            guest("jewel", crown_jewel=True, post=jewel_place),
            guest("neighbour"),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            infra("hgs", "management"),
        ],
        # The host is taken over from the Internet in post.
        findings=[finding("HV-01", step("S1", "internet", "control", "esx", states=["post"]))],
    )


def test_a_compromised_host_only_denies_its_shielded_guest(write_review: WriteReview) -> None:
    state = figures(_shielded_estate(write_review))
    reach = state["entry_points"]["internet"]
    assert reach["controlled"] == ["neighbour"]
    assert reach["read"] == ["neighbour"]
    assert reach["denied"] == ["jewel", "neighbour"]
    assert reach["infrastructure_controlled"] == ["esx"]
    assert reach["min_findings"] == {"jewel": None}
    assert reach["min_findings_read"] == {"jewel": None}
    assert reach["min_findings_deny"] == {"jewel": 1}
    # By design: the host and the storage take the neighbour, and can only stop the jewel.
    for server in ("esx", "nas"):
        assert state["blast_radius"][server] == ["neighbour"], server
        assert state["availability_radius"][server] == ["jewel", "neighbour"], server


def test_without_isolation_the_same_host_controls_the_jewel(write_review: WriteReview) -> None:
    """The counterpart of the test above: the isolation is what keeps the jewel."""
    state = figures(_shielded_estate(write_review, isolation=None))
    reach = state["entry_points"]["internet"]
    assert reach["controlled"] == ["jewel", "neighbour"]
    assert reach["min_findings"] == {"jewel": 1}
    assert state["blast_radius"]["esx"] == ["jewel", "neighbour"]


@pytest.mark.parametrize("isolation", ["sev-snp", "tdx", "shielded"])
def test_every_kind_of_isolation_keeps_the_host_out(
    write_review: WriteReview, isolation: str
) -> None:
    reach = figures(_shielded_estate(write_review, isolation))["entry_points"]["internet"]
    assert reach["controlled"] == ["neighbour"]
    assert reach["min_findings_deny"] == {"jewel": 1}


def test_the_guardian_can_stop_its_guests_not_take_them(write_review: WriteReview) -> None:
    state = figures(_shielded_estate(write_review))
    assert state["availability_radius"]["hgs"] == ["jewel"]
    assert state["blast_radius"]["hgs"] == []
    assert state["blast_radius_infrastructure"]["hgs"] == []
    # In pre the jewel is a physical server: no guardian, nothing to stop.
    assert figures(_shielded_estate(write_review), "pre")["availability_radius"]["hgs"] == []


def test_explicit_edges_to_an_isolated_guest_are_left_as_written(
    write_review: WriteReview,
) -> None:
    root = _shielded_estate(write_review)
    path = root / "review.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # A reviewer-written edge: the host's agent is also the jewel's backup agent.
    data["dominance"] = [edge("esx", "jewel", states=["post"])]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    reach = figures(root)["entry_points"]["internet"]
    assert reach["controlled"] == ["jewel", "neighbour"]


# ----- migration ----------------------------------------------------------------------


def _migration_estate(write_review: WriteReview, encrypted: bool) -> Path:
    return estate(
        write_review,
        assets=[
            guest("web"),
            guest("erp", crown_jewel=True),
            guest("vault", crown_jewel=True, post=vm(isolation="sev-snp")),
            guest("mail"),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            # On the migration network by its zone, and by a port group.
            infra("sniffer", "other", zone="net-vmotion"),
            infra("tap", "other", port_groups=["net-vmotion"]),
            infra("printer", "other", zone="net-office"),
        ],
        clusters=[cluster("net-vmotion", encrypted=encrypted)],
        entry_points=[assumed("sniffer"), assumed("tap"), assumed("printer")],
    )


def test_an_unencrypted_migration_network_reads_every_guest(write_review: WriteReview) -> None:
    state = figures(_migration_estate(write_review, encrypted=False))
    for entry in ("on-sniffer", "on-tap"):
        reach = state["entry_points"][entry]
        assert reach["read"] == ["web", "erp", "mail"], entry  # not the SEV-SNP vault
        assert reach["controlled"] == [], entry
        assert reach["denied"] == [], entry
        assert reach["min_findings_read"] == {"erp": 0, "vault": None}, entry
    # Off the migration network: nothing.
    assert state["entry_points"]["on-printer"]["read"] == []
    # Reading is not control: the sniffer's blast radius stays empty.
    assert state["blast_radius"]["sniffer"] == []


def test_an_encrypted_migration_network_reads_nothing(write_review: WriteReview) -> None:
    state = figures(_migration_estate(write_review, encrypted=True))
    for entry in ("on-sniffer", "on-tap", "on-printer"):
        assert state["entry_points"][entry]["read"] == [], entry
        assert state["entry_points"][entry]["min_findings_read"] == {
            "erp": None,
            "vault": None,
        }, entry


def test_the_old_migration_network_field_derives_nothing(write_review: WriteReview) -> None:
    root = estate(
        write_review,
        assets=[
            guest("web"),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            infra("sniffer", "other", zone="net-vmotion"),
        ],
        clusters=[{"id": "cl1", "hosts": ["esx"], "migration_network": "net-vmotion"}],
        entry_points=[assumed("sniffer")],
    )
    assert figures(root)["entry_points"]["on-sniffer"]["read"] == []


def test_the_zone_of_a_state_decides_who_is_on_the_migration_network(
    write_review: WriteReview,
) -> None:
    # Both guests are VMs on cl1 in both states, so migration happens in both.
    laptop = asset("laptop", "other")  # in the office, moved onto vMotion in post
    laptop["zone"] = "net-office"
    laptop["placement"]["post"]["zone"] = "net-vmotion"
    admin = asset("admin", "other")  # on vMotion, but in the office in pre
    admin["zone"] = "net-vmotion"
    admin["placement"]["pre"]["zone"] = "net-office"
    root = estate(
        write_review,
        assets=[
            guest("web", pre=vm()),
            guest("erp", crown_jewel=True, pre=vm()),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            laptop,
            admin,
        ],
        clusters=[cluster("net-vmotion", encrypted=False)],
        entry_points=[assumed("laptop"), assumed("admin")],
    )
    pre, post = figures(root, "pre"), figures(root, "post")
    for entry in ("on-laptop", "on-admin"):
        assert pre["entry_points"][entry]["read"] == [], entry
        assert pre["entry_points"][entry]["min_findings_read"] == {"erp": None}, entry
        assert post["entry_points"][entry]["read"] == ["web", "erp"], entry
        assert post["entry_points"][entry]["min_findings_read"] == {"erp": 0}, entry


# ----- a datastore served by several servers -------------------------------------------


def test_each_server_of_a_datastore_controls_the_guests_on_it(write_review: WriteReview) -> None:
    root = estate(
        write_review,
        assets=[
            guest("web"),
            guest("erp", crown_jewel=True),
            guest("mail", post=vm(datastore="ds2")),
            infra("esx", "hypervisor-host"),
            infra("ceph1", "storage"),
            infra("ceph2", "storage"),
            infra("nas", "storage"),
        ],
        datastores=[
            {"id": "ds1", "served_by": ["ceph1", "ceph2"]},
            {"id": "ds2", "served_by": "nas"},
        ],
        entry_points=[assumed("ceph1"), assumed("ceph2"), assumed("nas")],
    )
    state = figures(root)
    for server in ("ceph1", "ceph2"):
        reach = state["entry_points"][f"on-{server}"]
        assert reach["controlled"] == ["web", "erp"], server
        assert reach["min_findings"] == {"erp": 0}, server
        assert state["blast_radius"][server] == ["web", "erp"], server
    assert state["entry_points"]["on-nas"]["controlled"] == ["mail"]
    assert state["blast_radius"]["nas"] == ["mail"]


# ----- checks ---------------------------------------------------------------------------


@pytest.fixture
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in messages are relative to the working directory: 'review/review.yaml'."""
    monkeypatch.chdir(tmp_path)


def problems(root: Path) -> list[str]:
    with pytest.raises(ReviewError) as caught:
        load_review(root)
    return [str(p) for p in caught.value.problems]


def at(path: Path, text: str, *, after: str = "") -> str:
    """`path:line:column` of the first line holding `text` (below the first holding
    `after`), found in the file as written."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    index = next(i for i in range(start, len(lines)) if text in lines[i])
    shown = path.relative_to(Path.cwd()).as_posix()
    return f"{shown}:{index + 1}:{lines[index].index(text) + 1}"


def _checked(write_review: WriteReview, **changes: Any) -> Path:
    """A valid small estate (checked valid below) with `changes` to its parts."""
    parts: dict[str, Any] = {
        "assets": [
            guest("web", post=vm(isolation="tdx", guardian="hgs")),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            infra("hgs", "management"),
        ],
        "clusters": [cluster("net-vmotion", encrypted=False)],
    }
    parts.update(changes)
    return estate(write_review, **parts)


@pytest.mark.usefixtures("_in_tmp")
def test_the_estate_checked_here_is_valid(write_review: WriteReview) -> None:
    review = load_review(_checked(write_review))
    assert review.spec.assets[0].placement["post"].isolation == "tdx"


@pytest.mark.usefixtures("_in_tmp")
def test_isolation_only_on_a_vm(write_review: WriteReview) -> None:
    esx = infra("esx", "hypervisor-host", isolation="shielded")
    root = _checked(
        write_review,
        assets=[guest("web"), esx, infra("nas", "storage"), infra("hgs", "management")],
    )
    where = at(root / "review.yaml", "shielded")
    assert problems(root) == [
        f"{where}: only a vm can be isolated from its host (this is physical)"
    ]


@pytest.mark.usefixtures("_in_tmp")
def test_the_guardian_must_be_a_known_asset(write_review: WriteReview) -> None:
    root = _checked(
        write_review,
        assets=[
            guest("web", post=vm(isolation="tdx", guardian="hsg")),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            infra("hgs", "management"),
        ],
    )
    where = at(root / "review.yaml", "hsg")
    assert problems(root) == [
        f"{where}: unknown asset 'hsg'; did you mean 'hgs'? (assets: web, esx, nas, hgs)"
    ]


@pytest.mark.usefixtures("_in_tmp")
def test_the_guardian_must_be_placed_in_the_state(write_review: WriteReview) -> None:
    hgs = infra("hgs", "management")
    del hgs["placement"]["post"]  # the guardian was retired before the change
    root = _checked(
        write_review,
        assets=[
            guest("web", post=vm(isolation="tdx", guardian="hgs")),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            hgs,
        ],
    )
    where = at(root / "review.yaml", "hgs")
    assert problems(root) == [f"{where}: asset 'hgs' has no placement in state 'post'"]


@pytest.mark.usefixtures("_in_tmp")
def test_the_migration_network_must_be_known(write_review: WriteReview) -> None:
    root = _checked(
        write_review,
        clusters=[cluster("net-vmotoin", encrypted=True)],
    )
    where = at(root / "review.yaml", "net-vmotoin")
    assert problems(root) == [
        f"{where}: unknown network 'net-vmotoin'; did you mean 'net-vmotion'? "
        "(networks: net-office, net-vmotion)"
    ]


@pytest.mark.usefixtures("_in_tmp")
def test_every_server_of_a_datastore_must_be_known(write_review: WriteReview) -> None:
    root = _checked(write_review, datastores=[{"id": "ds1", "served_by": ["nas", "nsa"]}])
    where = at(root / "review.yaml", "nsa", after="datastores:")
    assert problems(root) == [
        f"{where}: unknown asset 'nsa'; did you mean 'nas'? (assets: web, esx, nas, hgs)"
    ]


@pytest.mark.usefixtures("_in_tmp")
def test_a_datastore_needs_at_least_one_server(write_review: WriteReview) -> None:
    root = _checked(write_review, datastores=[{"id": "ds1", "served_by": []}])
    where = at(root / "review.yaml", "[]", after="datastores:")
    assert problems(root) == [
        f"{where}: datastore 'ds1' has no servers: name the asset (or list the asset ids) "
        "of the storage that serves it"
    ]


@pytest.mark.usefixtures("_in_tmp")
def test_the_zone_of_a_placement_must_be_a_known_network(write_review: WriteReview) -> None:
    root = _checked(
        write_review,
        assets=[
            guest("web", post=vm(zone="net-ofice")),
            infra("esx", "hypervisor-host"),
            infra("nas", "storage"),
            infra("hgs", "management"),
        ],
    )
    where = at(root / "review.yaml", "net-ofice")
    assert problems(root) == [
        f"{where}: unknown network 'net-ofice'; did you mean 'net-office'? "
        "(networks: net-office, net-vmotion)"
    ]
