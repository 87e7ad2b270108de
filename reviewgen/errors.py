"""The package's single exception type and the problems it carries.

Every user-facing error is a `Problem` pointing at a file, a line and a column.
Loading collects all problems and raises one `ReviewError`; the CLI prints them
and exits 1, the MkDocs plugin turns them into a `PluginError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at `path:line:column`."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class ReviewError(Exception):
    """Raised once with every problem found in a run."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class UsageError(Exception):
    """A command asked for something reviewgen refuses to do (exit status 2)."""
