"""The finding library: `reviewgen library list/show`, `new finding --from`, override folders.

The ids the library cites are checked against lists taken from the published sources,
never from reviewgen: STIG ids against tests/data/stig_ids.txt (built from VMware's
InSpec controls of the DISA vSphere 8.0 STIG V2R3), CIS item numbers, advisories and
their CVEs against the constants below, each with its source.
"""

from __future__ import annotations

import io
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewgen import librarian
from reviewgen.cli import main

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "reviewgen" / "library"
STIG_INDEX = Path(__file__).resolve().parent / "data" / "stig_ids.txt"
Capture = pytest.CaptureFixture[str]

# CIS VMware ESXi 8.0 Benchmark v1.2.0 item numbers, as listed in Tenable's changelog of its
# audit of that benchmark (https://www.tenable.com/audits/CIS_VMware_ESXi_8.0_v1.2.0_L1_VMware/
# changelog/1.1). Ids only: the benchmark's text is CIS's.
CIS_ESXI_8_V120 = {
    "2.2", "2.6", "2.10", "3.1", "3.2", "3.3", "3.7", "3.8", "3.9", "3.12", "3.13", "3.14",
    "3.18", "3.19", "3.20", "4.1", "4.2", "5.1", "5.3", "5.6", "5.7", "5.8", "5.9", "5.10",
    "6.3.1",
}  # fmt: skip

# Advisories the library cites, with the CVEs each covers and the CISA KEV date of each CVE
# (None: not in KEV). Sources: the CVE records in github.com/CVEProject/cvelistV5 (the CNA's
# reference URL, vectors and the CISA ADP "kev" dateAdded), and Broadcom's Q&A documents in
# github.com/vmware/vcf-security-and-compliance-guidelines/security-advisories/.
ADVISORIES: dict[str, dict[str, str | None]] = {
    "VMSA-2021-0002": {"CVE-2021-21974": None},
    "VMSA-2024-0013": {"CVE-2024-37085": "2024-07-30"},
    "VMSA-2024-0019": {"CVE-2024-38812": "2024-11-20", "CVE-2024-38813": "2024-11-20"},
    "VMSA-2025-0004": {
        "CVE-2025-22224": "2025-03-04",
        "CVE-2025-22225": "2025-03-04",
        "CVE-2025-22226": "2025-03-04",
    },
}
# The vendor's CVSS v3.1 vectors, from the same CVE records.
VENDOR_VECTORS = {
    "CVE-2021-21974": "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVE-2024-37085": "CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H",
    "CVE-2024-38812": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVE-2024-38813": "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVE-2025-22224": "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
    "CVE-2025-22225": "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H",
    "CVE-2025-22226": "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N",
}
# CVEs cited without an advisory of the library's vendor, with their CVE record's CNA.
OTHER_CVES = {"CVE-2018-3646": "intel (L1 Terminal Fault, VMM)"}
# NIST SP 800-125A Rev. 1 baseline functions and SP 800-125B configuration areas.
HY_BF = {"HY-BF1", "HY-BF2", "HY-BF3", "HY-BF4", "HY-BF5"}
SP_800_125B_AREAS = {
    "Network segmentation",
    "Network path redundancy",
    "Firewall deployment architecture",
    "VM traffic monitoring",
}


@pytest.fixture(autouse=True)
def _no_library_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(librarian.ENV_VAR, raising=False)


@pytest.fixture
def library_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the shipped library once for a test that creates a finding from every template."""
    shipped = librarian.load_library()

    def load(extra: Any = (), **_: Any) -> librarian.Library:
        assert not extra
        return shipped

    monkeypatch.setattr(librarian, "load_library", load)


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def shipped_templates() -> dict[str, dict[str, Any]]:
    """Every shipped template as plain data, read with PyYAML (independent of reviewgen)."""
    found = {}
    for path in sorted(LIBRARY.glob("*.yaml")):
        if path.name != "registry.yaml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found[data["id"]] = data
    return found


TEMPLATES = shipped_templates()


def affected_flags(template: dict[str, Any]) -> list[str]:
    """Affected assets of the example review that suit the template's delta."""
    if template.get("delta") == "carried-over":
        return ["--affected", "pre=web", "--affected", "post=web"]
    return ["--affected", "post=esx01,esx02"]


# ----- library list / show ------------------------------------------------------------


def test_library_list_shows_at_least_40_templates(capsys: Capture) -> None:
    status, out, err = run(capsys, "library", "list")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "CATEGORY", "SEVERITY", "TITLE"]
    rows = [line.split()[0] for line in lines[1:-1]]
    assert len(rows) >= 40
    assert rows == sorted(TEMPLATES)
    assert lines[-1] == f"{len(rows)} templates"
    assert "v3.1 8.4 High, v4.0 9.3 Critical" in next(
        line for line in lines if line.startswith("esxi-lockdown-disabled ")
    )
    assert "high (not CVSS-scored)" in next(
        line for line in lines if line.startswith("no-hypervisor-patch-process ")
    )


def test_library_covers_the_platforms_and_areas_asked_for() -> None:
    platforms = {p for t in TEMPLATES.values() for p in t.get("platforms", [])}
    assert {"esxi", "vcenter", "kvm", "libvirt", "qemu", "proxmox-ve", "hyper-v"} <= platforms
    categories = {t["category"] for t in TEMPLATES.values()}
    assert {"image-store", "migration", "patch-posture"} <= categories
    assert categories == set(librarian.CATEGORY_PREFIXES)
    for platform in ("proxmox-ve", "hyper-v", "kvm"):
        migration = [t for t in TEMPLATES.values() if t["category"] == "migration"]
        assert any(platform in t.get("platforms", []) for t in migration), platform


def test_library_list_by_category(capsys: Capture) -> None:
    status, out, _ = run(capsys, "library", "list", "--category", "migration")
    assert status == 0
    rows = out.splitlines()[1:-1]
    expected = sorted(k for k, t in TEMPLATES.items() if t["category"] == "migration")
    assert [r.split()[0] for r in rows] == expected


def test_library_show_prints_the_template_in_full(capsys: Capture) -> None:
    status, out, _ = run(capsys, "library", "show", "vmotion-encryption-disabled")
    assert status == 0
    source = (LIBRARY / "vmotion-encryption-disabled.yaml").read_text(encoding="utf-8")
    assert out.endswith(source)
    header = out[: -len(source)]
    assert "CVSS v3.1 Base: 8.0 High (CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:N)" in header
    assert "CVSS-B: 5.3 Medium" in header
    assert "frameworks it needs: nist-sp-800-125a-r1, disa-stig-vsphere-8" in header
    assert "finding id prefix: MG" in header


def test_library_show_unknown_template(capsys: Capture) -> None:
    status, out, err = run(capsys, "library", "show", "esxi-lockdown-disable")
    assert status == 2
    assert out == ""
    assert "no library template 'esxi-lockdown-disable'; did you mean esxi-lockdown-disabled" in err


# ----- every template becomes a finding that passes check -------------------------------


@pytest.mark.usefixtures("library_loaded_once")
def test_every_template_passes_check_in_a_copy_of_the_example(
    example_copy: Path, capsys: Capture
) -> None:
    review_yaml = (example_copy / "review.yaml").read_bytes()
    created: dict[str, str] = {}
    for template_id, template in TEMPLATES.items():
        argv = ["new", "finding", str(example_copy), "--from", template_id, "--add-registries"]
        status, out, err = run(capsys, *argv, *affected_flags(template))
        assert (status, err) == (0, ""), template_id
        match = re.match(r"created (\S+) \(([A-Z]+-[0-9]+)\) from library template ", out)
        assert match, out
        created[template_id] = match.group(2)
    # The example declares every registry entry the library cites: nothing was added.
    assert (example_copy / "review.yaml").read_bytes() == review_yaml
    status, out, err = run(capsys, "check", str(example_copy))
    assert err == ""
    assert status == 0
    assert f"({26 + len(TEMPLATES)} findings, 3 observations)" in out
    # Ids continue the example's numbering per category: HV-01..HV-04 exist, so HV-05 is next.
    first = [k for k, t in TEMPLATES.items() if t["category"] == "hypervisor"]
    assert [created[k] for k in first[:2]] == ["HV-05", "HV-06"]
    for template_id, finding_id in created.items():
        data = yaml.safe_load(
            (example_copy / "findings" / f"{finding_id}.yaml").read_text(encoding="utf-8")
        )
        template = TEMPLATES[template_id]
        prefix = librarian.CATEGORY_PREFIXES[template["category"]]
        assert finding_id.startswith(prefix + "-")
        for key in ("title", "category", "description", "recommendation", "cvss"):
            if key == "cvss" and template["cvss"] is not None:
                assert data["cvss"]["scored_scenario"] == template["cvss"]["scored_scenario"]
            else:
                assert data[key] == template[key], (template_id, key)
        assert data.get("references", []) == template.get("references", [])


@pytest.mark.usefixtures("library_loaded_once")
def test_every_template_passes_check_in_a_new_review_with_add_registries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "review", "fresh"]) == 0
    before = (tmp_path / "fresh" / "review.yaml").read_text(encoding="utf-8")
    for template_id, template in TEMPLATES.items():
        flags = (
            ["--affected", "pre=app", "--affected", "post=app"]
            if template.get("delta") == "carried-over"
            else ["--affected", "post=host-1"]
        )
        argv = ["new", "finding", "fresh", "--from", template_id, "--add-registries", *flags]
        status, _, err = run(capsys, *argv)
        assert (status, err) == (0, ""), template_id
    status, out, err = run(capsys, "check", "fresh")
    assert (status, err) == (0, "")
    assert out == f"fresh: ok ({len(TEMPLATES)} findings, 0 observations)\n"
    after = (tmp_path / "fresh" / "review.yaml").read_text(encoding="utf-8")
    # Every line of the original is still there, in order; only entries were added.
    original = before.splitlines()
    kept = iter(after.splitlines())
    assert all(line in kept for line in original)
    review = yaml.safe_load(after)
    registry = yaml.safe_load((LIBRARY / "registry.yaml").read_text(encoding="utf-8"))
    assert {f["id"] for f in review["frameworks"]} == {f["id"] for f in registry["frameworks"]}
    assert {t["id"] for t in review["threat_tags"]} >= {
        t for template in TEMPLATES.values() for t in template.get("threats", [])
    }


def test_missing_registry_entries_are_printed_not_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "review", "fresh"]) == 0
    before = (tmp_path / "fresh" / "review.yaml").read_bytes()
    capsys.readouterr()
    status, out, err = run(
        capsys, "new", "finding", "fresh", "--from", "esxi-openslp-enabled", "--id", "MP-07"
    )
    assert (status, err) == (0, "")
    assert (tmp_path / "fresh" / "review.yaml").read_bytes() == before
    assert "review.yaml lacks registry entries" in out
    printed = out[out.index("frameworks:") :]
    entries = yaml.safe_load(printed)
    assert [f["id"] for f in entries["frameworks"]] == [
        "nist-sp-800-125a-r1",
        "disa-stig-vsphere-8",
        "vendor-advisory",
    ]
    assert [t["id"] for t in entries["threat_tags"]] == ["management-compromise"]
    status, out, _ = run(capsys, "check", "fresh")
    assert status == 1


def test_add_registries_into_an_empty_flow_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "review", "fresh"]) == 0
    review = tmp_path / "fresh" / "review.yaml"
    text = review.read_text(encoding="utf-8")
    start = text.index("threat_tags:\n")
    end = text.index("clusters:\n")
    review.write_text(text[:start] + "threat_tags: []   # none yet\n" + text[end:], "utf-8")
    status, _, err = run(
        capsys, "new", "finding", "fresh", "--from", "kvm-ksm-cross-vm", "--add-registries"
    )
    assert (status, err) == (0, "")
    data = yaml.safe_load(review.read_text(encoding="utf-8"))
    assert [t["id"] for t in data["threat_tags"]] == ["side-channel"]
    assert run(capsys, "check", "fresh")[0] == 0


def test_a_framework_edition_other_than_the_librarys_is_noted(
    example_copy: Path, capsys: Capture
) -> None:
    review = example_copy / "review.yaml"
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace('version: "V2R3"', 'version: "V1R1"', 1), "utf-8")
    status, out, _ = run(
        capsys, "new", "finding", str(example_copy), "--from", "vcenter-no-mfa", "--id", "MP-30"
    )
    assert status == 0
    assert "review.yaml cites disa-stig-vsphere-8 version V1R1" in out
    assert "read from version V2R3" in out


# ----- ids, affected assets, never overwriting ------------------------------------------


def test_new_finding_from_template_never_overwrites(example_copy: Path, capsys: Capture) -> None:
    argv = ["new", "finding", str(example_copy), "--from", "esxi-lockdown-disabled"]
    assert run(capsys, *argv, "--id", "MP-40")[0] == 0
    target = example_copy / "findings" / "MP-40.yaml"
    review = example_copy / "review.yaml"
    before = target.read_bytes(), review.read_bytes()
    # An existing file named by --id, and an existing finding file: nothing changes.
    status, out, err = run(capsys, *argv, "--id", "MP-40", "--add-registries")
    assert status == 1
    assert out == ""
    assert "MP-40.yaml already exists; nothing was overwritten" in err
    status, _, err = run(capsys, *argv, "--id", "MP-01")
    assert status == 1
    assert "MP-01.yaml already exists; nothing was overwritten" in err
    assert (target.read_bytes(), review.read_bytes()) == before
    # Without --id, the next free id: MP-01..MP-07 and MP-40 are taken.
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "(MP-41)" in out
    assert target.read_bytes() == before[0]


def test_next_id_skips_ids_declared_in_other_files(example_copy: Path, capsys: Capture) -> None:
    moved = example_copy / "findings" / "renamed.yaml"
    (example_copy / "findings" / "MG-02.yaml").rename(moved)
    status, out, _ = run(
        capsys, "new", "finding", str(example_copy), "--from", "vmotion-not-isolated"
    )
    assert status == 0
    assert "(MG-03)" in out  # MG-02 lives on in renamed.yaml


def test_explicit_id_already_declared_elsewhere_is_refused(
    example_copy: Path, capsys: Capture
) -> None:
    (example_copy / "findings" / "MG-02.yaml").rename(example_copy / "findings" / "other.yaml")
    status, _, err = run(
        capsys,
        "new",
        "finding",
        str(example_copy),
        "--from",
        "vmotion-not-isolated",
        "--id",
        "MG-02",
    )
    assert status == 2
    assert "finding id MG-02 is already used" in err


def test_non_tty_without_flags_leaves_affected_empty(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status, out, _ = run(
        capsys, "new", "finding", str(example_copy), "--from", "long-lived-snapshots"
    )
    assert status == 0
    assert "affected: left empty" in out
    data = yaml.safe_load((example_copy / "findings" / "LC-03.yaml").read_text("utf-8"))
    assert data["affected"] == {"pre": [], "post": []}
    assert run(capsys, "check", str(example_copy))[0] == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_tty_prompts_for_the_affected_assets_per_state(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    # The first answer names an asset that is not placed in 'post'; the prompt asks again.
    monkeypatch.setattr("sys.stdin", _Terminal("nosuch\nesx01, esx02\n"))
    status, out, _ = run(
        capsys, "new", "finding", str(example_copy), "--from", "esxi-ssh-shell-enabled"
    )
    assert status == 0
    assert "pre: none (a 'new' finding affects nothing in the baseline state)" in out
    assert "Assets in post: web (Public web site), " in out
    assert "'nosuch' is not an asset of state 'post'" in out
    assert "affected: pre: none; post: esx01, esx02" in out
    data = yaml.safe_load((example_copy / "findings" / "MP-08.yaml").read_text("utf-8"))
    assert data["affected"] == {"pre": [], "post": ["esx01", "esx02"]}


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("post", "write STATE=ASSET,ASSET"),
        ("later=esx01", "unknown state 'later'"),
        ("post=esx09", "'esx09' is not an asset of state 'post'; did you mean 'esx02'?"),
        ("pre=esx01", "'esx01' has no placement in state 'pre'"),
    ],
)
def test_bad_affected_flags(example_copy: Path, capsys: Capture, flag: str, message: str) -> None:
    argv = ["new", "finding", str(example_copy), "--from", "esxi-lockdown-disabled"]
    status, _, err = run(capsys, *argv, "--affected", flag)
    assert status == 2
    assert message in err
    assert not (example_copy / "findings" / "MP-08.yaml").exists()


def test_generated_finding_carries_the_check_advice_as_comments(
    example_copy: Path, capsys: Capture
) -> None:
    argv = ["new", "finding", str(example_copy), "--from", "libvirt-tcp-unauthenticated"]
    assert run(capsys, *argv, "--id", "MP-20", "--title", "libvirt TCP open on kvm01")[0] == 0
    text = (example_copy / "findings" / "MP-20.yaml").read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../../reviewgen/schemas/")
    assert "library template 'libvirt-tcp-unauthenticated'" in text
    assert "# How to check (from the library template):" in text
    assert "# roadmap: the remediation phase (one of: now, next, later)" in text
    data = yaml.safe_load(text)
    assert data["title"] == "libvirt TCP open on kvm01"
    assert "platforms" not in data
    # The template's check becomes the finding's verification of the fix.
    assert "ss -ltnp | grep 16509" in data["verify"]


# ----- a reviewer's own library -----------------------------------------------------------


OWN_REGISTRY = """\
categories:
  - {id: physical-security, title: "Physical security"}
frameworks:
  - {id: house-policy, title: "Our security policy", version: "2026"}
"""

OWN_TEMPLATE = """\
id: server-room-unlocked
title: "Server room door left unlocked"
category: physical-security
platforms: [any]
cvss:
  v3_1: {vector: "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 7.6}
  scored_scenario: "A visitor walks into the server room and takes a host's disks."
description: "The door was open during two of three visits."
recommendation: "Lock it."
references:
  - {framework: house-policy, id: "PS-4"}
"""


def own_library(tmp_path: Path) -> Path:
    folder = tmp_path / "my-library"
    folder.mkdir()
    (folder / "registry.yaml").write_text(OWN_REGISTRY, "utf-8")
    (folder / "room.yaml").write_text(OWN_TEMPLATE, "utf-8")
    replaced = (LIBRARY / "esxi-lockdown-disabled.yaml").read_text("utf-8")
    replaced = replaced.replace(
        'title: "ESXi lockdown mode disabled: hosts accept direct logins that bypass vCenter"',
        'title: "Lockdown mode off (our wording)"',
    )
    (folder / "lockdown.yaml").write_text(replaced, "utf-8")
    return folder


@pytest.mark.parametrize("how", ["option", "environment"])
def test_own_library_replaces_and_extends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture, how: str
) -> None:
    folder = own_library(tmp_path)
    extra: list[str] = []
    if how == "option":
        extra = ["--library", str(folder)]
    else:
        monkeypatch.setenv(librarian.ENV_VAR, str(folder))
    status, out, err = run(capsys, "library", "list", *extra)
    assert (status, err) == (0, "")
    rows = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert len(rows) == len(TEMPLATES) + 1
    assert "Lockdown mode off (our wording)" in rows["esxi-lockdown-disabled"]
    assert "physical-security" in rows["server-room-unlocked"]
    assert "1 shipped replaced" in out.splitlines()[-1]
    status, out, _ = run(capsys, "library", "show", "esxi-lockdown-disabled", *extra)
    assert "# replaces reviewgen/library/esxi-lockdown-disabled.yaml" in out


def test_own_template_becomes_a_finding_that_passes_check(
    tmp_path: Path, example_copy: Path, capsys: Capture
) -> None:
    folder = own_library(tmp_path)
    argv = ["new", "finding", str(example_copy), "--from", "server-room-unlocked"]
    status, out, err = run(capsys, *argv, "--library", str(folder), "--add-registries")
    assert (status, err) == (0, "")
    assert "(PS-01)" in out
    review = yaml.safe_load((example_copy / "review.yaml").read_text("utf-8"))
    assert review["categories"][-1]["id"] == "physical-security"
    assert review["frameworks"][-1] == {
        "id": "house-policy",
        "title": "Our security policy",
        "version": "2026",
    }
    assert run(capsys, "check", str(example_copy))[0] == 0


BROKEN = {
    "misspelt-key.yaml": (
        OWN_TEMPLATE.replace("title:", "titel:"),
        "misspelt-key.yaml:2:1: unknown key 'titel'; did you mean 'title'?\n",
    ),
    "bad-score.yaml": (
        OWN_TEMPLATE.replace("score: 7.6", "score: 9.9"),
        "bad-score.yaml:6:73: stated score 9.9 disagrees with the computed base score 7.6",
    ),
    "bad-vector.yaml": (
        OWN_TEMPLATE.replace("AV:P", "AV:Q"),
        "bad-vector.yaml:6:18: CVSS 3.1 metric AV (Attack Vector) cannot be 'Q'",
    ),
    "unknown-framework.yaml": (
        OWN_TEMPLATE.replace("framework: house-policy", "framework: house-polic"),
        "unknown-framework.yaml:11:17: unknown framework 'house-polic'; did you mean "
        "'house-policy'?",
    ),
    "syntax.yaml": (
        OWN_TEMPLATE.replace("platforms: [any]", "platforms: [any"),
        "syntax.yaml:5:5: YAML syntax error: did not find expected ',' or ']'",
    ),
    "duplicate-key.yaml": (
        OWN_TEMPLATE + "recommendation: again\n",
        "duplicate-key.yaml:12:1: duplicate key 'recommendation' (first defined at line 9)",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_malformed_template_gives_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture, name: str
) -> None:
    folder = own_library(tmp_path)
    (folder / "room.yaml").unlink()
    text, expected = BROKEN[name]
    (folder / name).write_text(text, "utf-8")
    monkeypatch.chdir(folder)
    status, out, err = run(capsys, "library", "list", "--library", ".")
    assert status == 1
    assert out == ""
    assert "Traceback" not in err
    assert expected in err, err
    assert all(re.match(r"^\S+:\d+:\d+: ", line) for line in err.splitlines()[:-1]), err
    assert err.rstrip().endswith("found")


def test_duplicate_ids_in_one_folder_are_an_error(tmp_path: Path, capsys: Capture) -> None:
    folder = own_library(tmp_path)
    shutil.copy(folder / "room.yaml", folder / "room-again.yaml")
    status, _, err = run(capsys, "library", "list", "--library", str(folder))
    assert status == 1
    assert "duplicate template id 'server-room-unlocked'" in err


def test_missing_library_folder_is_an_error(tmp_path: Path, capsys: Capture) -> None:
    status, _, err = run(capsys, "library", "list", "--library", str(tmp_path / "nope"))
    assert status == 1
    assert "no such library folder" in err


# ----- the ids are real ---------------------------------------------------------------------


def stig_index() -> dict[str, str]:
    pairs = {}
    for line in STIG_INDEX.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            stig_id, vuln_id, rule_id, severity = line.split()
            assert rule_id.startswith(f"S{vuln_id}r") and severity in ("low", "medium", "high")
            pairs[stig_id] = vuln_id
    return pairs


def references(framework: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (template_id, ref)
        for template_id, template in TEMPLATES.items()
        for ref in template.get("references", [])
        if ref["framework"] == framework
    ]


def test_stig_index_names_its_source() -> None:
    header = STIG_INDEX.read_text("utf-8").split("\nESXI-", 1)[0]
    assert "github.com/vmware/dod-compliance-and-automation" in header
    assert re.search(r"repository commit [0-9a-f]{40}", header)
    assert "vsphere/8.0/v2r3-stig/" in header
    assert "Version 2 Release 3" in header
    index = stig_index()
    assert len(index) == 168  # every ESXi, VM and vCenter rule of V2R3
    assert index["ESXI-80-000008"] == "V-258730"


def test_every_stig_reference_is_a_real_pair() -> None:
    index = stig_index()
    cited = references("disa-stig-vsphere-8")
    assert len(cited) >= 60
    for template_id, ref in cited:
        assert re.fullmatch(r"(ESXI|VCSA|VMCH)-80-[0-9]{6}", ref["id"]), (template_id, ref)
        assert re.fullmatch(r"V-[0-9]{6}", ref.get("vuln_id", "")), (template_id, ref)
        assert index.get(ref["id"]) == ref["vuln_id"], (template_id, ref)


def test_a_made_up_stig_id_would_fail() -> None:
    index = stig_index()
    assert index.get("ESXI-80-000999") is None
    assert index.get("ESXI-80-000008") != "V-258731"


def test_other_references_come_from_the_verified_lists() -> None:
    for template_id, ref in references("cis-esxi-8"):
        assert ref["id"] in CIS_ESXI_8_V120, (template_id, ref)
    for template_id, ref in references("nist-sp-800-125a-r1"):
        assert ref["id"] in HY_BF, (template_id, ref)
    for template_id, ref in references("nist-sp-800-125b"):
        assert ref["id"] in SP_800_125B_AREAS, (template_id, ref)
    for template_id, ref in references("vendor-advisory"):
        assert ref["id"] in ADVISORIES, (template_id, ref)
    frameworks = {ref["framework"] for t in TEMPLATES.values() for ref in t.get("references", [])}
    assert frameworks == {
        "nist-sp-800-125a-r1",
        "nist-sp-800-125b",
        "disa-stig-vsphere-8",
        "cis-esxi-8",
        "vendor-advisory",
    }
    text = "".join(p.read_text("utf-8") for p in LIBRARY.glob("*.yaml"))
    assert "HY-SR" not in text.replace("HY-SR recommendations", "")


def test_cves_and_kev_flags_match_their_advisories() -> None:
    cve_advisory = {cve: a for a, cves in ADVISORIES.items() for cve in cves}
    for template_id, template in TEMPLATES.items():
        cves = [c["id"] for c in template.get("cves", [])]
        advisories = {
            r["id"] for r in template.get("references", []) if r["framework"] == "vendor-advisory"
        }
        for cve in template.get("cves", []):
            assert cve["id"] in cve_advisory or cve["id"] in OTHER_CVES, (template_id, cve)
            if cve["id"] in cve_advisory:
                assert cve_advisory[cve["id"]] in advisories, (template_id, cve)
            if "vendor_cvss" in cve:
                assert cve["vendor_cvss"] == VENDOR_VECTORS[cve["id"]], (template_id, cve)
        kev = template.get("known_exploited", {})
        dates = {ADVISORIES[cve_advisory[c]][c] for c in cves if c in cve_advisory}
        if kev.get("cisa_kev"):
            assert str(kev["date_added"]) == min(d for d in dates if d), template_id
        else:
            assert not any(dates), template_id
    # Every mention of a CVE or VMSA id anywhere in the library is one of the verified ones.
    text = "".join(p.read_text("utf-8") for p in LIBRARY.glob("*.yaml"))
    known = set(cve_advisory) | set(OTHER_CVES) | {"CVE-2015-3456"}  # VENOM, a QEMU CVE
    assert set(re.findall(r"CVE-[0-9]{4}-[0-9]+", text)) <= known
    assert set(re.findall(r"VMSA-[0-9]{4}-[0-9]{4}", text)) <= set(ADVISORIES)


def test_every_template_states_its_scores_and_scenario() -> None:
    for template_id, template in TEMPLATES.items():
        cvss = template["cvss"]
        if cvss is None:
            assert template["severity"] and template["severity_rationale"], template_id
            continue
        assert cvss["scored_scenario"], template_id
        for key in ("v3_1", "v4_0"):
            if key in cvss:
                assert isinstance(cvss[key]["score"], float), (template_id, key)


def test_library_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert "library/*.yaml" in pyproject["tool"]["setuptools"]["package-data"]["reviewgen"]
    assert librarian.SHIPPED == LIBRARY


def test_template_keys_are_finding_keys_or_template_only() -> None:
    from reviewgen.model import Finding

    assert set(librarian.Template.model_fields) - set(Finding.model_fields) == {
        "prefix",
        "platforms",
    }
