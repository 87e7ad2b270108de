"""The secret scan of review files and evidence files, as located problems.

`secretscan.py` finds credentials in text; this module runs it over a review's
files (as written, then every text as parsed) and its evidence attachments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import Problem, display_path
from .secretscan import MAX_SUSPECT_LINES, TooManySuspectLines, scan_file, scan_text
from .yamlsource import Document, PathKey

MAX_EVIDENCE_SCAN = 10 * 1024 * 1024


def _secret_message(kind: str, value: str) -> str:
    # The message names the kind and the first characters only: CI logs are not a
    # place to repeat a credential.
    return (
        f"possible secret ({kind}) starting {value[:4]!r}: remove it, or list the "
        "redacted or fake text under this finding's 'redacted:'"
    )


def _stopped(when: str = "", here: str = "") -> str:
    return (
        f"more than {MAX_SUSPECT_LINES} lines look like credentials{when}; the secret scan "
        f"stops here{here}: split the file"
    )


def _scan(shown: str, text: str, allowed: frozenset[str]) -> tuple[list[Problem], bool]:
    """Problems of `text` as one file; and whether the scan stopped at its line limit."""
    try:
        hits = scan_text(text, allowed)
    except TooManySuspectLines as stop:
        return [Problem(shown, stop.line, 1, _stopped())], True
    return [Problem(shown, h.line, h.column, _secret_message(h.kind, h.value)) for h in hits], False


def _strings(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, bool, str]]:
    """Every text in `data` as parsed, keys too: (path, is a key, text)."""
    if isinstance(data, str):
        yield path, False, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield (*path, key), True, key
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def _texts(data: Any, into: list[str]) -> list[str]:
    """The texts of `_strings(data)`, in the same order, without their paths (which are
    worked out only for a file with a hit)."""
    if isinstance(data, str):
        into.append(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                into.append(key)
            if isinstance(value, str):
                into.append(value)
            elif isinstance(value, dict | list):
                _texts(value, into)
    elif isinstance(data, list):
        for value in data:
            if isinstance(value, str):
                into.append(value)
            elif isinstance(value, dict | list):
                _texts(value, into)
    return into


def secret_problems(doc: Document, allowed: frozenset[str]) -> list[Problem]:
    """Scan the file as written (exact positions), then every text in it as parsed.

    Parsing can spell out what the file hides and join what it splits: backslash escapes
    (`\\x41`, `\\u0041`, an escaped line break) and the folding of line breaks in plain
    and `>` scalars. A scan over its line limit is an error, never a skip. Both scans are
    one pass over the file (`scan_file`): the detectors' triggers are looked for once.
    """
    written, parsed = scan_file(doc.text, _texts(doc.data, []), allowed)
    if isinstance(written, TooManySuspectLines):
        # The file fails; its parsed texts hold the same lines again.
        return [Problem(doc.shown, written.line, 1, _stopped())]
    problems = [
        Problem(doc.shown, h.line, h.column, _secret_message(h.kind, h.value)) for h in written
    ]
    reported = {p.message for p in problems}
    if isinstance(parsed, TooManySuspectLines):
        path, key, _ = list(_strings(doc.data))[parsed.text]
        when = " once the YAML escapes and folded lines of this file are resolved"
        here = f" (line {parsed.line} of this text)"
        problems.append(doc.problem(path, _stopped(when, here), key=key))
        return problems
    strings: list[tuple[PathKey, bool, str]] | None = None
    for index, hit in parsed or ():
        message = _secret_message(hit.kind, hit.value)
        if message not in reported:
            reported.add(message)
            if strings is None:  # the paths, needed only for a file with a hit
                strings = list(_strings(doc.data))
            path, key, _ = strings[index]
            problems.append(doc.problem(path, message, key=key))
    return problems


def evidence_secrets(root: Path, value: str, allowed: frozenset[str]) -> list[Problem]:
    """Scan one evidence file (its first `MAX_EVIDENCE_SCAN` bytes; more is an error)."""
    path = (root / value).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        return []  # reported by the path check
    with path.open("rb") as stream:
        data = stream.read(MAX_EVIDENCE_SCAN + 1)
    # Undecodable bytes become U+FFFD: a file need not be UTF-8 to carry a password.
    text = data[:MAX_EVIDENCE_SCAN].decode("utf-8", errors="replace")
    problems, stopped = _scan(display_path(path), text, allowed)
    if len(data) > MAX_EVIDENCE_SCAN and not stopped:
        problems.append(
            Problem(
                display_path(path),
                text.count("\n") + 1,
                1,
                f"the secret scan reads the first {MAX_EVIDENCE_SCAN // 2**20} MB of an "
                "evidence file and stops here: split the file",
            )
        )
    return problems
