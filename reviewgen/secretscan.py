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

_LEFT_OUT = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}


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
    patterns: list[re.Pattern[str]] = [re.compile(DENYLIST_REGEX, re.IGNORECASE)]
    plugin: Any
    for plugin in get_mapping_from_secret_type_to_class().values():
        if plugin.__name__ in _LEFT_OUT:
            continue
        if issubclass(plugin, RegexBasedDetector):
            patterns.extend(plugin().denylist)
    return tuple(patterns)


def scan_text(text: str, allowed: frozenset[str] = frozenset()) -> list[SecretHit]:
    """Secrets in `text`, except values contained in an `allowed` (already redacted) text."""
    triggers = [p for p in _triggers() if p.search(text)]
    if not triggers:
        return []
    hits: list[SecretHit] = []
    with transient_settings({"plugins_used": _plugins()}):
        for number, line in enumerate(text.splitlines(), start=1):
            if not any(p.search(line) for p in triggers):
                continue
            for secret in scan_line(line):
                value = secret.secret_value or ""
                if not value or any(value in text_ok for text_ok in allowed):
                    continue
                hits.append(SecretHit(number, line.find(value) + 1, secret.type, value))
    return hits
