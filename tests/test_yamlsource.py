"""The located YAML reader: data, positions, and every construct it refuses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reviewgen import yamlsource
from reviewgen.errors import Problem, ReviewError, display_path
from reviewgen.yamlsource import YamlProblem, read_yaml


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, text: str | bytes, name: str = "file.yaml") -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problem(folder: Path, text: str | bytes) -> Problem:
    with pytest.raises(YamlProblem) as caught:
        read_yaml(write(folder, text))
    return caught.value.problem


def test_data_and_locations(cwd: Path) -> None:
    doc = read_yaml(
        write(cwd, "a:\n  b: [1, two]\n  c: {d: 2025-04-30}\nlist:\n  - x\n  - y: true\n")
    )
    assert doc.data == {
        "a": {"b": [1, "two"], "c": {"d": dt.date(2025, 4, 30)}},
        "list": ["x", {"y": True}],
    }
    assert doc.shown == "file.yaml"
    assert doc.values[("a", "b", 1)] == (2, 10)
    assert doc.values[("a", "c", "d")] == (3, 10)
    assert doc.values[("list", 1, "y")] == (6, 8)
    assert doc.keys[("a", "c")] == (3, 3)
    assert doc.keys[("list", 1, "y")] == (6, 5)


def test_location_falls_back_to_the_enclosing_value(cwd: Path) -> None:
    doc = read_yaml(write(cwd, "outer:\n  inner: {x: 1}\n"))
    assert doc.at(("outer", "inner", "missing")) == doc.values[("outer", "inner")] == (2, 10)
    assert doc.at(("nothing", "here")) == (1, 1)
    assert doc.at(("outer", "inner"), key=True) == (2, 3)
    located = doc.problem(("outer", "inner", "x"), "wrong")
    assert str(located) == "file.yaml:2:14: wrong"


def test_scalar_types(cwd: Path) -> None:
    doc = read_yaml(
        write(
            cwd,
            'quoted: "1.0"\nfloat: 1.0\nint: 7\nnull: ~\nbool: false\n'
            "date: 2025-01-02\nplain: text\nnonspecific: ! 12\n",
        )
    )
    assert doc.data == {
        "quoted": "1.0",
        "float": 1.0,
        "int": 7,
        "null": None,
        "bool": False,
        "date": dt.date(2025, 1, 2),
        "plain": "text",
        "nonspecific": "12",
    }


def test_non_text_keys_become_text(cwd: Path) -> None:
    doc = read_yaml(write(cwd, "1: a\ntrue: b\nnull: c\n2025-01-02: d\n"))
    assert doc.data == {"1": "a", "true": "b", "null": "c", "2025-01-02": "d"}


def test_byte_order_mark_is_ignored(cwd: Path) -> None:
    assert read_yaml(write(cwd, b"\xef\xbb\xbfa: 1\n")).data == {"a": 1}


def test_empty_file_is_null(cwd: Path) -> None:
    assert read_yaml(write(cwd, "")).data is None


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", (3, 1), "duplicate key 'a' (first defined at line 1)"),
        ("m:\n  k: 1\n  k: 2\n", (3, 3), "duplicate key 'k' (first defined at line 2)"),
        ("a: &x 1\n", (1, 4), "anchors (&name) are not supported"),
        ("a: *x\n", (1, 4), "aliases (*name) are not supported"),
        ("base: {a: 1}\nb:\n  <<: {a: 1}\n", (3, 3), "merge keys (<<) are not supported"),
        ("a: !!python/object:os.system x\n", (1, 4), "tags such as !!python/object:os.system"),
        ("a: !!python/name:os.system\n", (1, 4), "tags such as !!python/name:os.system"),
        ("a: !!binary aGk=\n", (1, 4), "tags such as !!binary are not supported"),
        ("a: !!str 1\n", (1, 4), "tags such as !!str are not supported"),
        ("a: !local {b: 1}\n", (1, 4), "tags such as !local are not supported"),
        ("a: !!set {b}\n", (1, 4), "tags such as !!set are not supported"),
        ("? [a, b]\n: c\n", (1, 3), "a key must be plain text, not a list or mapping"),
        ("a: 1\n---\nb: 2\n", (2, 1), "only one YAML document per file"),
        ("a: 2025-02-30\n", (1, 4), "cannot read '2025-02-30' as a value"),
        ("a:\n\tb: 1\n", (2, 1), "tab character: YAML indentation must use spaces"),
        ("a: [1, 2\n", (2, 1), "YAML syntax error"),
        ("a: 'open\n", (2, 1), "YAML syntax error"),
        ("a: b: c\n", (1, 5), "YAML syntax error: mapping values are not allowed"),
    ],
)
def test_refused_constructs(cwd: Path, text: str, where: tuple[int, int], message: str) -> None:
    found = problem(cwd, text)
    assert found.path == "file.yaml"
    assert (found.line, found.column) == where
    assert message in found.message


def test_nesting_limit(cwd: Path) -> None:
    depth = yamlsource.MAX_DEPTH
    assert read_yaml(write(cwd, "[" * depth + "]" * depth)).data is not None
    found = problem(cwd, "[" * (depth + 1) + "]" * (depth + 1))
    assert found.message == f"nested deeper than {depth} levels"
    assert (found.line, found.column) == (1, depth + 1)


def test_alias_bomb_is_refused_early(cwd: Path) -> None:
    lines = ['a: &a ["x", "x"]'] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)
    ]
    found = problem(cwd, "\n".join(lines) + "\n")
    assert "anchors (&name) are not supported" in found.message


def test_invalid_utf8_is_located(cwd: Path) -> None:
    found = problem(cwd, b"a: 1\nb: caf\xe9\n")
    assert (found.line, found.column) == (2, 7)
    assert found.message == "not valid UTF-8 text; save the file as UTF-8"


@pytest.mark.parametrize(
    ("char", "message"),
    [
        ("\x00", "control character U+0000 is not allowed in text"),
        ("\x1b", "control character U+001B is not allowed in text"),
        ("\x7f", "control character U+007F is not allowed in text"),
        ("\x80", "control character U+0080 is not allowed in text"),
        ("\x9f", "control character U+009F is not allowed in text"),
        ("\ufffe", "character U+FFFE is not allowed in text"),
    ],
)
def test_unprintable_characters_are_located(cwd: Path, char: str, message: str) -> None:
    found = problem(cwd, f"a: 1\nb: x{char}y\n")
    assert (found.line, found.column) == (2, 5)
    assert found.message == message


@pytest.mark.parametrize("char", ["\t", "\xa0", "\u00e9", "\u20ac", "\U0001f600"])
def test_printable_characters_are_read(cwd: Path, char: str) -> None:
    assert read_yaml(write(cwd, f'a: "x{char}y"\n')).data == {"a": f"x{char}y"}


def test_size_limit(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_BYTES", 1024 * 1024)
    found = problem(cwd, "a: " + "x" * (1024 * 1024) + "\n")
    assert found.message == "file is larger than 1 MB"


def test_unreadable_file(cwd: Path) -> None:
    (cwd / "folder.yaml").mkdir()
    with pytest.raises(YamlProblem) as caught:
        read_yaml(cwd / "folder.yaml")
    assert caught.value.problem.message.startswith("cannot read file: ")
    with pytest.raises(YamlProblem) as missing:
        read_yaml(cwd / "absent.yaml")
    assert missing.value.problem.path == "absent.yaml"


def test_paths_are_shown_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = tmp_path / "reviews" / "r"
    sub.mkdir(parents=True)
    path = write(sub, "a: [\n")
    monkeypatch.chdir(tmp_path)
    assert display_path(path) == "reviews/r/file.yaml"
    with pytest.raises(YamlProblem) as caught:
        read_yaml(path)
    assert str(caught.value).startswith("reviews/r/file.yaml:2:1: ")
    monkeypatch.chdir(sub / "..")
    assert display_path(path) == "r/file.yaml"


def test_review_error_sorts_and_deduplicates() -> None:
    problems = [
        Problem("b.yaml", 1, 1, "two"),
        Problem("a.yaml", 9, 1, "one"),
        Problem("a.yaml", 10, 2, "three"),
        Problem("b.yaml", 1, 1, "two"),
    ]
    error = ReviewError(problems)
    assert [str(p) for p in error.problems] == [
        "a.yaml:9:1: one",
        "a.yaml:10:2: three",
        "b.yaml:1:1: two",
    ]
    assert str(error) == "a.yaml:9:1: one\na.yaml:10:2: three\nb.yaml:1:1: two"
