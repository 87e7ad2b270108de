"""Redaction profiles: a publishable edition of a review, without editing its YAML.

A profile says what to take out; the review's `redaction:` section says which
host names, people and other terms are sensitive. Replacements are consistent
(the same host is always `host-1`), so every reference and figure still agrees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .model import Finding, ReviewFile
from .review import Review, ScoredFinding

_ADDRESS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b"  # IPv4 address or CIDR
    r"|\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}(?:/\d{1,3})?"  # IPv6-looking
)


@dataclass(frozen=True)
class Profile:
    name: str
    omit_evidence: bool = False
    mask_people: bool = False
    mask_addresses: bool = False
    mask_hostnames: bool = False
    apply_replacements: bool = False


PROFILES = {
    "internal": Profile("internal"),
    "public": Profile(
        "public",
        omit_evidence=True,
        mask_people=True,
        mask_addresses=True,
        mask_hostnames=True,
        apply_replacements=True,
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


def _substitutions(review: Review, profile: Profile) -> list[tuple[re.Pattern[str], str]]:
    spec = review.spec
    pairs: list[tuple[str, str]] = []
    if profile.apply_replacements:
        pairs += list(spec.redaction.replacements.items())
    if profile.mask_people:
        pairs += [(p.name, f"Reviewer {i}") for i, p in enumerate(spec.review.reviewers, 1)]
        pairs += [(name, f"Person {i}") for i, name in enumerate(spec.redaction.people, 1)]
    if profile.mask_hostnames:
        pairs += [(host, f"host-{i}") for i, host in enumerate(spec.redaction.hostnames, 1)]
    # Longest first, so that "esx01.corp" is replaced before "esx01".
    pairs.sort(key=lambda pair: -len(pair[0]))
    return [
        (re.compile(r"(?<![\w.-])" + re.escape(old) + r"(?![\w-])"), new)
        for old, new in pairs
        if old
    ]


def _scrub(value: Any, rules: list[tuple[re.Pattern[str], str]], addresses: bool) -> Any:
    if isinstance(value, str):
        for pattern, new in rules:
            value = pattern.sub(new, value)
        return _ADDRESS.sub("[address]", value) if addresses else value
    if isinstance(value, list):
        return [_scrub(v, rules, addresses) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, rules, addresses): _scrub(v, rules, addresses) for k, v in value.items()}
    return value


def redact(review: Review, profile: Profile | None) -> Review:
    """The review as the profile publishes it (unchanged without a profile)."""
    if profile is None:
        return review
    rules = _substitutions(review, profile)
    spec_data = _scrub(
        review.spec.model_dump(by_alias=True, exclude={"redaction"}), rules, profile.mask_addresses
    )
    spec = ReviewFile.model_validate(spec_data)
    findings = []
    for scored in review.findings:
        data = scored.finding.model_dump(by_alias=True)
        if profile.omit_evidence:
            data["evidence"] = None
            data["evidence_files"] = []
        data = _scrub(data, rules, profile.mask_addresses)
        findings.append(
            ScoredFinding(
                Finding.model_validate(data), scored.source, scored.scores, scored.requirements
            )
        )
    return replace(review, spec=spec, findings=tuple(findings))
