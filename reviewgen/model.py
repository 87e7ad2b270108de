"""The review vocabulary: frozen, typed models that reject unknown keys.

These models describe the *shape* of the YAML files. A field that names something
declared elsewhere in the review carries its kind of reference in its type
(`AssetRef` is an `Id` annotated with `Ref("asset")`): `checks.py` walks the models
and checks every such field against the declared ids, pointing at the value. Rules
that need more than a list of ids (is the asset placed in that state?) and scoring
are checked there too, by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
FINDING_ID = r"^[A-Z][A-Z0-9]*-[0-9]+$"
STEP_ID = r"^S[0-9]+$"
CVE_ID = r"^CVE-[0-9]{4}-[0-9]{4,}$"

#: What each id pattern means, for error messages.
PATTERN_HELP = {
    KEBAB: "an id in lowercase kebab-case, such as 'esx01' or 'net-dmz'",
    FINDING_ID: "an id of capital letters, a dash and a number, such as 'HV-01'",
    STEP_ID: "an attack-step id such as 'S1'",
    CVE_ID: "a CVE id such as 'CVE-2024-1086'",
}

# The metrics of each CVSS version and the values each may take (base, temporal or
# threat, environmental and supplemental), as `KEY:VALUE|VALUE`, for the vector pattern.
_CVSS2_METRICS = (
    "AV:L|A|N AC:H|M|L Au:M|S|N C:N|P|C I:N|P|C A:N|P|C E:U|POC|F|H|ND RL:OF|TF|W|U|ND "
    "RC:UC|UR|C|ND CDP:N|L|LM|MH|H|ND TD:N|L|M|H|ND CR:L|M|H|ND IR:L|M|H|ND AR:L|M|H|ND"
)
_CVSS3_METRICS = (
    "AV:N|A|L|P AC:L|H PR:N|L|H UI:N|R S:U|C C:H|L|N I:H|L|N A:H|L|N E:X|H|F|P|U "
    "RL:X|U|W|T|O RC:X|C|R|U CR:X|H|M|L IR:X|H|M|L AR:X|H|M|L MAV:X|N|A|L|P MAC:X|L|H "
    "MPR:X|N|L|H MUI:X|N|R MS:X|U|C MC:X|H|L|N MI:X|H|L|N MA:X|H|L|N"
)
_CVSS4_METRICS = (
    "AV:N|A|L|P AC:L|H AT:N|P PR:N|L|H UI:N|P|A VC:H|L|N VI:H|L|N VA:H|L|N SC:H|L|N "
    "SI:H|L|N SA:H|L|N E:X|A|P|U CR:X|H|M|L IR:X|H|M|L AR:X|H|M|L MAV:X|N|A|L|P "
    "MAC:X|L|H MAT:X|N|P MPR:X|N|L|H MUI:X|N|P|A MVC:X|H|L|N MVI:X|H|L|N MVA:X|H|L|N "
    "MSC:X|H|L|N MSI:X|S|H|L|N MSA:X|S|H|L|N S:X|N|P AU:X|N|Y R:X|A|U|I V:X|D|C "
    "RE:X|L|M|H U:X|Clear|Green|Amber|Red"
)


def _metric_list(metrics: str) -> str:
    """One or more `/`-separated metrics of a version, in any order."""
    pairs = (metric.split(":") for metric in metrics.split())
    one = "(?:" + "|".join(f"{key}:(?:{values})" for key, values in pairs) + ")"
    return f"{one}(?:/{one})*"


#: A CVSS vector of version 2.0 (no prefix), 3.0, 3.1 or 4.0, with any of that version's
#: metrics and values, in any order. Editors flag what does not match; loading scores
#: the vector itself and says exactly what is wrong (a missing base metric, a duplicate).
CVSS_VECTOR = (
    r"^(?:CVSS:3\.[01]/"
    + _metric_list(_CVSS3_METRICS)
    + r"|CVSS:4\.0/"
    + _metric_list(_CVSS4_METRICS)
    + "|"
    + _metric_list(_CVSS2_METRICS)
    + ")$"
)


@dataclass(frozen=True)
class Ref:
    """Type metadata: the value names a declared thing of this kind ("asset", "state")."""

    kind: str


@dataclass(frozen=True)
class EditorPattern:
    """Type metadata: a pattern for the JSON Schema only (editors), not for validation,
    so that loading can give its own, more precise message."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


Id = Annotated[str, StringConstraints(pattern=KEBAB)]
FindingId = Annotated[str, StringConstraints(pattern=FINDING_ID)]
StepId = Annotated[str, StringConstraints(pattern=STEP_ID)]
CveId = Annotated[str, StringConstraints(pattern=CVE_ID)]
Text = Annotated[str, StringConstraints(min_length=1)]
Markdown = Annotated[str, StringConstraints(min_length=1)]
CvssVector = Annotated[str, StringConstraints(min_length=1), EditorPattern(CVSS_VECTOR)]

StateRef = Annotated[Id, Ref("state")]
AssetRef = Annotated[Id, Ref("asset")]
NetworkRef = Annotated[Id, Ref("network")]
ClusterRef = Annotated[Id, Ref("cluster")]
DatastoreRef = Annotated[Id, Ref("datastore")]
CategoryRef = Annotated[Id, Ref("category")]
ThreatTagRef = Annotated[Id, Ref("threat tag")]
PhaseRef = Annotated[Id, Ref("roadmap phase")]
FrameworkRef = Annotated[Id, Ref("framework")]

Level = Literal["low", "medium", "high"]
Severity = Literal["none", "low", "medium", "high", "critical"]
Delta = Literal["new", "amplified", "carried-over", "reduced", "removed"]
Status = Literal["open", "remediated", "risk-accepted"]
Grant = Literal["C", "I", "A"]
Gain = Literal["foothold", "control", "read", "deny"]
CvssVersionName = Literal["2.0", "3.0", "3.1", "4.0"]
AssetKind = Literal["service", "hypervisor-host", "management", "storage", "network", "other"]
Platform = Literal["physical", "vm", "virtual-switch", "appliance"]
DataClass = Literal["public", "internal", "confidential", "restricted"]
Isolation = Literal["sev-snp", "tdx", "shielded"]

DELTAS: tuple[Delta, ...] = ("new", "amplified", "carried-over", "reduced", "removed")


class Strict(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=False, use_attribute_docstrings=True
    )


# ----- review.yaml -----------------------------------------------------------------


class Organisation(Strict):
    """The reviewed organisation."""

    name: Text
    """The organisation's name, as the report shows it."""
    fictional: bool = False
    """True for an invented organisation (an example or a training review)."""
    notice: Markdown | None = None
    """A notice shown on the cover, e.g. that the organisation is fictional."""


class Person(Strict):
    """A reviewer."""

    name: Text
    """The person's name."""
    role: Text | None = None
    """Their role in the review, such as "Lead reviewer"."""


class Period(Strict):
    """When the review took place; it may not end before it starts."""

    start: dt.date
    """The first day of the review."""
    end: dt.date
    """The last day of the review."""


class HistoryEntry(Strict):
    """One version of the report in its document history."""

    version: Text
    """The version this entry describes, such as "1.0"."""
    date: dt.date
    """When this version was issued."""
    author: Text | None = None
    """Who made the changes (a reviewer, usually)."""
    changes: Text
    """What changed in this version, in a sentence."""


class Recipient(Strict):
    """A person or team on the report's distribution list."""

    name: Text
    """The person's or team's name."""
    role: Text | None = None
    """Their role, such as "CISO"."""
    organisation: Text | None = None
    """Their organisation, when it is not the reviewed one."""


class Signatory(Strict):
    """A person who signs the report off: the cover gives them date and signature lines."""

    name: Text
    """The signatory's name."""
    role: Text | None = None
    """Their role, such as "Head of IT"."""
    organisation: Text | None = None
    """Their organisation, when it is not the reviewed one."""
    date: dt.date | None = None
    """When they signed; left empty, the cover shows a blank line to date by hand."""


class Scope(Strict):
    """What the review covered and what it did not."""

    in_scope: list[Markdown]
    """The systems and questions the review covered, one item each."""
    out_of_scope: list[Markdown] = []
    """What the review deliberately left out."""


class ScoringPolicy(Strict):
    """Which CVSS version the report leads with."""

    primary: CvssVersionName = "3.1"
    """The CVSS version whose scores rank the findings and fill the figures."""
    secondary: CvssVersionName | None = None
    """Another version shown next to the primary score, when a finding has it."""
    note: Markdown | None = None
    """Why this policy, in a sentence or two."""


class ReviewMeta(Strict):
    """What the review is, who did it, when, and for whom."""

    id: Text
    """The review's reference, such as "NW-2025-01"."""
    title: Text
    """The report's title."""
    organisation: Organisation
    """Who was reviewed: the organisation's name, and whether it is fictional."""
    reviewers: list[Person] = []
    """Who did the review."""
    period: Period
    """When the review took place."""
    report_date: dt.date
    """The date on the report; phases with `within_days` are due counting from it."""
    version: Text
    """The report's version, such as "1.0"."""
    classification: Text
    """The report's classification, such as "Confidential"."""
    publishable: bool = False
    """True only when the review may be published as it stands (see the redaction profiles)."""
    effort_days: float | None = Field(default=None, gt=0)
    """Person-days the review took, for the executive summary's context paragraph."""
    background: Markdown
    """Why the review was done: the situation and the question asked."""
    objectives: list[Markdown] = []
    """What the review set out to answer, one item each."""
    scope: Scope
    """The review's scope: what is in it and what is out."""
    methodology: list[Markdown] = []
    """How the review was done, one method each."""
    limitations: list[Markdown] = []
    """What limits the review's conclusions."""
    scoring: ScoringPolicy = ScoringPolicy()
    """The scoring policy: the CVSS version to lead with, and one to show beside it."""
    history: list[HistoryEntry] = []
    """Document history, oldest version first; the cover and the PDF show it."""
    distribution: list[Recipient] = []
    """Who receives the report."""
    sign_off: list[Signatory] = []
    """Who signs the report off; without it, the reviewers sign."""


StateRole = Literal["baseline", "current", "proposed"]


class State(Strict):
    """A state of the estate that the review compares, baseline first, current last."""

    id: Id
    """The state's id, used in placements, `affected` and attack steps (e.g. 'pre')."""
    title: Text
    """The state's title, such as "Before: physical servers"."""
    description: Markdown | None = None
    """What the estate looks like in this state."""
    role: StateRole | None = None
    """baseline (before the change), current (as it stands) or proposed (a redesign not
    yet built, compared with the current state). By default the first state is the
    baseline and the last state that is not proposed the current one."""


class Phase(Strict):
    """A phase of the roadmap: a group of work due together."""

    id: Id
    """The phase's id, named by findings' and roadmap items' `roadmap`/`phase`."""
    title: Text
    """The phase's title, such as "Now: within 30 days"."""
    description: Markdown | None = None
    """What the phase is about."""
    within_days: int | None = Field(default=None, gt=0)
    """The phase is due this many days after the report date."""
    due: dt.date | None = None
    """An explicit due date; overrides `within_days`."""
    owner: Text | None = None
    """Who answers for the phase; a step without its own owner inherits this one."""


RoadmapItemStatus = Literal["proposed", "funded", "done"]


class RoadmapItem(Strict):
    """Work on the roadmap that is not a finding: a design change, a project, a purchase."""

    id: Id
    """The item's id, which `depends_on` lists may name."""
    title: Text
    """The item's title."""
    phase: Id
    """The roadmap phase the item belongs to."""
    description: Markdown | None = None
    """What the work is."""
    owner: Text | None = None
    """Who answers for it; by default the phase's owner."""
    effort_days: float | None = Field(default=None, gt=0)
    """Person-days the work takes."""
    cost: Text | None = None
    """What it costs, in the client's words ("two hosts and licences, about EUR 40,000")."""
    buys: Markdown | None = None
    """What it buys, in words; the findings it resolves are listed from `resolves`."""
    resolves: list[FindingId] = []
    """Findings this item closes when it is done."""
    depends_on: list[Text] = []
    """Findings or roadmap items that must be done first."""
    due: dt.date | None = None
    """An explicit due date; otherwise the phase's."""
    status: RoadmapItemStatus = "proposed"
    """Proposed, funded or done."""
    realizes: Id | None = None
    """The proposed state (role: proposed) this item builds: the decision to fund it then
    says which single points of total compromise it removes."""


class RootCause(Strict):
    """A systemic cause that several findings share."""

    id: Id
    """The root cause's id."""
    statement: Markdown
    """The cause, in a sentence or two."""
    findings: list[FindingId] = Field(min_length=1)
    """The findings it explains."""


class Framework(Strict):
    """A standard or benchmark that findings cite (CIS, DISA STIG, a vendor guide)."""

    id: Id
    """The framework's id, named by a finding's `references[].framework`."""
    title: Text
    """The framework's title."""
    version: Text | None = None
    """The version cited."""
    date: Text | None = None
    """The date of that version."""
    url: Text | None = None
    """Where to read it."""
    note: Text | None = None
    """Anything else the reader should know about it."""


class Category(Strict):
    """A category of findings: the report groups findings by category."""

    id: Id
    """The category's id, named by findings' and observations' `category`."""
    title: Text
    """The category's title."""
    summary: Markdown | None = None
    """What the category covers."""


class ThreatTag(Strict):
    """A kind of threat that findings may be tagged with."""

    id: Id
    """The tag's id, listed in findings' `threats`."""
    description: Text | None = None
    """What the threat is."""


class Network(Strict):
    """A network or zone that assets sit in."""

    id: Id
    """The network's id, named by assets' `zone` and clusters' `migration_network`."""
    name: Text
    """The network's name."""
    vlan: int | None = None
    """Its VLAN number."""
    cidr: Text | None = None
    """Its address range, such as 10.0.10.0/24."""
    note: Text | None = None
    """Anything else about it."""


class Migration(Strict):
    """The network a cluster's live migration uses, and whether it is encrypted."""

    network: NetworkRef
    """The network the guests' memory crosses when they migrate."""
    encrypted: bool
    """True when migration is encrypted (encrypted vMotion required, not opportunistic):
    then the network reveals nothing. False: every asset placed on the network can read
    the memory of the cluster's guests (a guest with `isolation` excepted)."""


class Cluster(Strict):
    """A cluster of hypervisor hosts that runs VMs."""

    id: Id
    """The cluster's id, named by VM placements' `cluster`."""
    name: Text | None = None
    """The cluster's name."""
    hosts: list[AssetRef] = Field(json_schema_extra={"minItems": 1})
    """The hypervisor hosts in the cluster (asset ids); at least one, each in one cluster."""
    managed_by: AssetRef | None = None
    """The management server (asset id) that administers the cluster, such as a vCenter."""
    migration_network: NetworkRef | None = None
    """The network that live migration (vMotion) uses, recorded only: it derives nothing.
    Superseded by `migration`, which also says whether migration is encrypted."""
    migration: Migration | None = None
    """How live migration (vMotion) crosses the network: unencrypted, whoever holds a
    foothold on that network reads the memory of the cluster's guests."""


class Datastore(Strict):
    """Storage that holds VM disks."""

    id: Id
    """The datastore's id, named by VM placements' `datastore`."""
    name: Text | None = None
    """The datastore's name."""
    served_by: AssetRef | Annotated[list[AssetRef], Field(json_schema_extra={"minItems": 1})]
    """The storage server (asset id) that serves it, or a list of them (a file-server
    cluster, Ceph): each controls the guests whose disks it holds; at least one."""
    note: Text | None = None
    """Anything else about it."""

    @property
    def servers(self) -> list[str]:
        """The asset ids of the servers that serve it, in the order written."""
        return [self.served_by] if isinstance(self.served_by, str) else list(self.served_by)


class Requirements(Strict):
    """How much the asset's confidentiality, integrity and availability matter (CVSS
    CR/IR/AR)."""

    confidentiality: Level = "medium"
    """The confidentiality requirement: low, medium or high."""
    integrity: Level = "medium"
    """The integrity requirement: low, medium or high."""
    availability: Level = "medium"
    """The availability requirement: low, medium or high."""


class Placement(Strict):
    """Where an asset runs in one state."""

    platform: Platform
    """What it runs on: physical, vm, virtual-switch or appliance."""
    cluster: ClusterRef | None = None
    """The cluster a VM runs on; every vm needs one, nothing else has one."""
    datastore: DatastoreRef | None = None
    """The datastore that holds a VM's disks; every vm needs one, nothing else has one."""
    port_groups: list[Text] = []
    """The port groups (virtual networks) its network interfaces connect to."""
    hardware: Text | None = None
    """The hardware it runs on, in this state."""
    bmc: bool = False
    """True when the machine has an out-of-band management controller (iDRAC, iLO)."""
    zone: NetworkRef | None = None
    """The network it sits in, in this state; overrides the asset's `zone`."""
    isolation: Isolation | None = None
    """Confidential computing for a vm (AMD SEV-SNP, Intel TDX, Hyper-V shielded VM):
    its host and its datastore can stop it but neither read nor control it, and its
    migration memory is encrypted. Assumes the platform firmware and the guardian are
    trusted."""
    guardian: AssetRef | None = None
    """The service (asset id) that releases the keys the guest needs to start (HGS, a
    key broker): it can stop the guest, not control it. Placed in the same state."""


class Asset(Strict):
    """A system in the estate: a service, a host, a management server, storage."""

    id: Id
    """The asset's id, named wherever the review refers to it."""
    name: Text
    """The asset's name as the report shows it."""
    kind: AssetKind
    """What sort of asset it is."""
    role: Text | None = None
    """What it does, in a few words."""
    zone: NetworkRef | None = None
    """The network it sits in."""
    os: Text | None = None
    """Its operating system."""
    hardware: Text | None = None
    """Its hardware, when the same in every state."""
    data_classification: DataClass | None = None
    """The most sensitive data it holds."""
    requirements: Requirements = Requirements()
    """How much its confidentiality, integrity and availability matter."""
    crown_jewel: bool = False
    """True for an asset whose compromise the report treats as the worst outcome."""
    placement: dict[StateRef, Placement]
    """Where it runs in each state it exists in (state id: placement)."""
    count: int = Field(default=1, ge=1)
    """How many identical instances the asset stands for, booted from one image (120 VDI
    desktops from one golden image): figures count instances where they count services.
    A finding gains over one instance unless it is `image_wide`."""


class EntryPoint(Strict):
    """Where an attacker starts: an attack step's `requires` may name it."""

    id: Id
    """The entry point's id, such as 'internet'."""
    title: Text
    """The entry point's title."""
    description: Markdown | None = None
    """Who the attacker is and what they have."""
    assumes: Text | None = None
    """An assumed-breach start: 'foothold:<asset>', 'control:<asset>' or
    'control:group:<group>' (control of some member, not of a particular one)."""


class Dominance(Strict):
    """An explicit edge: control of one asset grants control of others."""

    source: AssetRef = Field(alias="from")
    """The asset (id) whose control grants the rest."""
    to: Text | list[AssetRef]
    """What it grants: an asset id, 'group:<group>', or a list of asset ids."""
    grants: list[Grant] = Field(min_length=1)
    """What is granted over the target: C, I and/or A."""
    via: Text
    """How, in a few words ("vCenter administers the hosts")."""
    states: list[StateRef] = Field(min_length=1)
    """The states in which the edge holds."""


class Observation(Strict):
    """A note that is not a finding: no score, no remediation."""

    id: FindingId
    """The observation's id, such as 'OB-01'."""
    title: Text
    """The observation's title."""
    category: CategoryRef
    """The category it belongs to."""
    delta: Delta
    """How it changed between the states."""
    description: Markdown
    """The observation itself."""


class RedactionPattern(Strict):
    """A regular expression whose matches the edition replaces."""

    pattern: Text
    """A Python regular expression, matched against every text of the review."""
    replacement: str
    """What each match becomes (literal text)."""


class Redaction(Strict):
    """What a redaction profile replaces in this review (see README, Publishing)."""

    public_slug: Id | None = None
    """The folder name the edition is published under (default 'review')."""
    public_id: Text | None = None
    """The review id the edition shows (default 'Redacted edition')."""
    public_organisation: Text | None = None
    """What the organisation's name becomes (default 'the client')."""
    public_classification: Text | None = None
    """The edition's own classification, e.g. 'TLP:CLEAR' (default 'Public (redacted
    edition)')."""
    organisations: list[Text] = []
    """Other organisations to name no one: 'Organisation 1', ..."""
    hostnames: list[Text] = []
    """Internal host names and ids to pseudonymise (host-1, host-2, ...), with every token
    built on them (ranges, FQDNs, suffixes)."""
    people: list[Text] = []
    """Names of people besides the reviewers, replaced by 'Person 1', ..."""
    replacements: dict[str, str] = {}
    """Any other text: replaced wherever it stands, whatever its case."""
    patterns: list[RedactionPattern] = []
    """Regular expressions for text that follows a pattern (ticket numbers, domains)."""


class ReviewFile(Strict):
    """The whole of `review.yaml`."""

    schema_version: Literal[1]
    """The version of this file format: 1."""
    review: ReviewMeta
    """The review's title, organisation, people, dates, scope and method."""
    states: list[State] = Field(min_length=1)
    """The states the review compares, baseline first and current last."""
    roadmap: list[Phase] = []
    """The roadmap's phases, in order."""
    roadmap_items: list[RoadmapItem] = []
    """Work on the roadmap that is not a finding."""
    root_causes: list[RootCause] = []
    """Systemic causes that several findings share."""
    frameworks: list[Framework] = []
    """Standards and benchmarks that findings cite."""
    categories: list[Category] = Field(min_length=1)
    """The categories of findings."""
    threat_tags: list[ThreatTag] = []
    """Kinds of threat that findings may be tagged with."""
    networks: list[Network] = []
    """Networks and zones."""
    clusters: list[Cluster] = []
    """Clusters of hypervisor hosts."""
    datastores: list[Datastore] = []
    """Storage that holds VM disks."""
    assets: list[Asset] = Field(min_length=1)
    """The systems in the estate."""
    groups: dict[Id, list[AssetRef]] = {}
    """Named sets of assets (group id: asset ids), for 'group:<id>' targets."""
    entry_points: list[EntryPoint] = []
    """Where attackers start."""
    dominance: list[Dominance] = []
    """Explicit edges: control of one asset grants control of others."""
    observations: list[Observation] = []
    """Notes that are not findings."""
    redaction: Redaction = Redaction()
    """What a redaction profile replaces in this review."""

    @property
    def baseline_state(self) -> str:
        """The state before the change: the one with role baseline, else the first."""
        marked = [s.id for s in self.states if s.role == "baseline"]
        return marked[0] if marked else self.states[0].id

    @property
    def current_state(self) -> str:
        """The state as it stands: role current, else the last state not proposed."""
        marked = [s.id for s in self.states if s.role == "current"]
        if marked:
            return marked[0]
        built = [s.id for s in self.states if s.role != "proposed"]
        return built[-1] if built else self.states[-1].id

    @property
    def proposed_states(self) -> list[str]:
        return [s.id for s in self.states if s.role == "proposed"]


# ----- findings/*.yaml -------------------------------------------------------------


class ExploitSource(Strict):
    """A published report of exploitation in the wild: a vendor advisory, a CERT alert."""

    name: Text
    """As the report should show it, e.g. "VMware advisory VMSA-2025-0004"."""
    url: Text | None = None
    date: dt.date | None = None
    """When the source reported the exploitation."""


class KnownExploited(Strict):
    """Evidence of exploitation in the wild: the CISA KEV catalogue and other sources.

    At the finding's top level it is about the finding as a whole (an exploited
    misconfiguration without a CVE); under a CVE, about that CVE only."""

    cisa_kev: bool = False
    """Listed in the CISA Known Exploited Vulnerabilities catalogue."""
    date_added: dt.date | None = None
    """The catalogue's dateAdded (only with cisa_kev: true)."""
    sources: list[ExploitSource] = []
    """Other reports of exploitation (vendor advisories, CERT alerts), as written."""


class Cve(Strict):
    id: CveId
    summary: Text | None = None
    vendor_cvss: CvssVector | None = None
    known_exploited: KnownExploited | None = None
    """Evidence that this CVE is exploited in the wild."""


class Fix(Strict):
    """How to fix the finding: the target to reach and what to do meanwhile."""

    target: Text | None = None
    """The version, build or setting that fixes it ("ESXi 8.0 Update 3d, build 24585383")."""
    interim: Markdown | None = None
    """A mitigation to apply at once, before the fix: it comes first in the order of work."""


class Acceptance(Strict):
    """A formal acceptance of the residual risk (status: risk-accepted)."""

    accepted_by: Text
    """Who accepted the risk (a name and role)."""
    until: dt.date
    """When the acceptance ends and the risk must be looked at again."""
    reason: Markdown
    """Why the risk is accepted."""


class CvssEntry(Strict):
    """One CVSS vector and, optionally, the score the reviewer expects from it."""

    vector: CvssVector
    """The vector: CVSS:4.0/..., CVSS:3.1/..., CVSS:3.0/... or a v2 vector without prefix."""
    score: float | None = None
    """The score the reviewer expects; checked against the computed one."""


class CvssBlock(Strict):
    """The finding's CVSS vectors, one per version; at least one."""

    v4_0: CvssEntry | None = None
    """The CVSS 4.0 vector."""
    v3_1: CvssEntry | None = None
    """The CVSS 3.1 vector."""
    v3_0: CvssEntry | None = None
    """The CVSS 3.0 vector."""
    v2: CvssEntry | None = None
    """The CVSS 2.0 vector."""
    scored_scenario: Text
    """The attack the vectors score, in a sentence (the worst plausible one)."""
    derive_requirements: bool = False
    """Append CR/IR/AR taken from the affected assets' requirements."""


class Reference(Strict):
    """Where a framework covers the finding: a control, a rule, a benchmark item."""

    framework: FrameworkRef
    """The framework (id from review.yaml's `frameworks`)."""
    id: Text | None = None
    """The control or rule id in that framework, such as "5.2.1"."""
    vuln_id: Text | None = None
    """The framework's vulnerability id, such as a STIG's V-number."""
    note: Text | None = None
    """Anything else about the reference."""


class EvidenceFile(Strict):
    """A file of evidence in the review folder, attached to the finding."""

    path: Text
    """The file's path, relative to the review folder."""
    caption: Text | None = None
    """What the file shows."""


class AttackStep(Strict):
    id: StepId
    states: list[Id] = Field(min_length=1)
    requires: Text
    gains: Gain
    to: Text | list[Id]
    also_requires: list[FindingId] = []
    cves: list[CveId] = []
    """The finding's CVEs this step uses; the step counts as exploited in the wild only
    through them (without `cves:`, when the finding is)."""
    note: Text | None = None


class ImportSource(Strict):
    """Where an imported finding came from: the key that makes re-importing idempotent."""

    tool: Id
    """The importer: nessus, xccdf or hdf."""
    rule: Text
    """The rule as the scan file names it: Nessus plugin id, XCCDF rule id, HDF control id."""


class Retest(Strict):
    """One retest of the finding after the review: when, what it found, and how."""

    date: dt.date
    """When the retest was done; retests are listed oldest first."""
    result: Literal["fixed", "not-fixed", "partial"]
    """What it found: fixed, not-fixed, or partial (fixed on some assets, or in part)."""
    note: Markdown | None = None
    """What was retested and what was seen, in a sentence or two."""
    evidence: Text | None = None
    """What shows it: command output, a setting as read on the retest."""


class Finding(Strict):
    """One `findings/*.yaml` file."""

    id: FindingId
    """The finding's id, such as 'HV-01'; the file is named after it."""
    title: Text
    """The finding's title, one line."""
    category: CategoryRef
    """The category it belongs to (id from review.yaml's `categories`)."""
    threats: list[ThreatTagRef] = []
    """Threat tags (ids from review.yaml's `threat_tags`)."""
    delta: Delta
    """How it changed between the states: new, amplified, carried-over, reduced, removed."""
    status: Status = "open"
    """Open, remediated or risk-accepted (then with an `acceptance`)."""
    affected: dict[StateRef, list[AssetRef]]
    """The assets it affects in each state (state id: asset ids)."""
    cves: list[Cve] = []
    """The CVEs behind it."""
    known_exploited: KnownExploited = KnownExploited()
    """Evidence that it is exploited in the wild."""
    cvss: CvssBlock | None
    """The CVSS vectors; null for a finding rated by `severity` alone."""
    severity: Severity | None = None
    """A qualitative severity, only with cvss: null."""
    severity_rationale: Markdown | None = None
    """Why that severity, only with cvss: null."""
    description: Markdown
    """What is wrong."""
    evidence: Text | None = None
    """What shows it: command output, a setting as read."""
    evidence_files: list[EvidenceFile] = []
    """Files of evidence in the review folder."""
    impact: Markdown | None = None
    """What an attacker gains, or what can go wrong."""
    recommendation: Markdown
    """What to do about it."""
    fix: Fix = Fix()
    """The target version or setting, and an interim mitigation."""
    verify: Markdown | None = None
    """How to check the fix worked: a command, a setting to read, a test to repeat."""
    done_when: Markdown | None = None
    """When the finding counts as closed; by default, when `verify` passes on every
    affected asset of the current state."""
    roadmap: PhaseRef | None = None
    """The roadmap phase it is planned in (id from review.yaml's `roadmap`)."""
    effort: Level | None = None
    """Rough effort of the fix: low, medium or high."""
    effort_days: float | None = Field(default=None, gt=0)
    """Person-days the fix takes."""
    owner: Text | None = None
    """Who answers for the fix; by default the phase's owner."""
    due: dt.date | None = None
    """An explicit due date; otherwise the phase's."""
    depends_on: list[Text] = []
    """Findings or roadmap items that must be done before this one (vCenter before ESXi)."""
    acceptance: Acceptance | None = None
    """The formal acceptance of the residual risk (status: risk-accepted)."""
    retests: list[Retest] = []
    """Retests after the review, oldest first. `status` stays the truth and the retests
    its record: a latest retest `fixed` needs `status: remediated`, and `remediated`
    with a latest retest that is not `fixed` is a contradiction."""
    references: list[Reference] = []
    """Where frameworks cover it."""
    attack_steps: list[AttackStep] = []
    """The steps of attack it enables, for the attack paths."""
    image_wide: bool = False
    """The weakness is in the image every instance boots from (a shared local
    administrator password in a golden image): a step of this finding that gains over a
    pooled asset (`count` above 1) gains over all its instances, not one."""
    redacted: list[Text] = []
    """Text in this finding that is already redacted or fake (e.g. an AWS example key):
    the secret scan does not flag a credential contained in one of these."""
    draft: bool = False
    """Imported by `reviewgen import` and not triaged yet: checked, but left out of the
    figures and the site until the reviewer deletes this line."""
    source: ImportSource | None = None
    """The scanner rule this finding was imported from; `reviewgen import` skips a rule
    that a finding already names here, draft or triaged."""
