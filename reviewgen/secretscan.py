"""Find credentials in review text before they reach a published site.

Detection is detect-secrets' (its specific detectors: private keys, cloud keys,
tokens, passwords assigned in text, credentials in URLs). Its entropy detectors are
left out: they flag ordinary words. Scanning every line through every detector is
slow, so each detector's own trigger patterns are first searched in the whole text,
and only lines that could match go through the full scan. That pre-filter is built
from the detectors themselves, so it can skip work but never a secret.

The full scan stops after MAX_SUSPECT_LINES such lines, in one text or in all the texts
of one `scan_texts` call together, and raises `TooManySuspectLines`: the caller reports
that as an error, so what the scan did not read never passes. detect-secrets' settings
are set once per process, not per text.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_line
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.keyword import DENYLIST_REGEX
from detect_secrets.settings import (
    Settings,
    cache_bust,
    configure_settings_from_baseline,
    get_settings,
)

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


def _required_text(pattern: re.Pattern[str]) -> str:
    """The longest run of plain characters that every match of `pattern` contains, read
    from the pattern's parse tree ("" when there is none or the pattern ignores case).

    Searching a whole text for a pattern such as `(?:\\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}` costs
    far more than looking for "AKC", and where "AKC" is absent the pattern cannot match.
    """
    if pattern.flags & re.IGNORECASE:
        return ""
    try:
        parser: Any = importlib.import_module("re._parser")
        items = list(parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # another Python's parser: no shortcut, the same result
        return ""
    best = run = ""
    # Items of the top-level sequence all take part in every match, in order; a run of
    # literals between them is matched as it stands. Groups, branches, repeats and
    # anchors end a run.
    for op, arg in items:
        if op == parser.LITERAL:
            run += chr(arg)
            best = max(best, run, key=len)
        else:
            run = ""
    return best


@cache
def _gated_triggers() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((_required_text(p), p) for p in _triggers())


class TooManySuspectLines(ValueError):
    """More lines look like credentials than the scan checks one by one (a time bound)."""

    def __init__(self, line: int, text: int = 0) -> None:
        super().__init__(line, text)
        self.line = line
        """1-based line, within the text where the scan stopped, of the first line over."""
        self.text = text
        """Index of that text among the texts scanned together (0 for `scan_text`)."""


#: Lines that match a detector's trigger each get the full, slow scan; beyond this many in
#: one scan (one text, or all the texts given to one `scan_texts` call) the scan stops and
#: the check fails, so any input is checked in bounded time.
MAX_SUSPECT_LINES = 2000

_configured: Settings | None = None


def _use_our_detectors() -> None:
    """Set detect-secrets' process-wide settings to this module's detectors.

    Building them (plugin instances, filter lookups) costs about a millisecond, more than
    scanning a short text, so it is done once per process, not per text. The state is the
    same as inside `transient_settings` with the same plugins, which the scan used before,
    so the results are the same. If other code replaces the settings (detect-secrets
    makes a new object whenever they change), they are set again on the next scan.
    """
    global _configured
    current = get_settings()
    if current is _configured and set(current.plugins) == {p["name"] for p in _plugins()}:
        return
    cache_bust()
    _configured = configure_settings_from_baseline({"plugins_used": _plugins()})


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


def _present_triggers(text: str) -> list[re.Pattern[str]]:
    """The trigger patterns that match somewhere in `text`: a line no trigger matches
    cannot hold a secret any detector reports."""
    triggers = [p for needed, p in _gated_triggers() if needed in text and p.search(text)]
    if _KEYWORDS.search(text.lower()) is not None:
        triggers.append(re.compile(DENYLIST_REGEX, re.IGNORECASE))
    return triggers


def scan_texts(
    texts: Sequence[str], allowed: frozenset[str] = frozenset()
) -> list[tuple[int, SecretHit]]:
    """Secrets in each of `texts`, as (index of the text, hit), in order.

    The texts share one time bound: together they may hold at most MAX_SUSPECT_LINES
    lines that match a trigger; past that, `TooManySuspectLines` names the text and line.
    Each text is otherwise scanned as `scan_text` scans it alone: lines never run from
    one text into the next, and `allowed` is matched within each text.
    """
    # One search per trigger over all the texts together, not one per text: a line that
    # a trigger matches is matched by it in the joined text too (the join adds only line
    # breaks, which the patterns treat as white space or the end of a line).
    triggers = _present_triggers("\n".join(texts))
    if not triggers:
        return []
    _use_our_detectors()
    hits: list[tuple[int, SecretHit]] = []
    suspects = 0
    for index, text in enumerate(texts):
        spans: list[tuple[int, int]] | None = None
        offset = 0
        for number, line in enumerate(text.split("\n"), start=1):
            line_start, offset = offset, offset + len(line) + 1
            if not any(p.search(line) for p in triggers):
                continue
            suspects += 1
            if suspects > MAX_SUSPECT_LINES:
                raise TooManySuspectLines(number, index)
            for secret in scan_line(line):
                value = secret.secret_value or ""
                if not value:
                    continue
                column = line.find(value)
                at = line_start + max(column, 0)
                if spans is None:
                    spans = _allowed_spans(text, allowed)
                if any(begin <= at and at + len(value) <= end for begin, end in spans):
                    continue
                hits.append((index, SecretHit(number, column + 1, secret.type, value)))
    return hits


def scan_text(text: str, allowed: frozenset[str] = frozenset()) -> list[SecretHit]:
    """Secrets in `text`, except those that lie inside an occurrence of an `allowed` text.

    A hit is excused only where it sits inside the redacted text itself: listing a fake
    key does not excuse a real one elsewhere, even though detect-secrets may report both
    by the same short value (a key's header line, a token's prefix). More than
    MAX_SUSPECT_LINES lines that match a trigger raise `TooManySuspectLines`.
    """
    return [hit for _, hit in scan_texts([text], allowed)]
