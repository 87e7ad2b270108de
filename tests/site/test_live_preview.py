"""The live preview answers: a broken save shows its located problems in the browser,
the next good save brings the review back, and an unchanged review is not loaded again.

The serve tests run the real `mkdocs serve` on a free port of 127.0.0.1 and fetch pages
with urllib; times are bounds that stop a hung run, not speed criteria (the benchmark
measures those).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from sitehelpers import _get, mkdocs, serving, wait_for

from reviewgen import build
from reviewgen.errors import Problem, ReviewError
from reviewgen.load import load_review
from reviewgen.preview import NOTICE, SiteCache, error_page, folder_digest

SLUG = "northwind-consolidation"
FINDING = "HV-02"
SUMMARY = f"{SLUG}/executive-summary/"
PROBLEMS = '<ul class="reviewgen-problems">'
INJECTED = "<script>alert(1)</script>"
BOUND = 90.0
"""Seconds a served page may take to change before the test fails (a hang, not a speed)."""


def _finding(project: Path) -> Path:
    return project / "reviews" / SLUG / "findings" / f"{FINDING}.yaml"


def _problems(project: Path, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """The problems `reviewgen` finds in the project's review, located as serve shows them."""
    monkeypatch.chdir(project)  # mkdocs serve runs there: paths are relative to it
    with pytest.raises(ReviewError) as caught:
        load_review(project / "reviews" / SLUG)
    return caught.value.problems


def _shown(problem: Problem) -> str:
    """A problem as the error page lists it: located, every character of it escaped."""
    return f"<code>{escape(f'{problem.path}:{problem.line}:{problem.column}')}</code>: " + str(
        escape(problem.message)
    )


def _log(project: Path) -> str:
    return (project.parent / "serve.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    with serving(project) as url:
        yield url


def test_a_broken_save_is_shown_located_and_escaped_then_the_fix_reloads(
    project: Path, server: str, monkeypatch: pytest.MonkeyPatch, edit: Callable[..., None]
) -> None:
    page = f"{server}/{SUMMARY}"
    normal = wait_for(page, "Executive summary", BOUND)
    assert PROBLEMS not in normal
    finding = _finding(project)
    good = finding.read_text(encoding="utf-8")

    # A save that quotes the reviewer's text in its message: shown, escaped, not run.
    edit(finding, "post: [esx01,", f'post: ["{INJECTED}",')
    problems = _problems(project, monkeypatch)
    assert any(INJECTED in p.message for p in problems), problems
    body = wait_for(page, PROBLEMS, BOUND)
    for problem in problems:
        assert _shown(problem) in body, (problem, body[-3000:])
    assert INJECTED not in body
    assert str(escape(INJECTED)) in body
    assert str(escape(NOTICE)) in body

    # A save that leaves the YAML unreadable: its syntax error, at its line and column.
    finding.write_text("id: [", encoding="utf-8")
    problems = _problems(project, monkeypatch)
    assert [p.path.endswith(f"findings/{FINDING}.yaml") for p in problems] == [True]
    located = f"findings/{FINDING}.yaml:{problems[0].line}:{problems[0].column}"
    body = wait_for(page, located, BOUND)
    assert _shown(problems[0]) in body
    assert "YAML syntax error" in body
    assert "Traceback" not in body
    home = wait_for(f"{server}/", located, BOUND)  # every page answers, the home page too
    assert _shown(problems[0]) in home

    # The next good save: the normal page again.
    finding.write_text(good, encoding="utf-8")
    body = _wait_without(page, PROBLEMS)
    assert "Executive summary" in body
    assert wait_for(f"{server}/{SLUG}/findings/hv-02/", FINDING, BOUND)
    assert "Traceback" not in _log(project)


def _wait_without(url: str, text: str) -> str:
    """Poll `url` until its body no longer contains `text`."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        body = _get(url)  # None while the server is busy or restarting
        if body is not None and text not in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} still served at {url} after {BOUND} s")


def test_serve_starts_on_a_broken_review_and_reloads_when_it_is_fixed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finding = _finding(project)
    good = finding.read_text(encoding="utf-8")
    finding.write_text("id: [", encoding="utf-8")
    problems = _problems(project, monkeypatch)
    with serving(project) as server:
        # Without the error page, the first build fails and serve exits: nothing answers.
        home = wait_for(f"{server}/", PROBLEMS, BOUND)
        assert _shown(problems[0]) in home
        summary = wait_for(f"{server}/{SUMMARY}", PROBLEMS, BOUND)
        assert _shown(problems[0]) in summary
        finding.write_text(good, encoding="utf-8")
        body = _wait_without(f"{server}/{SUMMARY}", PROBLEMS)
        assert "Executive summary" in body
    assert "Traceback" not in _log(project)


def test_mkdocs_build_still_fails_on_a_broken_review(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _finding(project).write_text("id: [", encoding="utf-8")
    problems = _problems(project, monkeypatch)
    result = mkdocs(project, "build", "--strict", check=False)
    assert result.returncode != 0
    assert str(problems[0]) in result.stderr
    assert "Traceback" not in result.stderr
    index = project / "site" / "index.html"
    assert not index.exists() or PROBLEMS not in index.read_text(encoding="utf-8")


# ----- the cache, in process ----------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every review folder `build_site` really loads (the real loader, counted)."""
    calls: list[Path] = []
    real = build.load_review

    def counting(root: Path, *args: Any, **kwargs: Any) -> Any:
        calls.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(build, "load_review", counting)
    return calls


def _build(project: Path, cache: SiteCache | None, profile: str | None = None) -> build.Site:
    return build.build_site(
        [project / "reviews" / SLUG],
        templates=project / "templates",
        profile=profile,
        site_url="http://127.0.0.1:8000/",
        cache=cache,
    )


def test_an_unchanged_review_is_loaded_once_and_a_changed_byte_loads_it_again(
    project: Path, counted: list[Path]
) -> None:
    cache = SiteCache()
    first = _build(project, cache)
    second = _build(project, cache)
    assert len(counted) == 1
    assert (cache.loads, cache.renders) == (1, 1)
    assert second.pages == first.pages and second.files == first.files
    assert second.nav == first.nav and second.not_in_nav == first.not_in_nav

    finding = _finding(project)
    finding.write_bytes(finding.read_bytes().replace(b"Hyper-Threading", b"Hyper-threading", 1))
    changed = _build(project, cache)
    assert len(counted) == 2
    assert cache.renders == 2
    page = changed.pages[f"{SLUG}/findings/hv-02.md"]
    assert "Hyper-threading side-channel" in page
    assert page != first.pages[f"{SLUG}/findings/hv-02.md"]


def test_the_cached_site_is_the_site_built_without_a_cache(project: Path) -> None:
    cache = SiteCache()
    _build(project, cache)
    cached = _build(project, cache)
    plain = _build(project, None)
    assert cached.pages == plain.pages
    assert cached.files == plain.files
    assert cached.nav == plain.nav


def test_evidence_and_templates_and_profiles_have_their_own_keys(
    project: Path, counted: list[Path]
) -> None:
    cache = SiteCache()
    _build(project, cache)
    evidence = project / "reviews" / SLUG / "evidence" / "hv-01-esxi-builds.txt"
    evidence.write_bytes(evidence.read_bytes() + b"\n")
    site = _build(project, cache)
    assert len(counted) == 2  # an evidence file is part of the review
    assert site.files[f"{SLUG}/evidence/hv-01-esxi-builds.txt"].endswith(b"\n")

    cover = project / "templates" / "cover.md.j2"
    cover.write_text(cover.read_text(encoding="utf-8") + "\nEdited cover template.\n")
    site = _build(project, cache)
    assert len(counted) == 2  # a template edit renders again, without loading again
    assert cache.renders == 3
    assert "Edited cover template." in site.pages[f"{SLUG}/index.md"]

    public = _build(project, cache, profile="public")
    assert len(counted) == 3  # never one profile's review for another
    assert public.pages.keys() != site.pages.keys()
    assert _build(project, cache).pages == site.pages
    assert len(counted) == 3


def test_a_failed_load_keeps_nothing_broken_and_the_undo_finds_the_last_good_review(
    project: Path, counted: list[Path]
) -> None:
    cache = SiteCache()
    _build(project, cache)
    finding = _finding(project)
    good = finding.read_bytes()
    finding.write_text("id: [", encoding="utf-8")
    with pytest.raises(ReviewError):
        _build(project, cache)
    with pytest.raises(ReviewError):
        _build(project, cache)  # a broken review is loaded again: it is never cached
    assert len(counted) == 3
    finding.write_bytes(good)
    _build(project, cache)
    assert len(counted) == 3


def test_the_digest_is_of_content_not_of_times(project: Path) -> None:
    root = project / "reviews" / SLUG
    before = folder_digest(root)
    finding = _finding(project)
    text = finding.read_bytes()
    finding.write_bytes(text)  # a save that changes nothing but the time
    assert folder_digest(root) == before
    finding.write_bytes(text.replace(b"HV-02", b"HV-0X", 1))
    assert folder_digest(root) != before
    (root / "findings" / "new.yaml").write_bytes(b"")
    finding.write_bytes(text)
    assert folder_digest(root) != before


def test_the_error_page_escapes_every_message() -> None:
    error = ReviewError([Problem("findings/a.yaml", 1, 5, f"got '{INJECTED}' [x](javascript:y)")])
    page = error_page(error, "<b>slug</b>")
    assert INJECTED not in page and "<b>slug" not in page
    assert str(escape(INJECTED)) in page
    assert "<code>findings/a.yaml:1:5</code>" in page
