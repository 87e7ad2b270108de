"""The benchmark still runs end to end (N=30, both workloads); its speed targets are checked
by `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| generated | 30 |" in result.stdout and "| real | 30 |" in result.stdout
    assert "full/baseline" in result.stdout
