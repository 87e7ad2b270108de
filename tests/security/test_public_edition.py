"""The public edition names no one: not in pages, URLs, the search index, the sitemap,
the 404 page, the exports or any attached file, and its check is the build's own.

The review in `planted_review.py` names its client, people, hosts and addresses in every
field kind; it is published with the public profile to a local bare repository and every
file of the gh-pages branch is searched.
"""

from __future__ import annotations

import gzip
import html
import ipaddress
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from planted_review import KEPT, leaks, write_planted_review
from sitehelpers import ROOT, git, mkdocs, with_bare_remote

from reviewgen.cli import main
from reviewgen.load import load_review
from reviewgen.redact import ADDRESS_MASK, PROFILES, Redactor, redactor_for

PUBLIC = PROFILES["public"]


def planted_project(target: Path) -> Path:
    """A project holding only the planted review, with mkdocs.yml and templates."""
    target.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", target / "templates")
    write_planted_review(target / "reviews")
    return target


def published_texts(remote: Path, tmp_path: Path) -> dict[str, str]:
    """Every file of the gh-pages branch, decoded (gzip undone, HTML entities resolved)."""
    clone = tmp_path / "published"
    git(tmp_path, "clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone))
    texts = {}
    for path in sorted(clone.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(clone).parts:
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        if path.suffix == ".json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        texts[path.relative_to(clone).as_posix()] = html.unescape(text)
    return texts


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp_path = tmp_path_factory.mktemp("planted")
    project = with_bare_remote(planted_project(tmp_path / "project"), tmp_path / "remote.git")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REVIEWGEN_PROFILE", "public")
        mkdocs(project, "gh-deploy", "--force")
    return published_texts(tmp_path / "remote.git", tmp_path)


def test_no_planted_text_survives_in_any_published_file(published: dict[str, str]) -> None:
    assert "hospital-review/findings/hv-01/index.html" in published
    assert {"404.html", "sitemap.xml", "search/search_index.json"} <= set(published)
    assert "hospital-review/exports/comparison.json" in published
    assert leaks(published) == []


def test_the_edition_keeps_what_identifies_no_one(published: dict[str, str]) -> None:
    """Times and version numbers are not addresses; pseudonyms keep the figures readable."""
    finding = published["hospital-review/findings/hv-01/index.html"]
    for kept in KEPT:
        assert kept in finding
    assert "Ceph on host-1" in finding  # "pve01-03" is a token built on pve01
    assert "host-2" in finding
    assert ADDRESS_MASK in finding
    assert "Person 1" in finding and "Organisation 1" in finding
    assert "[ticket]" in finding  # a pattern


def test_the_edition_shows_its_own_classification_and_no_source_path(
    published: dict[str, str],
) -> None:
    cover = published["hospital-review/index.html"]
    assert 'rg-classification">TLP:CLEAR<' in cover
    assert "Redacted edition" in cover  # the review id
    finding = published["hospital-review/findings/hv-01/index.html"]
    assert "rg-source" not in finding and ".yaml" not in finding
    assert not [path for path in published if "/evidence/" in path and "appendices" not in path]


def test_check_with_the_profile_checks_the_edition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_planted_review(tmp_path)
    assert main(["check", "--profile", "public", str(root)]) == 0
    out = capsys.readouterr().out
    assert out == f"{root}: ok (1 finding, 1 observation, public edition as hospital-review)\n"


def test_a_replacement_that_breaks_the_review_is_a_located_error_at_check_time(
    example_copy: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    review = example_copy / "review.yaml"
    text = review.read_text(encoding="utf-8")
    text = text.replace('    "Northwind": "The Client"\n', '    "backup": "Backup Server"\n')
    review.write_text(text, encoding="utf-8")
    assert main(["check", str(example_copy)]) == 0  # the confidential review is sound
    capsys.readouterr()

    assert main(["check", "--profile", "public", str(example_copy)]) == 1
    err = capsys.readouterr().err
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t == "  - id: backup")
    assert (
        f"{example_copy}/review.yaml:{line}:9: in the public edition: expected an id in "
        "lowercase kebab-case, such as 'esx01' or 'net-dmz', got 'Backup Server'"
    ) in err
    assert "Traceback" not in err

    project = tmp_path / "project"
    shutil.copytree(ROOT / "templates", project / "templates")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(example_copy, project / "reviews" / example_copy.name)
    monkeypatch.setenv("REVIEWGEN_PROFILE", "public")
    result = mkdocs(project, "build", check=False)
    assert result.returncode != 0
    assert "in the public edition: expected an id" in result.stderr
    assert "Traceback" not in result.stderr and "ValidationError" not in result.stderr


def test_two_names_made_one_are_reported_at_the_second(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review = example_copy / "review.yaml"
    text = review.read_text(encoding="utf-8")
    # Both group names become "ops": the edition would lose one of the groups.
    text = text.replace("  replacements:\n", '  replacements:\n    "services": "ops"\n', 1)
    text = text.replace("groups:\n", "groups:\n  ops: [ldap]\n", 1)
    review.write_text(text, encoding="utf-8")
    assert main(["check", str(example_copy)]) == 0
    capsys.readouterr()
    assert main(["check", "--profile", "public", str(example_copy)]) == 1
    err = capsys.readouterr().err
    assert "in the public edition: the public edition turns 'services' into 'ops'" in err


def test_an_invalid_pattern_is_located(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review = example_copy / "review.yaml"
    text = review.read_text(encoding="utf-8")
    bad = "  patterns:\n    - {pattern: 'NW-(', replacement: x}\n"
    text = text.replace("  replacements:\n", bad + "  replacements:\n", 1)
    review.write_text(text, encoding="utf-8")
    assert main(["check", str(example_copy)]) == 1
    err = capsys.readouterr().err
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "NW-(" in t)
    assert f"review.yaml:{line}:" in err
    assert "not a regular expression: missing ), unterminated subpattern" in err


# ----- addresses are decided by the ipaddress module ---------------------------------


def _public_redactor() -> Redactor:
    review = load_review(ROOT / "reviews" / "northwind-consolidation")
    return redactor_for(review.spec, review.slug, PUBLIC)


@given(address=st.ip_addresses())
def test_every_ip_address_is_masked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    text = f"The host at {address}, then {address.exploded}."
    masked = _REDACTOR.text(text)
    assert str(address) not in masked.replace(ADDRESS_MASK, "")
    assert masked.count(ADDRESS_MASK) == 2


@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    second=st.integers(0, 59),
    version=st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
)
def test_times_and_versions_are_not_addresses(
    hour: int, minute: int, second: int, version: tuple[int, int, int]
) -> None:
    text = f"Logged at {hour:02}:{minute:02}:{second:02} on build {'.'.join(map(str, version))}."
    assert _REDACTOR.text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NFS on 10.20.30.40/24.", f"NFS on {ADDRESS_MASK}."),
        ("vMotion 2001:db8::/64 and fe80::1", f"vMotion {ADDRESS_MASK} and {ADDRESS_MASK}"),
        ("esx01-03 and esx02.corp.example", "host-1 and host-2"),
        ("ESX01 is host; esx01a is not", "host-1 is host; esx01a is not"),
        ("vm-vcsa01-backup, then nfs01:/exports", "host-3, then host-4:/exports"),
        ("Northwind's estate", "The Client's estate"),
        ("mail ops@northwind.example", "mail [e-mail address]"),
    ],
)
def test_tokens_built_on_names(text: str, expected: str) -> None:
    assert _REDACTOR.text(text) == expected


_REDACTOR = _public_redactor()


def test_a_one_letter_folder_name_leaves_vectors_alone(
    example_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    shutil.copytree(example_dir, root)
    edition = load_review(root, PUBLIC)
    original = load_review(root)
    assert [s.vector for f in edition.findings for s in f.scores] == [
        s.vector for f in original.findings for s in f.scores
    ]
    assert edition.slug == "consolidation-review"
