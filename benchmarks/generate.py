"""Write a synthetic but valid review folder of any size, for benchmarks.

`generate(root, findings=N, assets=M, seed=S)` writes `root/review.yaml` and
`root/findings/*.yaml`: N findings over M assets, two states (pre: physical servers,
post: VMs on clusters of hypervisor hosts managed by vCenter-like managers, with disks
on storage servers), groups of services, explicit dominance edges, three entry points
and attack steps that form a connected control graph. Text is of realistic size
(paragraphs of Markdown, ~10 lines of evidence, 3-8 references); CVSS v3.1 and v4.0
vectors are random but valid and stated without scores, so the loader computes them.
The output depends only on the arguments: the same seed gives the same bytes.

YAML is written by hand (double-quoted JSON strings for scalars, literal blocks for
Markdown and evidence), which is much faster than PyYAML's pure-Python emitter.

    python -m benchmarks.generate OUT --findings 1000 --assets 400 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATES = ("pre", "post")
ENTRY_POINTS = (
    ("internet", "Internet", "Unauthenticated attacker on the Internet"),
    ("vpn-user", "VPN user", "Authenticated remote staff member (or stolen VPN credentials)"),
    ("helpdesk-user", "Helpdesk account", "Any of the helpdesk accounts (password only)"),
)
ROADMAP = (
    ("now", "Now (within 30 days)"),
    ("next", "Next (within 90 days)"),
    ("later", "Later (within a year)"),
)
# category id, title, finding-id prefix, weight
CATEGORIES = (
    ("hypervisor", "Hypervisor and host platform", "HV", 10),
    ("management-plane", "Management plane", "MP", 12),
    ("image-store", "Image store and data at rest", "IS", 8),
    ("migration", "Live migration", "MG", 5),
    ("virtual-network", "Virtual networking", "VN", 8),
    ("vm-lifecycle", "VM lifecycle", "LC", 7),
    ("patch-posture", "Patch posture", "PP", 15),
    ("guest", "Guest systems", "GU", 35),
)
INFRA_CATEGORIES = {"hypervisor", "image-store", "migration", "virtual-network"}
THREATS = (
    ("vm-escape", "Code in a guest gains execution in the hypervisor or its device model"),
    ("side-channel", "Cross-VM leakage through shared microarchitecture"),
    ("management-compromise", "Takeover of the management plane"),
    ("credential-exposure", "Credentials readable in transit or at rest"),
    ("image-theft", "Copying whole-VM state to attack it offline"),
    ("image-tampering", "Modifying images or templates so guests boot compromised"),
    ("migration-snooping", "Observing VM state in transit between hosts"),
    ("traffic-interception", "Sniffing or spoofing on virtual switches"),
    ("segmentation-bypass", "VLAN hopping through trunks"),
    ("sprawl-dormant", "Unmanaged, forgotten or dormant VMs and clones"),
    ("rollback", "Reverting to snapshots reintroduces fixed vulnerabilities"),
    ("persistence", "Attacker survives in the hypervisor layer"),
    ("resource-contention", "Availability loss from shared resources"),
    ("detection-gap", "Hypervisor-layer activity not logged"),
    ("carried-over", "Guest-level weakness moved unchanged into a VM"),
)
FRAMEWORKS = (
    ("nist-sp-800-125", "NIST SP 800-125, Guide to Security for Full Virtualization", "SEC"),
    ("nist-sp-800-125a-r1", "NIST SP 800-125A Rev. 1, Server-based Hypervisor Platforms", "HY-BF"),
    ("nist-sp-800-125b", "NIST SP 800-125B, Secure Virtual Network Configuration", "VN-R"),
    ("disa-stig-vsphere-8", "DISA VMware vSphere 8.0 STIG", "ESXI-80-"),
    ("cis-esxi-8", "CIS VMware ESXi 8.0 Benchmark", ""),
    ("csa-virtualization-2015", "CSA, Mitigating Risks in Virtualized Environments", "risk-"),
    ("vendor-advisory", "Vendor security advisory", "VMSA-"),
)
SERVICE_ROLES = (
    ("web", "Web site", "Nginx and PHP application server"),
    ("app", "Application server", "Line-of-business Java application"),
    ("db", "Database server", "PostgreSQL cluster member"),
    ("files", "File server", "Departmental SMB shares"),
    ("mail", "Mail relay", "Postfix SMTP relay"),
    ("dns", "DNS server", "Recursive and authoritative DNS"),
    ("ci", "Build server", "Continuous integration runner"),
    ("git", "Source control", "Git hosting"),
    ("wiki", "Intranet wiki", "Internal documentation"),
    ("mon", "Monitoring", "Metrics and alerting"),
    ("log", "Log collector", "Central syslog and search"),
    ("crm", "CRM", "Customer relationship management"),
    ("erp", "ERP", "Finance and purchasing"),
    ("proxy", "Reverse proxy", "TLS termination and load balancing"),
    ("print", "Print server", "CUPS print spooler"),
)
OS_NAMES = ("Debian 12", "Debian 11", "Ubuntu 22.04 LTS", "RHEL 9", "Windows Server 2022")
LEVELS = ("low", "medium", "high")
DATA_CLASSES = ("public", "internal", "confidential", "restricted")
PRODUCTS = (
    "ESXi 8.0 Update 2b",
    "vCenter Server 8.0 Update 2",
    "OpenSSH 9.2p1",
    "PostgreSQL 13.4",
    "Samba 4.17",
    "Jenkins 2.401",
    "nginx 1.22",
    "the iDRAC 9 firmware",
    "the NFS server",
    "the distributed switch",
)
V3 = (
    ("AV", "NALP"),
    ("AC", "LH"),
    ("PR", "NLH"),
    ("UI", "NR"),
    ("S", "UC"),
    ("C", "HLN"),
    ("I", "HLN"),
    ("A", "HLN"),
)
V4 = (
    ("AV", "NALP"),
    ("AC", "LH"),
    ("AT", "NP"),
    ("PR", "NLH"),
    ("UI", "NPA"),
    ("VC", "HLN"),
    ("VI", "HLN"),
    ("VA", "HLN"),
    ("SC", "HLN"),
    ("SI", "HLN"),
    ("SA", "HLN"),
)

SENTENCES = (
    "On {asset}, {what} runs {product}, which the vendor no longer supports.",
    "Configuration review on {date} showed that {what} is reachable from {network}.",
    "An attacker with a foothold on {asset} can use {what} to reach {target}.",
    "The setting was introduced during the {project} project and never revisited.",
    "{count} of the {total} systems in scope share the same {secret} for {what}.",
    "Interviews confirmed that the team was aware of the issue but had no owner for it.",
    "The weakness was first reported in the {year} baseline and is unchanged.",
    "Because {asset} now runs on cluster {cluster}, its exposure follows the cluster.",
    "Logs of {what} are kept only on {asset} itself and rotate after {count} days.",
    "The vendor hardening guide recommends disabling {what} unless it is needed.",
    "Change records show {count} exceptions granted for {what} since {year}.",
    "No monitoring alert fires when {what} is used from an unexpected address.",
    "The `{setting}` option is set to `{value}` on {count} of {total} systems.",
    "Exploitation requires only network access to {network} and no user interaction.",
    "A compromise of {asset} would expose **{data}** data held by {target}.",
    "Backups of {asset} are taken through {what} with a shared service account.",
    "The same pattern appears on every system built from the {template} template.",
    "Remediation depends on a maintenance window agreed with the owners of {target}.",
)
RECOMMENDATIONS = (
    "Apply the vendor's fixed release of {product} to {asset} and verify the build afterwards.",
    "Restrict {what} to the management network {network} with a host firewall rule.",
    "Replace the shared {secret} with unique per-system credentials held in the vault.",
    "Disable {what} where it is not needed and document every remaining exception.",
    "Forward the logs of {what} to the central collector and alert on unexpected use.",
    "Rebuild the {template} template with the hardened baseline and redeploy from it.",
    "Set `{setting}` to a safe value through configuration management, not by hand.",
    "Review the membership of the groups that administer {asset} every quarter.",
)
WHATS = (
    "the SSH service",
    "the management interface",
    "the NFS export",
    "the vMotion network",
    "the out-of-band controller",
    "the backup agent",
    "the guest tools",
    "the snapshot schedule",
    "the template library",
    "the trunk port group",
    "the web console",
    "the directory bind account",
)
SETTINGS = (
    ("Config.HostAgent.log.level", "verbose"),
    ("Net.BlockGuestBPDU", "0"),
    ("UserVars.ESXiShellTimeOut", "0"),
    ("Security.AccountLockFailures", "0"),
    ("PermitRootLogin", "yes"),
    ("isolation.tools.copy.disable", "false"),
    ("Mem.ShareForceSalting", "0"),
    ("sec_flavor", "sys"),
)
NETWORKS = (
    ("net-dmz", "DMZ", 10, "192.0.2.0/25"),
    ("net-server", "Internal servers", 20, "10.20.0.0/16"),
    ("net-mgmt", "Management", 30, "10.30.0.0/24"),
    ("net-vmotion", "vMotion", 40, "10.40.0.0/24"),
    ("net-storage", "Storage", 50, "10.50.0.0/24"),
    ("net-office", "Office LAN", 100, "10.100.0.0/16"),
    ("net-vpn", "VPN client pool", None, "10.110.0.0/24"),
)
WORDS = (
    "review",
    "cluster",
    "host",
    "guest",
    "template",
    "snapshot",
    "policy",
    "account",
    "network",
    "backup",
    "export",
    "service",
    "interface",
    "controller",
    "firmware",
)


# ----- YAML writing -----------------------------------------------------------------


def q(value: object) -> str:
    """A scalar as YAML: JSON's double-quoted strings are valid YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))


def flow(items: list[Any]) -> str:
    return "[" + ", ".join(q(i) for i in items) + "]"


def block(key: str, text: str, indent: int = 0) -> str:
    """`key: |-` and the text indented below it (literal: line breaks are kept)."""
    pad = " " * (indent + 2)
    body = "\n".join(pad + line if line else "" for line in text.split("\n"))
    return f"{' ' * indent}{key}: |-\n{body}\n"


def wrap(text: str, width: int = 96) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


# ----- the estate -------------------------------------------------------------------


@dataclass
class Estate:
    assets: list[dict[str, Any]] = field(default_factory=list)
    present: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in STATES})
    services: list[str] = field(default_factory=list)
    both: list[str] = field(default_factory=list)
    """Services present in both states."""
    pre_only: list[str] = field(default_factory=list)
    post_only: list[str] = field(default_factory=list)
    dmz: list[str] = field(default_factory=list)
    internal_post: list[str] = field(default_factory=list)
    """Internal (non-DMZ) services present in post."""
    clusters: list[dict[str, Any]] = field(default_factory=list)
    datastores: list[dict[str, Any]] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)
    storage: list[str] = field(default_factory=list)
    switches: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    guests_of: dict[str, list[str]] = field(default_factory=dict)
    """Cluster id -> services running on it in post."""
    directory: str = ""
    backup: str = ""
    vpn: str = ""


def _layout(assets: int) -> tuple[int, int, int, int]:
    clusters = max(1, round(assets / 200))
    managers = max(1, clusters // 4)
    storage = max(1, (clusters + 1) // 2)
    switches = max(1, clusters // 3)
    return clusters, managers, storage, switches


def build_estate(rng: random.Random, total: int) -> Estate:
    est = Estate()
    n_clusters, n_managers, n_storage, n_switches = _layout(total)
    hosts_per = [rng.randint(4, 8) for _ in range(n_clusters)]
    infra = sum(hosts_per) + n_managers + n_storage + n_switches
    n_services = total - infra
    if n_services < 10:
        raise ValueError(f"{total} assets leave too few services; use 50 or more")

    def add(asset: dict[str, Any]) -> None:
        est.assets.append(asset)
        for state in asset["placement"]:
            est.present[state].add(asset["id"])

    for m in range(n_managers):
        est.managers.append(f"vcsa{m + 1:02d}")
    for s in range(n_storage):
        est.storage.append(f"nfs{s + 1:02d}")
        est.datastores.append(
            {"id": f"ds-vm-{s + 1:02d}", "name": f"VM disks {s + 1}", "served_by": est.storage[-1]}
        )
        est.datastores.append(
            {
                "id": f"ds-templates-{s + 1:02d}",
                "name": f"Templates and backups {s + 1}",
                "served_by": est.storage[-1],
            }
        )
    for c in range(n_clusters):
        cid = f"prod-cl{c + 1:02d}"
        hosts = [f"esx{c + 1:02d}-{h + 1:02d}" for h in range(hosts_per[c])]
        est.hosts += hosts
        est.clusters.append(
            {
                "id": cid,
                "name": f"Production cluster {c + 1}",
                "hosts": hosts,
                "managed_by": est.managers[c % n_managers],
                "migration_network": "net-vmotion" if c % 2 else "net-mgmt",
            }
        )
        est.guests_of[cid] = []

    def vm(cluster_index: int) -> dict[str, Any]:
        store = est.datastores[2 * (cluster_index % n_storage)]["id"]
        return {"platform": "vm", "cluster": est.clusters[cluster_index]["id"], "datastore": store}

    # Services: a few fixed roles first, then a mix.
    for i in range(n_services):
        if i == 0:
            role, sid = ("ldap", "Directory", "OpenLDAP: logins and sudo rules"), "ldap-01"
            est.directory = sid
        elif i == 1:
            role, sid = ("backup", "Backup server", "Image-level backups of every VM"), "backup-01"
            est.backup = sid
        elif i == 2:
            role, sid = ("vpn", "Remote-access VPN", "Staff remote access"), "vpn-01"
            est.vpn = sid
        else:
            role = SERVICE_ROLES[rng.randrange(len(SERVICE_ROLES))]
            sid = f"{role[0]}-{i:04d}"
        zone = "net-dmz" if i == 2 or (i > 2 and rng.random() < 0.12) else "net-server"
        cluster_index = rng.randrange(n_clusters)
        roll = rng.random() if i > 2 else 0.5
        states = ("pre",) if roll < 0.05 else ("post",) if roll > 0.95 else STATES
        placement: dict[str, Any] = {}
        if "pre" in states:
            placement["pre"] = {
                "platform": "physical",
                "hardware": rng.choice(("Dell PowerEdge R630", "HPE DL360 Gen9", "Dell R730")),
                "bmc": True,
            }
        if "post" in states:
            placement["post"] = {
                **vm(cluster_index),
                "port_groups": ["pg-dmz" if zone == "net-dmz" else "pg-internal"],
            }
            est.guests_of[est.clusters[cluster_index]["id"]].append(sid)
        jewel = i in (0, 1) or (i > 2 and rng.random() < 0.03)
        level = "high" if jewel else None
        add(
            {
                "id": sid,
                "name": f"{role[1]} {i}",
                "kind": "service",
                "role": role[2],
                "zone": zone,
                "os": rng.choice(OS_NAMES),
                "data_classification": "restricted" if jewel else rng.choice(DATA_CLASSES),
                "requirements": {
                    "confidentiality": level or rng.choice(LEVELS),
                    "integrity": level or rng.choice(LEVELS),
                    "availability": level or rng.choice(LEVELS),
                },
                "crown_jewel": jewel,
                "placement": placement,
            }
        )
        est.services.append(sid)
        if states == ("pre",):
            est.pre_only.append(sid)
        elif states == ("post",):
            est.post_only.append(sid)
        else:
            est.both.append(sid)
        if zone == "net-dmz":
            est.dmz.append(sid)

    for cluster in est.clusters:
        for host in cluster["hosts"]:
            add(
                {
                    "id": host,
                    "name": f"ESXi host {host}",
                    "kind": "hypervisor-host",
                    "role": f"Member of {cluster['id']}",
                    "zone": "net-mgmt",
                    "os": "VMware ESXi 8.0 Update 2b",
                    "hardware": "Dell PowerEdge R740, 2 x Intel Xeon Gold 6140, 768 GB RAM",
                    "data_classification": "restricted",
                    "requirements": {"confidentiality": "high", "integrity": "high"},
                    "placement": {"post": {"platform": "physical", "bmc": True}},
                }
            )
    for m, manager in enumerate(est.managers):
        add(
            {
                "id": manager,
                "name": f"vCenter Server {m + 1}",
                "kind": "management",
                "role": "vCenter Server Appliance; runs as a VM on a cluster it manages",
                "zone": "net-mgmt",
                "os": "VMware vCenter Server 8.0 Update 2b",
                "data_classification": "restricted",
                "placement": {"post": {**vm(m % n_clusters), "port_groups": ["pg-mgmt"]}},
            }
        )
    for storage in est.storage:
        add(
            {
                "id": storage,
                "name": f"NFS storage server {storage}",
                "kind": "storage",
                "role": "NFSv3 server exporting VM disks, templates and backups",
                "zone": "net-storage",
                "os": "Debian 12 with ZFS",
                "placement": {"post": {"platform": "physical", "bmc": True}},
            }
        )
    for s in range(n_switches):
        est.switches.append(f"pg-trunk-{s + 1:02d}")
        add(
            {
                "id": est.switches[-1],
                "name": f"Trunk port group {s + 1}",
                "kind": "network",
                "role": "Distributed port group with VLAN trunking 0-4094",
                "placement": {"post": {"platform": "virtual-switch"}},
            }
        )
    assert len(est.assets) == total, (len(est.assets), total)

    dmz = set(est.dmz)
    internal = [s for s in est.services if s not in dmz]
    est.internal_post = [s for s in est.both + est.post_only if s not in dmz]
    est.groups = {
        "services": list(est.services),
        "dmz-services": list(est.dmz),
        "internal-services": internal,
        "linux-logins-via-ldap": [
            s for s in est.services if s != est.directory and rng.random() < 0.9
        ],
        "mgmt-homed-services": [s for s in internal if rng.random() < 0.05] or internal[:1],
    }
    for cluster in est.clusters:
        guests = est.guests_of[cluster["id"]]
        if guests:
            est.groups[f"guests-{cluster['id']}"] = guests
    return est


def review_yaml(rng: random.Random, est: Estate, findings: int) -> str:
    out: list[str] = [
        "# yaml-language-server: $schema=../../reviewgen/schemas/review.schema.json\n",
        "# Synthetic review written by benchmarks/generate.py: fictional from end to end.\n",
        "schema_version: 1\n",
        "review:\n",
        '  id: "VSR-BENCH-001"\n',
        f"  title: {q(f'Synthetic review: {findings} findings over {len(est.assets)} assets')}\n",
        "  organisation:\n",
        '    name: "Example Synthetic Ltd"\n',
        "    fictional: true\n",
        '    notice: "A fictional organisation generated for benchmarks."\n',
        "  reviewers:\n",
        '    - {name: "A. Example", role: "Lead reviewer"}\n',
        '    - {name: "B. Sample", role: "Reviewer"}\n',
        "  period: {start: 2025-04-07, end: 2025-04-18}\n",
        "  report_date: 2025-04-30\n",
        '  version: "1.0"\n',
        '  classification: "Synthetic benchmark data"\n',
        "  publishable: true\n",
        block("background", wrap(paragraph(rng, context(rng, est), 5)), 2),
        "  objectives:\n",
        '    - "Assess the virtualization layer against NIST SP 800-125A and the vSphere STIG."\n',
        '    - "Compare the consolidated estate with the physical baseline."\n',
        '    - "Produce a prioritised remediation roadmap."\n',
        "  scope:\n",
        "    in_scope:\n",
        '      - "Every hypervisor host, manager and storage server"\n',
        '      - "Virtual networking and the service VMs"\n',
        "    out_of_scope:\n",
        '      - "Application penetration testing"\n',
        "  methodology:\n",
        '    - "Configuration review against the DISA STIG and the CIS benchmark"\n',
        '    - "Authenticated vulnerability scanning of hosts and guests"\n',
        "  limitations:\n",
        '    - "Synthetic data: the findings are generated, not observed."\n',
        "  scoring:\n",
        '    primary: "3.1"\n',
        '    secondary: "4.0"\n',
        '    note: "Primary CVSS v3.1 base; secondary CVSS v4.0. Scores are never summed."\n',
        "states:\n",
        '  - {id: pre, title: "Before: physical servers", description: "One per service."}\n',
        '  - {id: post, title: "After: VMs on shared clusters", description: "Consolidated."}\n',
        "roadmap:\n",
    ]
    for pid, title in ROADMAP:
        out.append(f"  - {{id: {pid}, title: {q(title)}, description: {q(title + ' work.')}}}\n")
    out.append("frameworks:\n")
    for fid, title, _ in FRAMEWORKS:
        out.append(
            f"  - {{id: {fid}, title: {q(title)}, url: {q('https://example.org/' + fid)}}}\n"
        )
    out.append("categories:\n")
    for cid, title, _, _ in CATEGORIES:
        out.append(f"  - {{id: {cid}, title: {q(title)}, summary: {q(title + ' risks.')}}}\n")
    out.append("threat_tags:\n")
    for tid, description in THREATS:
        out.append(f"  - {{id: {tid}, description: {q(description)}}}\n")
    out.append("networks:\n")
    for nid, name, vlan, cidr in NETWORKS:
        out.append(f"  - {{id: {nid}, name: {q(name)}, vlan: {q(vlan)}, cidr: {q(cidr)}}}\n")
    out.append("clusters:\n")
    for cluster in est.clusters:
        out.append(f"  - id: {cluster['id']}\n    name: {q(cluster['name'])}\n")
        out.append(f"    hosts: {flow(cluster['hosts'])}\n")
        out.append(f"    managed_by: {cluster['managed_by']}\n")
        out.append(f"    migration_network: {cluster['migration_network']}\n")
    out.append("datastores:\n")
    for store in est.datastores:
        out.append(
            f"  - {{id: {store['id']}, name: {q(store['name'])}, "
            f"served_by: {store['served_by']}}}\n"
        )
    out.append("assets:\n")
    for asset in est.assets:
        out.append(f"  - id: {asset['id']}\n")
        for key in ("name", "kind", "role", "zone", "os", "hardware", "data_classification"):
            if key in asset:
                out.append(f"    {key}: {q(asset[key])}\n")
        if "requirements" in asset:
            req = ", ".join(f"{k}: {v}" for k, v in asset["requirements"].items())
            out.append(f"    requirements: {{{req}}}\n")
        if "crown_jewel" in asset:
            out.append(f"    crown_jewel: {q(asset['crown_jewel'])}\n")
        out.append("    placement:\n")
        for state, place in asset["placement"].items():
            parts = [f"{k}: {flow(v) if isinstance(v, list) else q(v)}" for k, v in place.items()]
            out.append(f"      {state}: {{{', '.join(parts)}}}\n")
    out.append("groups:\n")
    for name, members in est.groups.items():
        out.append(f"  {name}:\n")
        out.extend(f"    - {m}\n" for m in members)
    out.append("entry_points:\n")
    for eid, title, description in ENTRY_POINTS:
        out.append(f"  - {{id: {eid}, title: {q(title)}, description: {q(description)}}}\n")
    out.append("dominance:\n")
    for edge in dominance(rng, est):
        to = edge["to"]
        out.append(f"  - from: {edge['from']}\n")
        out.append(f"    to: {flow(to) if isinstance(to, list) else q(to)}\n")
        out.append(f"    grants: {flow(edge['grants'])}\n")
        out.append(f"    via: {q(edge['via'])}\n")
        out.append(f"    states: {flow(edge['states'])}\n")
    out.append("observations:\n")
    for i in range(max(3, findings // 50)):
        category = CATEGORIES[i % len(CATEGORIES)][0]
        ctx = context(rng, est)
        out.append(f"  - id: OB-{i + 1:03d}\n")
        title = f"Positive observation {i + 1}: {ctx['what']} is managed"
        out.append(f"    title: {q(title)}\n")
        out.append(f"    category: {category}\n")
        out.append(f"    delta: {rng.choice(('reduced', 'reduced', 'removed', 'new'))}\n")
        out.append(block("description", wrap(paragraph(rng, ctx, 3)), 4))
    out.append("redaction:\n")
    out.append(f"  hostnames: {flow(est.managers + est.storage)}\n")
    out.append('  replacements: {"Example Synthetic Ltd": "The Client"}\n')
    return "".join(out)


def dominance(rng: random.Random, est: Estate) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = [
        {
            "from": est.directory,
            "to": "group:linux-logins-via-ldap",
            "grants": ["C", "I", "A"],
            "via": "LDAP-backed logins and sudo rules",
            "states": list(STATES),
        },
        {
            "from": est.directory,
            "to": list(est.managers),
            "grants": ["C", "I", "A"],
            "via": "Identity source of the managers; an LDAP group maps to Administrators",
            "states": ["post"],
        },
        {
            "from": est.backup,
            "to": "group:services",
            "grants": ["C", "I"],
            "via": "Backup agent runs as root on every server",
            "states": ["pre"],
        },
        {
            "from": est.backup,
            "to": "group:services",
            "grants": ["C", "I"],
            "via": "Image-level backups through an account that can snapshot every VM",
            "states": ["post"],
        },
    ]
    mon = next((s for s in est.both if s.startswith("mon-")), est.both[3])
    edges.append(
        {
            "from": mon,
            "to": "group:mgmt-homed-services",
            "grants": ["A"],
            "via": "Monitoring agent can restart services",
            "states": list(STATES),
        }
    )
    # Application -> data dependencies between services present in both states.
    candidates = est.both[3:]
    for _ in range(max(5, len(est.services) // 20)):
        source = rng.choice(candidates)
        targets = sorted({rng.choice(candidates) for _ in range(rng.randint(1, 3))} - {source})
        if not targets:
            continue
        grants = rng.choice((["C"], ["C", "I"], ["C", "I", "A"], ["I"], ["A"]))
        edges.append(
            {
                "from": source,
                "to": targets,
                "grants": grants,
                "via": f"{source} holds administrative credentials for {', '.join(targets)}",
                "states": list(STATES),
            }
        )
    return edges


# ----- text ---------------------------------------------------------------------------


def context(rng: random.Random, est: Estate) -> dict[str, Any]:
    setting, value = rng.choice(SETTINGS)
    total = rng.randint(10, 60)
    return {
        "what": rng.choice(WHATS),
        "asset": rng.choice(est.services),
        "target": rng.choice(est.services),
        "product": rng.choice(PRODUCTS),
        "network": rng.choice(NETWORKS)[1],
        "cluster": rng.choice(est.clusters)["id"],
        "date": f"2025-04-{rng.randint(7, 18):02d}",
        "project": rng.choice(("Consolidation 2024", "Datacentre exit", "Refresh 2023")),
        "count": rng.randint(2, total),
        "total": total,
        "secret": rng.choice(("root password", "service account", "SNMP community", "API token")),
        "year": rng.randint(2019, 2024),
        "setting": setting,
        "value": value,
        "data": rng.choice(DATA_CLASSES),
        "template": rng.choice(("debian-12-base", "rhel-9-base", "win2022-core")),
    }


def paragraph(rng: random.Random, ctx: dict[str, Any], sentences: int) -> str:
    return " ".join(s.format(**ctx) for s in rng.sample(SENTENCES, sentences))


def paragraphs(rng: random.Random, ctx: dict[str, Any], low: int, high: int) -> str:
    count = rng.randint(low, high)
    return "\n\n".join(wrap(paragraph(rng, ctx, rng.randint(3, 5))) for _ in range(count))


def recommendation(rng: random.Random, ctx: dict[str, Any]) -> str:
    text = wrap(" ".join(r.format(**ctx) for r in rng.sample(RECOMMENDATIONS, 3)))
    if rng.random() < 0.5:
        items = [r.format(**ctx) for r in rng.sample(RECOMMENDATIONS, rng.randint(2, 4))]
        text += "\n\n" + "\n".join(f"- {item}" for item in items)
    return text


def evidence(rng: random.Random, ctx: dict[str, Any], affected: list[str]) -> str:
    host = affected[0] if affected else ctx["asset"]
    lines = [
        f"$ ssh admin@{host} 'show-config --section {ctx['setting']}'",
        f"{ctx['setting']} = {ctx['value']}",
        f"product: {ctx['product']}",
    ]
    for _ in range(rng.randint(6, 9)):
        second = rng.randint(0, 59)
        word = rng.choice(WORDS)
        lines.append(
            f"2025-04-{rng.randint(7, 18):02d}T10:{rng.randint(0, 59):02d}:{second:02d}Z "
            f"{host} hostd[{rng.randint(1000, 9999)}]: {word} check: {rng.choice(WHATS)} "
            f"state={rng.choice(('enabled', 'disabled', 'unknown'))}"
        )
    return "\n".join(lines)


def vector3(rng: random.Random) -> str:
    return "CVSS:3.1/" + "/".join(f"{k}:{rng.choice(v)}" for k, v in V3)


def vector4(rng: random.Random) -> str:
    return "CVSS:4.0/" + "/".join(f"{k}:{rng.choice(v)}" for k, v in V4)


# ----- findings -------------------------------------------------------------------------


@dataclass
class Positions:
    """Per state, the assets some attack step already reaches: steps chain from them."""

    foothold: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STATES})
    control: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STATES})
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, kind: str, states: list[str], assets: list[str]) -> None:
        for state in states:
            for asset in assets:
                if (kind, state, asset) not in self.seen:
                    self.seen.add((kind, state, asset))
                    getattr(self, kind)[state].append(asset)

    def pick(
        self, rng: random.Random, kind: str, states: list[str], present: dict[str, set[str]]
    ) -> str | None:
        pool = getattr(self, kind)[states[0]]
        for _ in range(8):
            if not pool:
                return None
            asset = pool[rng.randrange(len(pool))]
            if all(asset in present[s] for s in states):
                return asset
        return None


class FindingWriter:
    def __init__(self, rng: random.Random, est: Estate, findings: int) -> None:
        self.rng = rng
        self.est = est
        self.total = findings
        self.positions = Positions()
        self.step_count = 0
        self.counters = {c[0]: 0 for c in CATEGORIES}
        self.ids: list[str] = []

    def pick(self, pool: list[str], low: int, high: int) -> list[str]:
        count = min(len(pool), self.rng.randint(low, high))
        picked = {pool[self.rng.randrange(len(pool))] for _ in range(count)}
        return sorted(picked)

    def affected(self, category: str) -> tuple[str, dict[str, list[str]]]:
        rng, est = self.rng, self.est
        if category in INFRA_CATEGORIES or (category == "management-plane" and rng.random() < 0.7):
            pool = {
                "hypervisor": est.hosts,
                "migration": est.hosts,
                "image-store": est.storage + est.hosts[:2],
                "virtual-network": est.switches + est.hosts[:2],
                "management-plane": est.managers + est.hosts,
            }[category]
            return "new", {"pre": [], "post": self.pick(pool, 1, 6)}
        roll = rng.random()
        if roll < 0.45:
            assets = self.pick(est.both, 1, 5)
            return "carried-over", {"pre": assets, "post": assets}
        if roll < 0.6:
            return "new", {"pre": [], "post": self.pick(est.both + est.post_only, 1, 5)}
        if roll < 0.75:
            pre = self.pick(est.both, 1, 3)
            return "amplified", {"pre": pre, "post": sorted({*pre, *self.pick(est.both, 1, 4)})}
        if roll < 0.88:
            pre = self.pick(est.both, 2, 6)
            return "reduced", {"pre": pre, "post": pre[: max(1, len(pre) // 2)]}
        return "removed", {"pre": self.pick(est.both + est.pre_only, 1, 4), "post": []}

    def step(
        self, states: list[str], requires: str, gains: str, to: str | list[str]
    ) -> dict[str, Any]:
        self.step_count += 1
        step: dict[str, Any] = {
            "id": f"S{self.step_count}",
            "states": states,
            "requires": requires,
            "gains": gains,
            "to": to,
        }
        if self.ids and self.rng.random() < 0.2:
            others = {self.ids[self.rng.randrange(len(self.ids))] for _ in range(2)}
            step["also_requires"] = sorted(others)[: self.rng.randint(1, 2)]
        if self.rng.random() < 0.3:
            step["note"] = f"Step {self.step_count} of the synthetic attack graph."
        targets = to if isinstance(to, list) else []
        if gains in ("foothold", "control"):
            self.positions.add(gains, states, targets)
            if gains == "control":
                self.positions.add("foothold", states, targets)
        return step

    def steps(self, category: str, affected: dict[str, list[str]]) -> list[dict[str, Any]]:
        rng, est, pos = self.rng, self.est, self.positions
        states = [s for s in STATES if affected[s]]
        post = ["post"]
        clusters = [c for c in est.clusters if f"guests-{c['id']}" in est.groups]
        if category == "hypervisor":
            cluster = rng.choice(clusters)
            return [
                self.step(
                    post, f"control:group:guests-{cluster['id']}", "control", cluster["hosts"]
                )
            ]
        if category == "migration":
            host = rng.choice(est.hosts)
            cluster = next(c for c in est.clusters if host in c["hosts"])
            guests = est.guests_of[cluster["id"]][:20] or [host]
            return [self.step(post, f"control:{host}", "read", guests)]
        if category == "image-store":
            source = pos.pick(rng, "control", post, est.present) or est.backup
            return [self.step(post, f"control:{source}", "control", self.pick(est.storage, 1, 2))]
        if category == "virtual-network":
            # Segmentation gaps: now and then the whole internal network, more often the
            # guests of one cluster (a shared port group), else a few services.
            roll = rng.random()
            if roll < 0.1:
                to: str | list[str] = "group:internal-services"
            elif roll < 0.6:
                to = f"group:guests-{rng.choice(clusters)['id']}"
            else:
                to = self.pick(est.internal_post, 2, 8)
            return [self.step(post, "foothold:group:dmz-services", "foothold", to)]
        if category == "management-plane" and not affected["pre"]:
            if rng.random() < 0.3:
                return [self.step(post, "helpdesk-user", "control", self.pick(est.managers, 1, 1))]
            source = pos.pick(rng, "control", post, est.present) or est.directory
            return [self.step(post, f"control:{source}", "control", self.pick(est.managers, 1, 2))]
        # Guest-level steps: in the states where the finding applies to services.
        targets = affected[states[0]] if states else []
        targets = [t for t in targets if all(t in est.present[s] for s in states)]
        if not targets:
            return []
        roll = rng.random()
        if self.step_count < 6 or roll < 0.2:
            entry = ENTRY_POINTS[self.step_count % len(ENTRY_POINTS)][0]
            gains = "control" if entry == "helpdesk-user" else "foothold"
            if entry == "internet":
                dmz = [d for d in est.dmz if all(d in est.present[s] for s in states)]
                targets = self.pick(dmz, 1, 2) if dmz else targets
            return [self.step(states, entry, gains, targets)]
        if roll < 0.5:
            source = pos.pick(rng, "foothold", states, est.present)
            if source is not None:
                result = [self.step(states, f"foothold:{source}", "control", [source])]
                if rng.random() < 0.3:
                    result.append(self.step(states, f"control:{source}", "control", targets))
                return result
        if roll < 0.85:
            source = pos.pick(rng, "control", states, est.present)
            if source is not None:
                gains = rng.choice(("foothold", "control", "read"))
                return [self.step(states, f"control:{source}", gains, targets)]
        group = rng.choice(("dmz-services", "services", "internal-services"))
        kind = rng.choice(("control", "foothold"))
        return [
            self.step(states, f"{kind}:group:{group}", rng.choice(("foothold", "read")), targets)
        ]

    def finding(self) -> tuple[str, str]:
        rng, est = self.rng, self.est
        category, _, prefix, _ = rng.choices(CATEGORIES, weights=[c[3] for c in CATEGORIES])[0]
        self.counters[category] += 1
        fid = f"{prefix}-{self.counters[category]:04d}"
        delta, affected = self.affected(category)
        ctx = context(rng, est)
        if affected["post"]:
            ctx["asset"] = affected["post"][0]
        threats = sorted({rng.choice(THREATS)[0] for _ in range(rng.randint(1, 3))})
        title = f"{ctx['what'].capitalize()} on {ctx['asset']} exposes {ctx['target']}"
        status = rng.choices(("open", "remediated", "risk-accepted"), (8, 1, 1))[0]
        out = [
            "# yaml-language-server: $schema=../../../reviewgen/schemas/finding.schema.json\n",
            f"id: {fid}\n",
            f"title: {q(title)}\n",
            f"category: {category}\n",
            f"threats: {flow(threats)}\n",
            f"delta: {delta}\n",
            f"status: {status}\n",
            f"affected: {{pre: {flow(affected['pre'])}, post: {flow(affected['post'])}}}\n",
        ]
        if status == "risk-accepted":
            out.append(
                'acceptance:\n  accepted_by: "Head of IT"\n  until: 2026-06-30\n'
                f"  reason: {q(paragraph(rng, ctx, 1))}\n"
            )
        if rng.random() < 0.3:
            out.append("cves:\n")
            for _ in range(rng.randint(1, 3)):
                cve = f"CVE-{rng.randint(2020, 2025)}-{rng.randint(1000, 49999)}"
                out.append(f"  - id: {q(cve)}\n")
                out.append(f"    summary: {q(paragraph(rng, ctx, 1))}\n")
                if rng.random() < 0.5:
                    out.append(f"    vendor_cvss: {q(vector3(rng))}\n")
        else:
            out.append("cves: []\n")
        if rng.random() < 0.05:
            out.append(
                f"known_exploited: {{cisa_kev: true, date_added: 2025-0{rng.randint(1, 4)}-04}}\n"
            )
        else:
            out.append("known_exploited: {cisa_kev: false}\n")
        if rng.random() < 0.15:
            out.append("cvss: null\n")
            out.append(f"severity: {rng.choice(('low', 'medium', 'high', 'critical'))}\n")
            out.append(block("severity_rationale", wrap(paragraph(rng, ctx, 2))))
        else:
            out.append("cvss:\n")
            roll = rng.random()
            if roll < 0.9:
                out.append(f"  v3_1: {{vector: {q(vector3(rng))}}}\n")
            if roll > 0.2:
                out.append(f"  v4_0: {{vector: {q(vector4(rng))}}}\n")
            if rng.random() < 0.1:
                out.append("  derive_requirements: true\n")
            out.append(f"  scored_scenario: {q(paragraph(rng, ctx, 1))}\n")
        out.append(block("description", paragraphs(rng, ctx, 1, 3)))
        out.append(block("evidence", evidence(rng, ctx, affected["post"] or affected["pre"])))
        out.append(block("impact", paragraphs(rng, ctx, 1, 2)))
        out.append(block("recommendation", recommendation(rng, ctx)))
        out.append(f"roadmap: {rng.choices([r[0] for r in ROADMAP], (35, 40, 25))[0]}\n")
        out.append(f"effort: {rng.choice(LEVELS)}\n")
        # Plan fields without drawing on the random stream, so earlier seeds keep their
        # content: an owner for most, and every seventh finding of a category depends on
        # the one before it (always an earlier id, so never a cycle).
        number = self.counters[category]
        if number % 3:
            out.append(f"owner: {q('Infrastructure team lead')}\n")
            out.append(f"effort_days: {number % 5 + 1}\n")
        if number % 7 == 0:
            out.append(f"depends_on: [{prefix}-{number - 1:04d}]\n")
        out.append("references:\n")
        for _ in range(rng.randint(3, 8)):
            fw, _, ref_prefix = rng.choice(FRAMEWORKS)
            out.append(f"  - framework: {fw}\n")
            if fw == "cis-esxi-8":
                out.append(f"    id: {q(f'{rng.randint(1, 8)}.{rng.randint(1, 30)}')}\n")
            elif fw == "disa-stig-vsphere-8":
                out.append(f"    id: {q(f'{ref_prefix}{rng.randint(1, 300):06d}')}\n")
            elif fw != "nist-sp-800-125":
                out.append(f"    id: {q(f'{ref_prefix}{rng.randint(1, 12)}')}\n")
            if fw == "disa-stig-vsphere-8":
                out.append(f"    vuln_id: {q(f'V-{rng.randint(258700, 258999)}')}\n")
            if rng.random() < 0.3:
                out.append(f"    note: {q(paragraph(rng, ctx, 1))}\n")
        if rng.random() < 0.45:
            steps = self.steps(category, affected)
            if steps:
                out.append("attack_steps:\n")
                for step in steps:
                    out.append(f"  - id: {step['id']}\n")
                    out.append(f"    states: {flow(step['states'])}\n")
                    out.append(f"    requires: {q(step['requires'])}\n")
                    out.append(f"    gains: {step['gains']}\n")
                    to = step["to"]
                    out.append(f"    to: {flow(to) if isinstance(to, list) else q(to)}\n")
                    if "also_requires" in step:
                        out.append(f"    also_requires: {flow(step['also_requires'])}\n")
                    if "note" in step:
                        out.append(f"    note: {q(step['note'])}\n")
        self.ids.append(fid)
        return fid, "".join(out)


def generate(root: Path, findings: int, assets: int, seed: int = 0) -> Path:
    """Write a valid review folder at `root` (which must not hold one already)."""
    if findings < 1:
        raise ValueError("findings must be at least 1")
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} exists and is not empty")
    rng = random.Random(seed)
    est = build_estate(rng, assets)
    folder = root / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "review.yaml").write_text(review_yaml(rng, est, findings), encoding="utf-8")
    writer = FindingWriter(rng, est, findings)
    for _ in range(findings):
        fid, text = writer.finding()
        (folder / f"{fid}.yaml").write_text(text, encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out", type=Path, metavar="OUT", help="review folder to create")
    parser.add_argument("--findings", type=int, default=100)
    parser.add_argument("--assets", type=int, default=None, help="default: max(50, 2N/5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    assets = args.assets if args.assets is not None else max(50, args.findings * 2 // 5)
    try:
        generate(args.out, args.findings, assets, args.seed)
    except (ValueError, FileExistsError) as err:
        print(f"generate: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({args.findings} findings, {assets} assets, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
