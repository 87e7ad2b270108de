"""Find credentials in review text before they reach a published site.

Detection is detect-secrets' (its specific detectors: private keys, cloud keys,
tokens, passwords assigned in text, credentials in URLs). Its entropy detectors are
left out: they flag ordinary words. Scanning every line through every detector is
slow, so each detector's own trigger patterns are first searched in the whole text,
and only lines that could match go through the full scan, and only through the
detectors whose own patterns match the line. That pre-filter is built from the
detectors themselves, so it can skip work but never a secret. Each trigger is first
looked for through something every one of its matches contains and that is quicker to find
(a literal, or a part of the pattern that starts with one; for a pattern that ignores
case, a literal in the case-folded text); the keyword detector's words are found once in
the case-folded text of the file and its parsed texts together.

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
from bisect import bisect_left
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
# Every keyword contains one of these (checked against the pattern, `_keyword_cores`):
# where none is in the case-folded text, no keyword is, and the keyword search is skipped.
_CORES = ("key", "pass", "pwd", "secret", "contras")
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


def _fold(text: str) -> str:
    """`text` lower-cased, each character as the case-insensitive patterns see it: a
    pattern that ignores case matches an ASCII letter where this has its lower case. One
    character for one, so positions and line breaks stay where they are."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


_SIMPLE = ("LITERAL", "NOT_LITERAL", "IN", "ANY")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _quick_pattern(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A part of `pattern` that starts with a literal, found in every match of it, and
    quicker to search for than it (the regular expression engine scans for a leading
    literal and tries the rest only there); None when there is none or it ignores case.

    Items of the top-level sequence all take part in every match, in order and side by
    side: a run of them without groups, anchors or look-arounds matches where they do.
    For `\\d{8,10}:[0-9A-Za-z_-]{35}` it is `:[0-9A-Za-z_-]{35}`: a YAML file has a
    colon on every line, but rarely one followed by 35 letters and digits.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parser: Any = importlib.import_module("re._parser")
        compiler: Any = importlib.import_module("re._compiler")
        parsed = parser.parse(pattern.pattern, pattern.flags)
        items = list(parsed)

        def simple(item: Any) -> bool:
            op, arg = item
            if str(op) in _SIMPLE:
                return True
            return str(op) in _REPEATS and len(arg[2]) == 1 and str(arg[2][0][0]) in _SIMPLE

        best: tuple[int, int, int] | None = None  # (items, start, end)
        for start, (op, _) in enumerate(items):
            if str(op) != "LITERAL" or (start and str(items[start - 1][0]) == "LITERAL"):
                continue
            end = start
            while end < len(items) and simple(items[end]):
                end += 1
            if best is None or end - start > best[0]:
                best = (end - start, start, end)
        if best is None or best[0] == len(items) or best[0] < 2:
            return None  # the pattern itself, or a single literal (`_required_text`)
        state = parser.State()  # no groups: the part has none
        state.flags = parsed.state.flags
        part = parser.SubPattern(state, items[best[1] : best[2]])
        quick: re.Pattern[str] = compiler.compile(part, pattern.flags)
        return quick
    except Exception:  # another Python's parser: no shortcut, the same result
        return None


def _keyword_cores() -> tuple[str, ...] | None:
    """`_CORES` if every match of the keyword pattern contains one of them, else None.

    Checked on the pattern's parse tree: a match of a sequence contains each run of
    literals in it, and what every match of a group, or of each branch, contains.
    """
    try:
        parser: Any = importlib.import_module("re._parser")
        items = list(parser.parse(_KEYWORDS.pattern, _KEYWORDS.flags))
    except Exception:
        return None

    def contains(sequence: Any) -> bool:
        run = ""
        for op, arg in [*sequence, (None, None)]:
            if str(op) == "LITERAL":
                run += chr(arg)
                continue
            if any(core in run for core in _CORES):
                return True
            run = ""
            if str(op) == "SUBPATTERN" and contains(arg[-1]):
                return True
            if str(op) == "BRANCH" and all(contains(branch) for branch in arg[1]):
                return True
        return False

    return _CORES if contains(items) else None


@dataclass(frozen=True)
class _Gate:
    """One trigger pattern, and how to look for it quickly."""

    pattern: re.Pattern[str]
    needed: str
    """Text every match contains (in the case-folded text if `folded`); may be ""."""
    folded: bool
    quick: re.Pattern[str] | None
    """A pattern every match contains a match of, quicker to search for."""

    def present(self, text: str, folded: str) -> bool:
        if self.folded:
            if self.needed not in folded:
                return False
        elif self.quick is not None:
            if self.quick.search(text) is None:
                return False
        elif self.needed not in text:
            return False
        return self.pattern.search(text) is not None


def _gate(pattern: re.Pattern[str]) -> _Gate:
    if pattern.flags & re.IGNORECASE:
        # The literal as written, matched when case is ignored, is that literal in the
        # case-folded text (for ASCII letters, which is all `_FOLD` is sure of).
        needed = _required_text(re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE))
        if needed.isascii():
            return _Gate(pattern, needed.lower(), True, None)
        return _Gate(pattern, "", False, None)
    return _Gate(pattern, _required_text(pattern), False, _quick_pattern(pattern))


@cache
def _gated_triggers() -> tuple[_Gate, ...]:
    return tuple(_gate(p) for p in _triggers())


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
    _live.clear()


# The plugins of `_gated_plugins` that may find something in a text, by the triggers
# found in it (`_live_plugins`).
_live: dict[frozenset[re.Pattern[str]], list[tuple[Any, tuple[re.Pattern[str], ...] | None]]]
_live = {}


def _live_plugins(
    present: frozenset[re.Pattern[str]],
) -> list[tuple[Any, tuple[re.Pattern[str], ...] | None]]:
    """`_gated_plugins` less the regex detectors none of whose patterns is in `present`
    (those found in the text), each with only its patterns in `present`: a pattern that
    matches no text matches no line of it. The keyword detector's trigger is kept."""
    live = _live.get(present)
    if live is None:
        live = []
        for plugin, patterns in _gated_plugins:
            if patterns is not None:
                patterns = tuple(p for p in patterns if p is _KEYWORD_TRIGGER or p in present)
                if not patterns:
                    continue
            live.append((plugin, patterns))
        _live[present] = live
    return live


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


def _scan_line(
    line: str, plugins: list[tuple[Any, tuple[re.Pattern[str], ...] | None]] | None = None
) -> list[PotentialSecret]:
    """What detect-secrets' `scan_line(line)` yields, in the same order, without its
    per-call settings changes, and skipping plugins that cannot match this line: of
    `plugins` (`_gated_plugins` or fewer, `_live_plugins`), those none of whose patterns
    matches the line."""
    context = get_code_snippet(lines=[line], line_number=1)
    found = []
    for plugin, patterns in _gated_plugins if plugins is None else plugins:
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

    keyword_lines: list[int]
    """0-based numbers of the text's lines where a keyword is, as the text case-folded
    has it: every line the keyword detector's trigger (`_KEYWORD_TRIGGER`) matches, and
    maybe others (it is tested on each)."""
    others: tuple[re.Pattern[str], ...]
    present: frozenset[re.Pattern[str]]
    """`others` as a set."""

    def __bool__(self) -> bool:
        return bool(self.keyword_lines) or bool(self.others)


def _present_triggers(text: str) -> _Triggers:
    folded = _fold(text)
    others = tuple(gate.pattern for gate in _gated_triggers() if gate.present(text, folded))
    return _Triggers(_keyword_lines(folded), others, frozenset(others))


def _keyword_lines(folded: str) -> list[int]:
    """0-based numbers of the lines of `folded` (a case-folded text) that hold a keyword.

    Each keyword contains one of a few short words (`_CORES`), which `str.find` finds far
    faster than a search for the keywords themselves: only lines with one are searched.
    """
    cores = _cores()
    if cores is None:
        starts = [match.start() for match in _KEYWORDS.finditer(folded)]
    else:
        starts = []
        for core in cores:
            at = folded.find(core)
            while at >= 0:
                starts.append(at)
                at = folded.find(core, at + 1)
        starts.sort()
    lines: list[int] = []
    number, counted, line_end = 0, 0, -1
    for at in starts:
        if at < line_end:
            continue  # on the line just searched
        number += folded.count("\n", counted, at)
        counted = at
        line_end = folded.find("\n", at)
        if line_end < 0:
            line_end = len(folded)
        # The keyword pattern has no anchors or look-arounds: searching between the
        # line's ends is searching the line.
        if _KEYWORDS.search(folded, folded.rfind("\n", 0, at) + 1, line_end):
            lines.append(number)
    return lines


_cores = cache(_keyword_cores)


def _suspect_lines(
    text: str, triggers: _Triggers, numbers: Sequence[int] = ()
) -> Iterator[tuple[int, int, str]]:
    """(1-based number, offset, text) of each line of `text` that a trigger matches, in
    order; lines are split at "\n" only. Unless other triggers than the keywords are
    present, only lines `numbers` (in order) are tried: those with a keyword."""
    if triggers.others:
        keyword = (_KEYWORD_TRIGGER,) if triggers.keyword_lines else ()
        tests = [*triggers.others, *keyword]
        offset = 0
        for number, line in enumerate(text.split("\n"), start=1):
            line_start, offset = offset, offset + len(line) + 1
            if any(p.search(line) for p in tests):
                yield number, line_start, line
        return
    # Keyword lines only. The keyword pattern ignores case, which makes it slow to search
    # with; its words were found in the text case-folded instead (each line the pattern
    # matches is found so, and then tested with the pattern itself as before). Case
    # folding keeps the line breaks, so line numbers are the same.
    if not numbers:
        return
    lines = text.split("\n")
    line_number, line_start = 1, 0
    for number in numbers:
        skipped = lines[line_number - 1 : number - 1]
        line_start += sum(map(len, skipped)) + len(skipped)
        line_number = number
        line = lines[number - 1]
        if _KEYWORD_TRIGGER.search(line):
            yield number, line_start, line


def _scan_with(
    texts: Sequence[str], allowed: frozenset[str], triggers: _Triggers, first: int = 0
) -> list[tuple[int, SecretHit]]:
    """`scan_texts` with the triggers already found, in a text of which `texts` joined by
    line breaks are a part, starting at its line `first` (0-based)."""
    if not triggers:
        return []
    _use_our_detectors()
    plugins = _live_plugins(triggers.present)
    hits: list[tuple[int, SecretHit]] = []
    suspects = 0
    for index, text, numbers in _with_keyword_lines(texts, triggers, first):
        spans: list[tuple[int, int]] | None = None
        for number, line_start, line in _suspect_lines(text, triggers, numbers):
            suspects += 1
            if suspects > MAX_SUSPECT_LINES:
                raise TooManySuspectLines(number, index)
            for secret in _scan_line(line, plugins):
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


def _with_keyword_lines(
    texts: Sequence[str], triggers: _Triggers, first: int
) -> Iterator[tuple[int, str, list[int]]]:
    """(index, text, 1-based numbers of its lines with a keyword) of each of `texts`,
    whose first line is line `first` (0-based) of the text the triggers were found in;
    when only keywords were found, only texts with such a line."""
    keyword_lines = triggers.keyword_lines
    every = bool(triggers.others)
    next_keyword = bisect_left(keyword_lines, first)
    for index, text in enumerate(texts):
        if next_keyword == len(keyword_lines) and not every:
            return
        end = first + text.count("\n") + 1
        if next_keyword < len(keyword_lines) and keyword_lines[next_keyword] < end:
            stop = bisect_left(keyword_lines, end, next_keyword)
            numbers = [n - first + 1 for n in keyword_lines[next_keyword:stop]]
            next_keyword = stop
            yield index, text, numbers
        elif every:
            yield index, text, []
        first = end


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
        return first, _scan_with(parsed, allowed, triggers, text.count("\n") + 1)
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
