"""Model notation in words (reviewgen/present.py), through the templates' Jinja filters."""

from __future__ import annotations

import pytest

from reviewgen import present
from reviewgen.render import make_environment

ENTRIES = {"internet": "Internet", "vpn-user": "VPN user"}


@pytest.mark.parametrize(
    "text, words",
    [
        ("internet", "the Internet entry point"),
        ("vpn-user", "the VPN user entry point"),
        ("stranger", "entry point <code>stranger</code>"),
        ("foothold:esx01", "a foothold on <code>esx01</code>"),
        ("control:vcsa01", "control of <code>vcsa01</code>"),
        ("control:group:services", "control of any member of group <code>services</code>"),
    ],
)
def test_positions_read_as_words(text: str, words: str) -> None:
    assert str(present.position(text, ENTRIES)) == words


@pytest.mark.parametrize(
    "to, words",
    [
        ("group:services", "every member of group <code>services</code>"),
        ("nfs01", "<code>nfs01</code>"),
        (["esx01"], "<code>esx01</code>"),
        (["esx01", "esx02"], "<code>esx01</code> and <code>esx02</code>"),
        (["db", "ldap", "web"], "<code>db</code>, <code>ldap</code> and <code>web</code>"),
    ],
)
def test_targets_read_as_words(to: str | list[str], words: str) -> None:
    assert str(present.targets(to)) == words


def test_gains_and_source() -> None:
    assert str(present.gain("read")) == "read access to"
    assert str(present.source_note("findings/hv-01.yaml")) == (
        "Recorded in the review’s file <code>findings/hv-01.yaml</code>."
    )


def test_reviewer_text_is_escaped() -> None:
    hostile = "control:<script>alert(1)</script>"
    words = str(present.position(hostile, {}))
    assert "<script>" not in words and "&#60;script&#62;" in words
    title = str(present.position("x", {"x": "<b>*bold*</b>"}))
    assert "<b>" not in title and "*" not in title


def test_the_macros_use_the_filters() -> None:
    env = make_environment()
    template = env.from_string(
        '{% import "_macros.md.j2" as m with context %}'
        "{{ m.step_words(step) }} | {{ m.position('internet') }} | {{ m.source_note(f) }}"
    )
    step = {"requires": "control:group:services", "gains": "control", "to": "vcsa01"}
    rendered = template.render(step=step, entry_titles=ENTRIES, f={"source": "findings/a.yaml"})
    assert rendered == (
        "from control of any member of group <code>services</code>, gains control of "
        "<code>vcsa01</code> | the Internet entry point | "
        '<p class="rg-source">Recorded in the review’s file <code>findings/a.yaml</code>.</p>'
    )
