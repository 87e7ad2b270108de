"""Find credentials in review text before they reach a published site.

Detection is detect-secrets' (its specific detectors: private keys, cloud keys,
tokens, passwords assigned in text, credentials in URLs). Its entropy detectors are
left out: they flag ordinary words. Scanning every line through every detector is
slow, so each detector's own trigger patterns are first searched in the whole text,
and only lines that could match go through the full scan. That pre-filter is built
from the detectors themselves, so it can skip work but never a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_line
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.keyword import DENYLIST_REGEX
from detect_secrets.settings import transient_settings

# Entropy detectors flag ordinary words; public IPs are handled by redaction, not as
# secrets; the IBM Cloud, SoftLayer and Cloudant detectors use patterns without a fixed
# prefix that cost more than all the others together, for platforms this tool's
# virtualization reviews do not cover.
_LEFT_OUT = {
    "Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "SoftlayerDetector", "CloudantDetector",
}  # fmt: skip
# The keyword detector's words are all lower case: matching them case-sensitively in
# lower-cased text is the same test as its case-insensitive pattern, and ten times faster.
_KEYWORDS = re.compile(DENYLIST_REGEX.removesuffix(r"\w*"))


@dataclass(frozen=True)
class SecretHit:
    line: int
    """1-based line within the scanned text."""
    column: int
    kind: str
    value: str


@cache
def _plugins() -> list[dict[str, str]]:
    classes: list[Any] = get_mapping_from_secret_type_to_class().values()  # type: ignore[assignment]
    return [
        {"name": c.__name__}
        for c in sorted(classes, key=lambda c: c.__name__)
        if c.__name__ not in _LEFT_OUT
    ]


@cache
def _triggers() -> tuple[re.Pattern[str], ...]:
    patterns: list[re.Pattern[str]] = []
    plugin: Any
    for plugin in get_mapping_from_secret_type_to_class().values():
        if plugin.__name__ in _LEFT_OUT:
            continue
        if issubclass(plugin, RegexBasedDetector):
            patterns.extend(plugin().denylist)
    return tuple(patterns)


class TooManySuspectLines(ValueError):
    """More lines look like credentials than the scan checks one by one (a time bound)."""


#: Lines that match a detector's trigger each get the full, slow scan; beyond this many in
#: one text the scan stops and the check fails, so any input is checked in bounded time.
MAX_SUSPECT_LINES = 2000


def _allowed_spans(text: str, allowed: frozenset[str]) -> list[tuple[int, int]]:
    """Where each allowed text occurs; any run of white space matches any other, so a
    multi-line entry also matches its indented copy in a YAML block."""
    spans = []
    for entry in allowed:
        words = entry.split()
        if words:
            pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
            spans += [match.span() for match in pattern.finditer(text)]
    return spans


def scan_text(text: str, allowed: frozenset[str] = frozenset()) -> list[SecretHit]:
    """Secrets in `text`, except those that lie inside an occurrence of an `allowed` text.

    A hit is excused only where it sits inside the redacted text itself: listing a fake
    key does not excuse a real one elsewhere, even though detect-secrets may report both
    by the same short value (a key's header line, a token's prefix).
    """
    keywords = _KEYWORDS.search(text.lower()) is not None
    triggers = [p for p in _triggers() if p.search(text)]
    if keywords:
        triggers.append(re.compile(DENYLIST_REGEX, re.IGNORECASE))
    if not triggers:
        return []
    spans = _allowed_spans(text, allowed)
    hits: list[SecretHit] = []
    suspects = 0
    offset = 0
    with transient_settings({"plugins_used": _plugins()}):
        for number, line in enumerate(text.split("\n"), start=1):
            line_start, offset = offset, offset + len(line) + 1
            if not any(p.search(line) for p in triggers):
                continue
            suspects += 1
            if suspects > MAX_SUSPECT_LINES:
                raise TooManySuspectLines(number)
            for secret in scan_line(line):
                value = secret.secret_value or ""
                if not value:
                    continue
                column = line.find(value)
                at = line_start + max(column, 0)
                if any(begin <= at and at + len(value) <= end for begin, end in spans):
                    continue
                hits.append(SecretHit(number, column + 1, secret.type, value))
    return hits
