"""Model notation in words, for the templates.

A review writes attacker positions and targets in a compact notation that suits YAML
(`control:group:services`, `foothold:web`, `group:services`, an entry point id). A client
reads words: "control of any member of group services", "a foothold on web". Every
function here returns escaped Markup (ids in `<code>`), so templates use them as they are;
render.py registers them as Jinja filters (`position`, `gain`, `targets`, `source_note`)
and templates/_macros.md.j2 wraps them as macros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from .markup import inline

GAINS = {
    "control": "control of",
    "foothold": "a foothold on",
    "read": "read access to",
    "deny": "the power to take down",
}
GROUP = "group:"


def _code(text: str) -> Markup:
    return Markup(f"<code>{inline(text)}</code>")


def _and(items: Sequence[Markup]) -> Markup:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return items[0] if items else Markup("")
    return Markup(", ").join(items[:-1]) + Markup(" and ") + items[-1]


def gain(kind: str) -> Markup:
    """What a step gains, as words before its targets: "control of"."""
    return inline(GAINS.get(kind, kind))


def position(text: str, entry_titles: Mapping[str, str] | None = None) -> Markup:
    """An attacker position in words.

    `internet` gives "the Internet entry point" (its title), `foothold:web` "a foothold on
    web", `control:vcsa01` "control of vcsa01" and `control:group:services` "control of
    any member of group services".
    """
    kind, _, subject = text.partition(":")
    if not subject:
        title = (entry_titles or {}).get(text)
        if title is not None:
            return Markup("the ") + inline(title) + Markup(" entry point")
        return Markup("entry point ") + _code(text)
    if subject.startswith(GROUP):
        return gain(kind) + Markup(" any member of group ") + _code(subject[len(GROUP) :])
    return gain(kind) + Markup(" ") + _code(subject)


def targets(to: str | Sequence[str]) -> Markup:
    """What a step or an edge reaches: "every member of group services", "a, b and c"."""
    if isinstance(to, str):
        if to.startswith(GROUP):
            return Markup("every member of group ") + _code(to[len(GROUP) :])
        return _code(to)
    return _and([_code(t) for t in to])


def source_note(path: str) -> Markup:
    """Where a finding is written, for its page: "Recorded in the review's findings/x.yaml"."""
    return Markup("Recorded in the review’s file ") + _code(path) + Markup(".")
