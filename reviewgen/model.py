"""The review vocabulary: frozen, typed models that reject unknown keys.

These models describe the *shape* of the YAML files. Cross-references (does this
asset exist?) and scoring are checked by `load.py`, which knows where every value
came from and can point at it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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

Id = Annotated[str, StringConstraints(pattern=KEBAB)]
FindingId = Annotated[str, StringConstraints(pattern=FINDING_ID)]
StepId = Annotated[str, StringConstraints(pattern=STEP_ID)]
CveId = Annotated[str, StringConstraints(pattern=CVE_ID)]
Text = Annotated[str, StringConstraints(min_length=1)]
Markdown = Annotated[str, StringConstraints(min_length=1)]

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

DELTAS: tuple[Delta, ...] = ("new", "amplified", "carried-over", "reduced", "removed")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


# ----- review.yaml -----------------------------------------------------------------


class Organisation(Strict):
    name: Text
    fictional: bool = False
    notice: Markdown | None = None


class Person(Strict):
    name: Text
    role: Text | None = None


class Period(Strict):
    start: dt.date
    end: dt.date


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
    role: Text | None = None
    organisation: Text | None = None


class Signatory(Strict):
    """A person who signs the report off: the cover gives them date and signature lines."""

    name: Text
    role: Text | None = None
    organisation: Text | None = None
    date: dt.date | None = None
    """When they signed; left empty, the cover shows a blank line to date by hand."""


class Scope(Strict):
    in_scope: list[Markdown]
    out_of_scope: list[Markdown] = []


class ScoringPolicy(Strict):
    primary: CvssVersionName = "3.1"
    secondary: CvssVersionName | None = None
    note: Markdown | None = None


class ReviewMeta(Strict):
    id: Text
    title: Text
    organisation: Organisation
    reviewers: list[Person] = []
    period: Period
    report_date: dt.date
    version: Text
    classification: Text
    publishable: bool = False
    effort_days: float | None = Field(default=None, gt=0)
    """Person-days the review took, for the executive summary's context paragraph."""
    """True only when the review may be published as it stands (see the redaction profiles)."""
    background: Markdown
    objectives: list[Markdown] = []
    scope: Scope
    methodology: list[Markdown] = []
    limitations: list[Markdown] = []
    scoring: ScoringPolicy = ScoringPolicy()
    history: list[HistoryEntry] = []
    """Document history, oldest version first; the cover and the PDF show it."""
    distribution: list[Recipient] = []
    """Who receives the report."""
    sign_off: list[Signatory] = []
    """Who signs the report off; without it, the reviewers sign."""


class State(Strict):
    id: Id
    title: Text
    description: Markdown | None = None


class Phase(Strict):
    id: Id
    title: Text
    description: Markdown | None = None
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
    title: Text
    phase: Id
    description: Markdown | None = None
    owner: Text | None = None
    effort_days: float | None = Field(default=None, gt=0)
    cost: Text | None = None
    """What it costs, in the client's words ("two hosts and licences, about EUR 40,000")."""
    buys: Markdown | None = None
    """What it buys, in words; the findings it resolves are listed from `resolves`."""
    resolves: list[FindingId] = []
    """Findings this item closes when it is done."""
    depends_on: list[Text] = []
    """Findings or roadmap items that must be done first."""
    due: dt.date | None = None
    status: RoadmapItemStatus = "proposed"


class RootCause(Strict):
    """A systemic cause that several findings share."""

    id: Id
    statement: Markdown
    findings: list[FindingId] = Field(min_length=1)


class Framework(Strict):
    id: Id
    title: Text
    version: Text | None = None
    date: Text | None = None
    url: Text | None = None
    note: Text | None = None


class Category(Strict):
    id: Id
    title: Text
    summary: Markdown | None = None


class ThreatTag(Strict):
    id: Id
    description: Text | None = None


class Network(Strict):
    id: Id
    name: Text
    vlan: int | None = None
    cidr: Text | None = None
    note: Text | None = None


class Cluster(Strict):
    id: Id
    name: Text | None = None
    hosts: list[Id]
    managed_by: Id | None = None
    migration_network: Id | None = None


class Datastore(Strict):
    id: Id
    name: Text | None = None
    served_by: Id
    note: Text | None = None


class Requirements(Strict):
    confidentiality: Level = "medium"
    integrity: Level = "medium"
    availability: Level = "medium"


class Placement(Strict):
    platform: Platform
    cluster: Id | None = None
    datastore: Id | None = None
    port_groups: list[Text] = []
    hardware: Text | None = None
    bmc: bool = False


class Asset(Strict):
    id: Id
    name: Text
    kind: AssetKind
    role: Text | None = None
    zone: Id | None = None
    os: Text | None = None
    hardware: Text | None = None
    data_classification: DataClass | None = None
    requirements: Requirements = Requirements()
    crown_jewel: bool = False
    placement: dict[Id, Placement]


class EntryPoint(Strict):
    id: Id
    title: Text
    description: Markdown | None = None
    assumes: Text | None = None
    """An assumed-breach start: 'foothold:<asset>', 'control:<asset>' or
    'control:group:<group>' (control of some member, not of a particular one)."""


class Dominance(Strict):
    source: Id = Field(alias="from")
    to: Text | list[Id]
    grants: list[Grant] = Field(min_length=1)
    via: Text
    states: list[Id] = Field(min_length=1)


class Observation(Strict):
    id: FindingId
    title: Text
    category: Id
    delta: Delta
    description: Markdown


class RedactionPattern(Strict):
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
    review: ReviewMeta
    states: list[State] = Field(min_length=1)
    roadmap: list[Phase] = []
    roadmap_items: list[RoadmapItem] = []
    root_causes: list[RootCause] = []
    frameworks: list[Framework] = []
    categories: list[Category] = Field(min_length=1)
    threat_tags: list[ThreatTag] = []
    networks: list[Network] = []
    clusters: list[Cluster] = []
    datastores: list[Datastore] = []
    assets: list[Asset] = Field(min_length=1)
    groups: dict[Id, list[Id]] = {}
    entry_points: list[EntryPoint] = []
    dominance: list[Dominance] = []
    observations: list[Observation] = []
    redaction: Redaction = Redaction()


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
    vendor_cvss: Text | None = None
    known_exploited: KnownExploited | None = None
    """Evidence that this CVE is exploited in the wild."""


class Fix(Strict):
    target: Text | None = None
    """The version, build or setting that fixes it ("ESXi 8.0 Update 3d, build 24585383")."""
    interim: Markdown | None = None
    """A mitigation to apply at once, before the fix: it comes first in the order of work."""


class Acceptance(Strict):
    """A formal acceptance of the residual risk (status: risk-accepted)."""

    accepted_by: Text
    until: dt.date
    reason: Markdown


class CvssEntry(Strict):
    vector: Text
    score: float | None = None
    """The score the reviewer expects; checked against the computed one."""


class CvssBlock(Strict):
    v4_0: CvssEntry | None = None
    v3_1: CvssEntry | None = None
    v3_0: CvssEntry | None = None
    v2: CvssEntry | None = None
    scored_scenario: Text
    derive_requirements: bool = False
    """Append CR/IR/AR taken from the affected assets' requirements."""


class Reference(Strict):
    framework: Id
    id: Text | None = None
    vuln_id: Text | None = None
    note: Text | None = None


class EvidenceFile(Strict):
    path: Text
    caption: Text | None = None


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


class Finding(Strict):
    """One `findings/*.yaml` file."""

    id: FindingId
    title: Text
    category: Id
    threats: list[Id] = []
    delta: Delta
    status: Status = "open"
    affected: dict[Id, list[Id]]
    cves: list[Cve] = []
    known_exploited: KnownExploited = KnownExploited()
    cvss: CvssBlock | None
    severity: Severity | None = None
    severity_rationale: Markdown | None = None
    description: Markdown
    evidence: Text | None = None
    evidence_files: list[EvidenceFile] = []
    impact: Markdown | None = None
    recommendation: Markdown
    fix: Fix = Fix()
    verify: Markdown | None = None
    """How to check the fix worked: a command, a setting to read, a test to repeat."""
    done_when: Markdown | None = None
    """When the finding counts as closed; by default, when `verify` passes on every
    affected asset of the current state."""
    roadmap: Id | None = None
    effort: Level | None = None
    effort_days: float | None = Field(default=None, gt=0)
    owner: Text | None = None
    due: dt.date | None = None
    """An explicit due date; otherwise the phase's."""
    depends_on: list[Text] = []
    """Findings or roadmap items that must be done before this one (vCenter before ESXi)."""
    acceptance: Acceptance | None = None
    references: list[Reference] = []
    attack_steps: list[AttackStep] = []
    redacted: list[Text] = []
    """Text in this finding that is already redacted or fake (e.g. an AWS example key):
    the secret scan does not flag a credential contained in one of these."""
    draft: bool = False
    """Imported by `reviewgen import` and not triaged yet: checked, but left out of the
    figures and the site until the reviewer deletes this line."""
    source: ImportSource | None = None
    """The scanner rule this finding was imported from; `reviewgen import` skips a rule
    that a finding already names here, draft or triaged."""
