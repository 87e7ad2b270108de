"""Profile the engine (build_site = load + score + compare + render) with pyinstrument.

    .venv/bin/pip install pyinstrument
    .venv/bin/python -m benchmarks.profile_engine --findings 1000 [--stage engine|load|compare]
        [--workload generated|real]

Writes a review in a temporary folder (generated: benchmarks/generate.py; real: the
example's findings multiplied, benchmarks/multiply.py), runs the stage once under the
profiler and prints pyinstrument's call tree plus the functions with the most time of
their own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.multiply import multiply  # noqa: E402
from benchmarks.run import assets_for  # noqa: E402


def _self_times(session: Any, top: int) -> list[str]:
    """Functions by time spent in their own frame (not in callees), across the tree."""
    own: Counter[str] = Counter()

    def walk(frame: Any) -> None:
        if frame.is_synthetic:  # "[self]" and similar: counted in the parent's self time
            return
        name = frame.function or "?"
        where = frame.file_path_short or frame.file_path or "?"
        own[f"{where}:{name}"] += frame.total_self_time
        for child in frame.children:
            walk(child)

    walk(session.root_frame())
    total = session.duration or 1.0
    return [f"{100 * t / total:5.1f} %  {t:7.3f} s  {key}" for key, t in own.most_common(top)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_engine")
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--stage", choices=("engine", "load", "compare"), default="engine")
    parser.add_argument("--workload", choices=("generated", "real"), default="generated")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    from reviewgen.build import build_site
    from reviewgen.compare import compare
    from reviewgen.load import load_review

    base = Path(tempfile.mkdtemp(prefix="reviewgen-profile-"))
    try:
        if args.workload == "real":
            root = multiply(base / f"real-{args.findings}", args.findings)
        else:
            root = generate(
                base / f"synthetic-{args.findings}", args.findings, assets_for(args.findings)
            )
        review = load_review(root) if args.stage == "compare" else None
        profiler = Profiler(interval=0.001)
        profiler.start()
        if args.stage == "engine":
            build_site([root], templates=REPO / "templates")
        elif args.stage == "load":
            load_review(root)
        else:
            assert review is not None
            compare(review)
        session = profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        print("Own time (self), top functions:")
        print("\n".join(_self_times(session, args.top)))
        if args.html:
            args.html.write_text(profiler.output_html(), encoding="utf-8")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
