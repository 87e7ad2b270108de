"""When a finding counts as done, for the fix that opens its page.

A finding's `done_when:` says it in the reviewer's words. Without one, the sentence is
built from the finding's data: the verification (`verify:`), or without one the
recommendation, holding on every asset the finding affects in the current state (the
review's last state). The result is Markdown; templates render it with the `markdown`
filter, as they render every other Markdown field.
"""

from __future__ import annotations

from .review import Review, ScoredFinding

#: At most this many asset ids in the default sentence; the rest are counted.
NAMED_ASSETS = 30


def _and(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _assets(ids: list[str]) -> str:
    """Asset ids in a sentence, at most NAMED_ASSETS of them."""
    if len(ids) <= NAMED_ASSETS:
        return _and(ids)
    return _and([*ids[:NAMED_ASSETS], f"{len(ids) - NAMED_ASSETS} more"])


def done_when(review: Review, scored: ScoredFinding) -> str:
    """When `scored` counts as done, as Markdown: its `done_when:`, else a default sentence.

    The default names the assets the finding affects in the current state: "The
    verification above passes on every affected asset of the current state: esx01 and
    esx02." Asset ids are kebab-case, so the sentence holds no Markdown syntax.
    """
    finding = scored.finding
    if finding.done_when is not None:
        return finding.done_when
    check = (
        "The verification above passes"
        if finding.verify is not None
        else "The recommendation is applied"
    )
    affected = finding.affected.get(review.current, [])
    if not affected:
        return f"{check}. No asset of the current state is affected."
    if len(affected) == 1:
        return f"{check} on the affected asset of the current state: {affected[0]}."
    return f"{check} on every affected asset of the current state: {_assets(affected)}."
