"""Redaction profiles: a publishable edition of a review, without editing its YAML.

A profile says what to take out; the review's `redaction:` section says which names,
hosts and other terms identify the client. The edition is made from the parsed files,
before anything is validated, checked, scored or rendered: every page, export, URL and
figure of a redacted build comes from the same redacted data, so no output can leak
what another hides. Replacements are consistent (the same host is always `host-1`), so
every reference and figure still agrees, and a replacement that breaks the review (an
asset id turned into text that is not an id, two ids made one) is reported at the line
of the original file.

What is replaced, under the `public` profile:

* the review folder's name, by `redaction.public_slug` (default `review`);
* the review id, by `redaction.public_id`; the organisation's name and those listed
  under `organisations`, by `public_organisation` and "Organisation 1", ...;
* reviewers' and listed people's names, by "Reviewer 1", "Person 1", ...;
* listed host names and every token built on them (`pve01-03`, `esx01.corp.example`,
  `vm-pve02`), by `host-1`, ...;
* `replacements` (literal text, matched whatever its case) and `patterns` (regular
  expressions);
* every IP address and network, v4 or v6, as the `ipaddress` module reads them, and
  every e-mail address;
* the classification, by `redaction.public_classification`; evidence is withheld and
  source file paths are not shown.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .model import ReviewFile
from .yamlsource import Document, PathKey

DEFAULT_PUBLIC_SLUG = "review"
DEFAULT_PUBLIC_ID = "Redacted edition"
DEFAULT_PUBLIC_ORGANISATION = "the client"
DEFAULT_PUBLIC_CLASSIFICATION = "Public (redacted edition)"
ADDRESS_MASK = "[address]"
#: Values that are notation, not prose: left as written (a CVSS vector's letters would
#: otherwise match a short name).
VERBATIM_KEYS = frozenset({"vector", "vendor_cvss"})
EMAIL_MASK = "[e-mail address]"


@dataclass(frozen=True)
class Profile:
    name: str
    omit_evidence: bool = False
    mask_people: bool = False
    mask_addresses: bool = False
    mask_hostnames: bool = False
    apply_replacements: bool = False
    hide_sources: bool = False
    """Leave out source file paths (their names can carry the client's)."""
    rename: bool = False
    """Publish under the neutral slug, id, organisation and classification."""

    @property
    def changes_anything(self) -> bool:
        return any(
            (
                self.omit_evidence,
                self.mask_people,
                self.mask_addresses,
                self.mask_hostnames,
                self.apply_replacements,
                self.rename,
            )
        )


PROFILES = {
    "internal": Profile("internal"),
    "public": Profile(
        "public",
        omit_evidence=True,
        mask_people=True,
        mask_addresses=True,
        mask_hostnames=True,
        apply_replacements=True,
        hide_sources=True,
        rename=True,
    ),
}


class UnknownProfile(ValueError):
    pass


def profile_named(name: str | None) -> Profile | None:
    if name is None:
        return None
    if name not in PROFILES:
        raise UnknownProfile(
            f"unknown redaction profile {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        )
    return PROFILES[name]


# A token: a run of word characters, dots and dashes (a host name with its suffixes,
# ranges and domain), without the dots or dashes that end a sentence or a list.
_TOKEN = re.compile(r"\w(?:[\w.-]*\w)?")
# Candidates for an IP address or network; `ipaddress` decides, so times (12:30:45),
# versions (8.0.3) and build numbers stay as they are.
_ADDRESS_CANDIDATE = re.compile(r"(?<![\w.:])[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(?:/\d{1,3})?(?![\w:])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _is_address(candidate: str) -> bool:
    try:
        if "/" in candidate:
            ipaddress.ip_network(candidate, strict=False)
        else:
            ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _mask_address(match: re.Match[str]) -> str:
    text = match.group(0)
    # A sentence may end right after an address ("... on 10.0.0.1." or "fe80::1:").
    for core in (text, text.rstrip("."), text.rstrip(".:")):
        if core and _is_address(core):
            return ADDRESS_MASK + text[len(core) :]
    return text


def _phrase(text: str) -> str:
    """A literal name as a pattern: whatever its case, any white space between words."""
    words = text.split()
    return r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"


@dataclass
class Redactor:
    """The text and data transformation one profile applies to one review."""

    profile: Profile
    slug: str
    public_slug: str
    classification: str
    phrases: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    hosts: re.Pattern[str] | None = None
    host_names: dict[str, str] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def text(self, value: str) -> str:
        for pattern, new in self.patterns:
            value = pattern.sub(new, value)
        if self.profile.mask_addresses:  # before names: an address holds the domain whole
            value = _EMAIL.sub(EMAIL_MASK, value)
        for pattern, new in self.phrases:
            value = pattern.sub(new, value)
        if self.hosts is not None:
            value = _TOKEN.sub(self._token, value)
        if self.profile.mask_addresses:
            value = _ADDRESS_CANDIDATE.sub(_mask_address, value)
        return value

    def _token(self, match: re.Match[str]) -> str:
        """A token that contains a listed host name is replaced whole."""
        assert self.hosts is not None
        token = match.group(0)
        found = self.hosts.search(token)
        if found is None:
            return token
        return self.host_names[found.group(0).lower()]


def redactor_for(spec: ReviewFile, slug: str, profile: Profile) -> Redactor:
    """The redactor of `profile` for a review (its `redaction:` section and metadata)."""
    settings = spec.redaction
    meta = spec.review
    public_slug = settings.public_slug or DEFAULT_PUBLIC_SLUG
    redactor = Redactor(
        profile,
        slug,
        public_slug if profile.rename else slug,
        (settings.public_classification or DEFAULT_PUBLIC_CLASSIFICATION)
        if profile.rename
        else meta.classification,
    )
    pairs: list[tuple[str, str]] = []
    if profile.rename:
        pairs += [
            (slug, public_slug),
            (meta.id, settings.public_id or DEFAULT_PUBLIC_ID),
            (meta.organisation.name, settings.public_organisation or DEFAULT_PUBLIC_ORGANISATION),
        ]
        pairs += [(name, f"Organisation {i}") for i, name in enumerate(settings.organisations, 1)]
    if profile.apply_replacements:
        pairs += list(settings.replacements.items())
    if profile.mask_people:
        pairs += [(p.name, f"Reviewer {i}") for i, p in enumerate(meta.reviewers, 1)]
        pairs += [(name, f"Person {i}") for i, name in enumerate(settings.people, 1)]
        # Names of the document-control lists are people too: wherever else they appear
        # (an accepted risk's `accepted_by`, an owner), they are masked the same way.
        known = {p.name for p in meta.reviewers} | set(settings.people)
        listed = [r.name for r in meta.distribution] + [s.name for s in meta.sign_off]
        listed += [h.author for h in meta.history if h.author]
        others = [n for n in dict.fromkeys(listed) if n not in known]
        start = len(settings.people) + 1
        pairs += [(name, f"Person {i}") for i, name in enumerate(others, start)]
    # Longest first, so that "Northwind Widgets Ltd" is replaced before "Northwind".
    pairs.sort(key=lambda pair: -len(pair[0]))
    redactor.phrases = [
        (re.compile(_phrase(old), re.IGNORECASE), new.replace("\\", "\\\\"))
        for old, new in pairs
        if old.strip()
    ]
    if profile.apply_replacements:
        redactor.patterns = [
            (re.compile(p.pattern), p.replacement.replace("\\", "\\\\")) for p in settings.patterns
        ]
    if profile.mask_hostnames and settings.hostnames:
        unique = list(dict.fromkeys(h.lower() for h in settings.hostnames if h.strip()))
        redactor.host_names = {h: f"host-{i}" for i, h in enumerate(unique, 1)}
        names = sorted(unique, key=len, reverse=True)
        # A listed name inside a token: not preceded by a letter or digit, not followed by
        # a letter ("pve01-03", "esx01.corp", "vm-pve02" match; "ldaps" does not).
        redactor.hosts = re.compile(
            r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(h) for h in names) + r")(?![A-Za-z])",
            re.IGNORECASE,
        )
    return redactor


# ----- documents: the edition is made from the parsed files --------------------------


def redact_document(
    doc: Document, redactor: Redactor, adjust: Callable[[dict[str, Any]], None] | None = None
) -> tuple[Document, list[Problem]]:
    """`doc` as the edition reads it, with every location still that of the original.

    `adjust` edits the redacted top-level mapping (drops what the profile leaves out).
    Two keys of one mapping that become the same key are reported at the second one.
    """
    problems: list[Problem] = []

    def walk(value: Any, path: PathKey) -> Any:
        if isinstance(value, str):
            if path and path[-1] in VERBATIM_KEYS:
                return value  # a CVSS vector names no one; "AV:P" is not a folder called p
            return redactor.text(value)
        if isinstance(value, list):
            return [walk(item, (*path, i)) for i, item in enumerate(value)]
        if isinstance(value, dict):
            result: dict[str, Any] = {}
            origin: dict[str, str] = {}
            for key, item in value.items():
                new_key = redactor.text(key)
                if new_key in result:
                    problems.append(
                        doc.problem(
                            (*path, key),
                            f"the {redactor.profile.name} edition turns {key!r} into "
                            f"{new_key!r}, which this mapping already has for "
                            f"{origin[new_key]!r}: give them different replacements",
                            key=True,
                        )
                    )
                    continue
                origin[new_key] = key
                result[new_key] = walk(item, (*path, key))
            return result
        return value

    data = walk(doc.data, ())
    if adjust is not None and isinstance(data, dict):
        adjust(data)

    def moved(path: PathKey) -> PathKey:
        return tuple(redactor.text(part) if isinstance(part, str) else part for part in path)

    edition = Document(
        path=doc.path,
        shown=doc.shown,
        data=data,
        values={moved(path): loc for path, loc in doc.values.items()},
        keys={moved(path): loc for path, loc in doc.keys.items()},
        text="",
    )
    return edition, problems


def adjust_review_data(redactor: Redactor) -> Callable[[dict[str, Any]], None]:
    def adjust(data: dict[str, Any]) -> None:
        # The redaction section lists the very names the edition hides.
        data.pop("redaction", None)
        meta = data.get("review")
        if redactor.profile.rename and isinstance(meta, dict):
            meta["classification"] = redactor.classification
            meta["publishable"] = True

    return adjust


def adjust_finding_data(redactor: Redactor) -> Callable[[dict[str, Any]], None]:
    def adjust(data: dict[str, Any]) -> None:
        if redactor.profile.omit_evidence:
            data.pop("evidence", None)
            data.pop("evidence_files", None)

    return adjust
