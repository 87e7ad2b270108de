"""Find credentials in review text before they reach a published site.

Detection is detect-secrets' (its specific detectors: private keys, cloud keys,
tokens, passwords assigned in text, credentials in URLs). Its entropy detectors are
left out: they flag ordinary words. Scanning every line through every detector is
slow, so each detector's own trigger patterns are first searched in the whole text,
and only lines that could match go through the full scan, and only through the
detectors whose own patterns match the line. That pre-filter is built from the
detectors themselves, so it can skip work but never a secret.

The full scan stops after MAX_SUSPECT_LINES such lines, in one text or in all the texts
of one `scan_texts` call together, and raises `TooManySuspectLines`: the caller reports
that as an error, so what the scan did not read never passes. detect-secrets' settings
(plugins, filters) are built once per process, not per text or per line: its own
`scan_line` changes the settings and clears their caches on every call, so the same
steps are run here without that (`_scan_line`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from detect_secrets.core import scan as _ds_scan
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import DENYLIST_REGEX, KeywordDetector
from detect_secrets.settings import (
    Settings,
    cache_bust,
    configure_settings_from_baseline,
    get_plugins,
    get_settings,
)
from detect_secrets.util.code_snippet import get_code_snippet

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
# The keyword detector's trigger as a line is tested against it. It is literal words and
# `\w*`, so no match runs over a line break, and it has no anchors or look-arounds: the
# lines it matches are those `finditer` finds it in over the whole text.
_KEYWORD_TRIGGER = re.compile(DENYLIST_REGEX, re.IGNORECASE)
# The characters whose lower case is not the letter they match when case is ignored
# (capital I with a dot, dotless i, long s): for a search in lower-cased text.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
# detect-secrets' `scan_line` disables this filter (meaningless for text that is not a
# file) on every call; it is disabled once, when the settings are made.
_INVALID_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
_ADHOC = "adhoc-string-scan"
# Yields only those of the denylist's matches that are well-formed tokens.
_JWT_ANALYZE = JwtTokenDetector.analyze_string


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
# Each configured plugin with the patterns a line must match for it to find anything
# there (None: always run it); in the settings' own plugin order.
_gated_plugins: list[tuple[Any, tuple[re.Pattern[str], ...] | None]] = []


def _use_our_detectors() -> None:
    """Set detect-secrets' process-wide settings to this module's detectors.

    Building them (plugin instances, filter lookups) costs about a millisecond, more than
    scanning a short text, so it is done once per process, not per text. The state is the
    same as inside `transient_settings` with the same plugins, which the scan used before,
    with the filter `scan_line` turns off for ad-hoc text turned off, so the results are
    the same. If other code replaces the settings (detect-secrets makes a new object
    whenever they change), they are set again on the next scan.
    """
    global _configured
    current = get_settings()
    if (
        current is _configured
        and _INVALID_FILE_FILTER not in current.filters
        and set(current.plugins) == {p["name"] for p in _plugins()}
    ):
        return
    cache_bust()
    _configured = configure_settings_from_baseline({"plugins_used": _plugins()})
    _configured.disable_filters(_INVALID_FILE_FILTER)  # clears the filter cache itself
    _gated_plugins[:] = [(plugin, _plugin_patterns(plugin)) for plugin in get_plugins()]


def _plugin_patterns(plugin: Any) -> tuple[re.Pattern[str], ...] | None:
    """Patterns one of which a line must match for `plugin` to report anything in it.

    A regex detector reports only what its `denylist` finds (JwtTokenDetector filters
    that further); the keyword detector only where a keyword is. A plugin that reads
    lines another way is always run.
    """
    if isinstance(plugin, KeywordDetector):
        return (_KEYWORD_TRIGGER,)
    kind = type(plugin)
    if (
        isinstance(plugin, RegexBasedDetector)
        and kind.analyze_line is BasePlugin.analyze_line
        and kind.analyze_string in (RegexBasedDetector.analyze_string, _JWT_ANALYZE)
    ):
        return tuple(plugin.denylist)
    return None


def _scan_line(line: str) -> list[PotentialSecret]:
    """What detect-secrets' `scan_line(line)` yields, in the same order, without its
    per-call settings changes, and skipping plugins that cannot match this line."""
    context = get_code_snippet(lines=[line], line_number=1)
    found = []
    for plugin, patterns in _gated_plugins:
        if patterns is not None and not any(p.search(line) for p in patterns):
            continue
        for secret in _ds_scan._scan_line(
            plugin=plugin,
            filename=_ADHOC,
            line=line,
            line_number=0,
            enable_eager_search=True,
            context=context,
        ):
            if not _ds_scan._is_filtered_out(
                required_filter_parameters=["context"],
                filename=secret.filename,
                secret=secret.secret_value,
                plugin=plugin,
                line=line,
                context=context,
            ):
                found.append(secret)
    return found


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


@dataclass(frozen=True)
class _Triggers:
    """The detectors' trigger patterns that match somewhere in a text: a line no trigger
    matches cannot hold a secret any detector reports."""

    keyword: bool
    """The keyword detector's trigger (`_KEYWORD_TRIGGER`) is among them."""
    others: tuple[re.Pattern[str], ...]

    def __bool__(self) -> bool:
        return self.keyword or bool(self.others)


def _present_triggers(text: str) -> _Triggers:
    others = tuple(p for needed, p in _gated_triggers() if needed in text and p.search(text))
    return _Triggers(_KEYWORDS.search(text.lower()) is not None, others)


def _suspect_lines(text: str, triggers: _Triggers) -> Iterator[tuple[int, int, str]]:
    """(1-based number, offset, text) of each line of `text` that a trigger matches, in
    order; lines are split at "\n" only."""
    if triggers.others:
        tests = [*triggers.others, *((_KEYWORD_TRIGGER,) if triggers.keyword else ())]
        offset = 0
        for number, line in enumerate(text.split("\n"), start=1):
            line_start, offset = offset, offset + len(line) + 1
            if any(p.search(line) for p in tests):
                yield number, line_start, line
        return
    if not triggers.keyword:
        return
    # Keyword lines only. The keyword pattern ignores case, which makes it slow to search
    # with; its words are found in the text case-folded instead (each line the pattern
    # matches is found so, and then tested with the pattern itself as before). Case
    # folding keeps the line breaks, so line numbers are the same.
    folded = text.translate(_FOLD).lower()
    lines: list[str] | None = None
    number, counted, last = 1, 0, 0
    line_number, line_start = 1, 0
    for match in _KEYWORDS.finditer(folded):
        number += folded.count("\n", counted, match.start())
        counted = match.start()
        if number == last:
            continue
        last = number
        if lines is None:
            lines = text.split("\n")
        skipped = lines[line_number - 1 : number - 1]
        line_start += sum(map(len, skipped)) + len(skipped)
        line_number = number
        line = lines[number - 1]
        if _KEYWORD_TRIGGER.search(line):
            yield number, line_start, line


def _scan_with(
    texts: Sequence[str], allowed: frozenset[str], triggers: _Triggers
) -> list[tuple[int, SecretHit]]:
    """`scan_texts` with the triggers already found (in these texts or more)."""
    if not triggers:
        return []
    _use_our_detectors()
    hits: list[tuple[int, SecretHit]] = []
    suspects = 0
    for index, text in enumerate(texts):
        spans: list[tuple[int, int]] | None = None
        for number, line_start, line in _suspect_lines(text, triggers):
            suspects += 1
            if suspects > MAX_SUSPECT_LINES:
                raise TooManySuspectLines(number, index)
            for secret in _scan_line(line):
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
    return _scan_with(texts, allowed, _present_triggers("\n".join(texts)))


Scan = list[SecretHit] | TooManySuspectLines
"""The hits of one scan, or where it stopped at its line limit."""


def scan_file(
    text: str, parsed: Sequence[str], allowed: frozenset[str] = frozenset()
) -> tuple[Scan, list[tuple[int, SecretHit]] | TooManySuspectLines | None]:
    """One file in one pass: `scan_text(text)`, then `scan_texts(parsed)` (the texts as
    parsed) unless the first stopped at its line limit (None then).

    Each keeps its own line limit and gives what it gives alone; the triggers are looked
    for once, in the file and its parsed texts together (a line a trigger matches, it
    matches in the joined text too; a trigger present only elsewhere matches no line).
    """
    triggers = _present_triggers("\n".join((text, *parsed)))
    try:
        first: Scan = [hit for _, hit in _scan_with([text], allowed, triggers)]
    except TooManySuspectLines as stop:
        return stop, None
    try:
        return first, _scan_with(parsed, allowed, triggers)
    except TooManySuspectLines as stop:
        return first, stop


def scan_text(text: str, allowed: frozenset[str] = frozenset()) -> list[SecretHit]:
    """Secrets in `text`, except those that lie inside an occurrence of an `allowed` text.

    A hit is excused only where it sits inside the redacted text itself: listing a fake
    key does not excuse a real one elsewhere, even though detect-secrets may report both
    by the same short value (a key's header line, a token's prefix). More than
    MAX_SUSPECT_LINES lines that match a trigger raise `TooManySuspectLines`.
    """
    return [hit for _, hit in scan_texts([text], allowed)]
