"""Helpers for whole-site tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mkdocs(
    project: Path, *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real mkdocs CLI of this environment in `project`."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def copy_project(target: Path) -> Path:
    """mkdocs.yml, templates/ and reviews/ of the repository, copied into `target`."""
    import shutil

    target.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copytree(ROOT / "reviews", target / "reviews")
    return target
