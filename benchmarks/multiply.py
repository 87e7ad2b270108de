"""Write a review of any size made of the example review's real findings, copied.

`multiply(out, findings=N)` copies reviews/northwind-consolidation/review.yaml and its
evidence/ folder unchanged, then writes N finding files: the example's findings as they
are (copy 0), then copies of them with new ids, until there are N. Everything else in a
copy is kept: the text, the evidence and its attachments, the references, the CVSS
vectors and stated scores, the attack steps, their `also_requires` links and
`depends_on`.

Ids are renumbered consistently within a copy: finding `GU-01` in copy 7 becomes
`GU-0701` (prefix, dash, the copy number in at least two digits, then the original
number in two), attack step `S3` becomes `S703`, and every mention of them in the
copied file (a link, `depends_on`, the prose) is renumbered the same way. The ids stay
unique, and within FINDING_ID and STEP_ID. review.yaml names only copy 0's findings, so
its plan, phases and prose stay valid.

A partial last copy takes the findings in an order where each comes after the findings
it names, so every link in it points at a finding that exists.

    python -m benchmarks.multiply OUT --findings 1000
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "reviews" / "northwind-consolidation"

_FINDING_ID = re.compile(r"^id:\s*\"?([A-Z][A-Z0-9]*)-([0-9]+)\"?\s*$", re.MULTILINE)
_STEP = re.compile(r"\bS([0-9]+)\b")


def _source_findings(example: Path) -> dict[str, str]:
    """Finding id → the file's text, for every finding file of the example."""
    found: dict[str, str] = {}
    for path in sorted((example / "findings").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        match = _FINDING_ID.search(text)
        if match is None:
            raise ValueError(f"{path}: no top-level id")
        found[f"{match.group(1)}-{match.group(2)}"] = text
    return found


def _order(texts: dict[str, str], ids: re.Pattern[str]) -> list[str]:
    """The ids, each after every other finding its file names (depth-first, by name)."""
    named = {
        fid: sorted({m.group(0) for m in ids.finditer(text)} - {fid}) for fid, text in texts.items()
    }
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(fid: str) -> None:
        if state.get(fid):
            return  # done, or on the current path (a cycle: order within it is arbitrary)
        state[fid] = 1
        for other in named[fid]:
            visit(other)
        state[fid] = 2
        order.append(fid)

    for fid in sorted(texts):
        visit(fid)
    return order


def new_finding_id(fid: str, copy: int) -> str:
    """`GU-01` in copy 7 → `GU-0701`; copy 0 keeps its id."""
    if copy == 0:
        return fid
    prefix, number = fid.rsplit("-", 1)
    return f"{prefix}-{copy:02d}{int(number):02d}"


def new_step_id(number: int, copy: int) -> str:
    """Step `S3` in copy 7 → `S703`; copy 0 keeps its id."""
    return f"S{number}" if copy == 0 else f"S{copy}{number:02d}"


def _renumbered(text: str, copy: int, ids: re.Pattern[str]) -> str:
    if copy == 0:
        return text
    text = ids.sub(lambda m: new_finding_id(m.group(0), copy), text)
    return _STEP.sub(lambda m: new_step_id(int(m.group(1)), copy), text)


def multiply(out: Path, findings: int, example: Path = EXAMPLE) -> Path:
    """Write a review of `findings` findings made of `example`'s, copied, at `out`."""
    texts = _source_findings(example)
    numbers = [int(fid.rsplit("-", 1)[1]) for fid in texts]
    steps = [int(m.group(1)) for text in texts.values() for m in _STEP.finditer(text)]
    if max(numbers) >= 100 or (steps and max(steps) >= 100):
        raise ValueError("ids numbered 100 or more cannot be renumbered as NN + 2 digits")
    ids = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in sorted(texts)) + r")\b")
    order = _order(texts, ids)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(example / "review.yaml", out / "review.yaml")
    if (example / "evidence").is_dir():
        shutil.copytree(example / "evidence", out / "evidence", dirs_exist_ok=True)
    folder = out / "findings"
    folder.mkdir(exist_ok=True)
    for index in range(findings):
        copy, fid = divmod(index, len(order))
        source = order[fid]
        text = _renumbered(texts[source], copy, ids)
        (folder / f"{new_finding_id(source, copy)}.yaml").write_text(text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.multiply", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out", type=Path, help="the review folder to write (its name is the slug)")
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--example", type=Path, default=EXAMPLE, help="the review to copy")
    args = parser.parse_args(argv)
    if args.findings < 1:
        parser.error("--findings must be at least 1")
    multiply(args.out, args.findings, args.example)
    return 0


if __name__ == "__main__":
    sys.exit(main())
