"""`reviewgen diff OLD NEW`: what changed between two versions of one review.

OLD and NEW are each a review folder, a git revision of one written `REV:PATH`
(`HEAD~3:reviews/northwind-consolidation`; PATH from the repository's top, or from the
working directory when it starts with `./` or `../`, as git reads it), or a version of
the report written `PATH@VERSION` (`reviews/northwind-consolidation@1.0`): the last
commit whose `review.yaml` states that `review.version`. A revision is
extracted with `git archive` into a temporary folder that is removed afterwards; nothing
is written into the repository. Both versions are loaded and checked as `reviewgen
check` would, and compared (`compare.compare`).

`diff_reviews(old, new)` returns the JSON that `--format json` prints; its keys are
stable:

* `schema_version`: 1.
* `old`, `new`: `{"source", "review", "version", "current_state"}`: the argument as
  given, the review's folder name, `review.version`, the state compared.
* `version`: `{"old", "new", "changed"}`: the report's version.
* `findings`: `added` (ids in NEW only), `closed` (`{"id", "title", "reason",
  "retest"}`: reason `removed`, gone from NEW, or `remediated`, its status became
  remediated; `retest` the latest retest `{"date", "result"}` or null), `status_changed`
  (`{"id", "title", "old", "new"}`), `score_changed` (`{"id", "version", "old", "new"}`,
  each side `{"score", "severity", "vector"}` or null when the finding has no vector of
  that version), `severity_changed` (`{"id", "old", "new"}`: the severity the report
  ranks by) and `retested` (`{"id", "date", "result", "note"}`: retests NEW records that
  OLD does not).
* `reach`: one entry per entry point, `{"entry_point", "title", "old", "new",
  "changed"}`, each side `{"controlled", "read", "denied", "controlled_instances",
  "read_instances", "denied_instances"}` (services, then service instances, in the
  current state) or null where the entry point does not exist.
* `single_points_of_total_compromise`: `{"old", "new", "added", "removed"}`, asset ids
  in the current state.

Lists of findings are in id order; everything else in the order the review lists it.
"""

from __future__ import annotations

import dataclasses
import io
import os
import posixpath
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compare import compare
from .errors import ReviewError, display_path
from .figures import Comparison, EntryReach
from .load import load_review
from .registry import VERSION_ORDER
from .review import Review, ScoredFinding
from .yamlsource import YamlProblem, parse_yaml

SCHEMA_VERSION = 1


class DiffError(Exception):
    """An argument of `reviewgen diff` that cannot be read as a review (exit status 1)."""


@dataclass(frozen=True)
class Side:
    """One version of the review: the argument that named it, loaded and compared."""

    source: str
    review: Review
    figures: Comparison


# ----- reading the two versions ------------------------------------------------------


def _git(args: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
    except OSError as err:
        raise DiffError(f"{what}: cannot run git ({err.strerror})") from None


def _git_path(argument: str, path: str, top: Path, cwd: Path) -> str:
    """PATH of `REV:PATH` from the repository's top ('' for the top itself)."""
    if path.startswith(("./", "../")) or path in (".", ".."):
        prefix = os.path.relpath(cwd.resolve(), top.resolve()).replace(os.sep, "/")
        path = posixpath.normpath(posixpath.join(prefix, path))
    path = posixpath.normpath(path) if path else "."
    if path.startswith(("../", "/")) or path == "..":
        raise DiffError(f"{argument}: {path!r} is outside the git repository")
    return "" if path == "." else path


def _top(argument: str, cwd: Path) -> Path:
    """The top of the git repository `cwd` is in, to read revisions from."""
    found = _git(["rev-parse", "--show-toplevel"], cwd, argument)
    if found.returncode != 0:
        raise DiffError(
            f"{argument}: not a review folder, and {cwd.resolve()} is not in a git "
            "repository to read the revision from"
        )
    return Path(found.stdout.decode("utf-8", "replace").strip())


def _stated_version(raw: bytes, shown: str) -> str | None:
    """`review.version` of a review.yaml's bytes, or None when it cannot be read."""
    try:
        data = parse_yaml(raw, Path(shown), shown).data
    except YamlProblem:
        return None
    review = data.get("review") if isinstance(data, dict) else None
    version = review.get("version") if isinstance(review, dict) else None
    return str(version) if version is not None else None


def _version_revision(argument: str, top: Path, cwd: Path) -> tuple[str, str]:
    """`REV:PATH` for `PATH@VERSION`: the newest commit stating that version."""
    path, _, version = argument.rpartition("@")
    if not path or not version:
        raise DiffError(f"{argument}: write a version as PATH@VERSION, such as reviews/name@1.0")
    # PATH is a folder as the shell names it: from the working directory, or absolute.
    relative = os.path.relpath((cwd / path).resolve(), top.resolve()).replace(os.sep, "/")
    inner = _git_path(argument, relative, top, cwd)
    spec = posixpath.join(inner, "review.yaml") if inner else "review.yaml"
    # The commits that changed the folder, newest first: the last one stating the
    # version is that version as it was issued, corrections included.
    log = _git(["log", "--format=%H", "--", inner or "."], top, argument)
    seen: list[str] = []
    for sha in log.stdout.decode().split():
        text = _git(["show", f"{sha}:{spec}"], top, argument)
        stated = _stated_version(text.stdout, f"{sha}:{spec}") if text.returncode == 0 else None
        if stated == version:
            return sha, inner
        if stated is not None and stated not in seen:
            seen.append(stated)
    known = f"; versions in its history: {', '.join(seen)}" if seen else ""
    raise DiffError(f"{argument}: no commit of {spec} states version {version!r}{known}")


@contextmanager
def _revision(argument: str, cwd: Path) -> Iterator[Path]:
    """The review folder `REV:PATH` or `PATH@VERSION` names, extracted into a temporary
    folder."""
    if ":" not in argument:
        top = _top(argument, cwd)
        rev, inner = _version_revision(argument, top, cwd)
        shown = argument
    else:
        rev, _, path = argument.partition(":")
        if not rev:
            raise DiffError(f"{argument}: give a revision before the colon, such as HEAD~1:{path}")
        top = _top(argument, cwd)
        inner = _git_path(argument, path, top, cwd)
        shown = f"{rev}:{inner}" if inner else f"{rev}:"
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top, argument)
    if commit.returncode != 0:
        raise DiffError(f"{argument}: {rev!r} is not a revision of the repository at {top}")
    sha = commit.stdout.decode().strip()
    kind = _git(["cat-file", "-t", f"{sha}:{inner}"], top, argument)
    if kind.returncode != 0 or kind.stdout.decode().strip() != "tree":
        raise DiffError(f"{argument}: there is no folder {inner or '.'!r} at revision {rev}")
    archive = _git(["archive", "--format=tar", f"{sha}:{inner}" if inner else sha], top, argument)
    if archive.returncode != 0:
        message = " ".join(archive.stderr.decode("utf-8", "replace").split())
        raise DiffError(f"{argument}: git archive failed: {message}")
    with tempfile.TemporaryDirectory(prefix="reviewgen-diff-") as tmp:
        # The folder keeps the review's name: it is the review's slug.
        root = Path(tmp) / (posixpath.basename(inner) if inner else top.name)
        root.mkdir()
        with tarfile.open(fileobj=io.BytesIO(archive.stdout), mode="r:") as tar:
            tar.extractall(root, filter="data")
        try:
            yield root
        except ReviewError as err:
            raise _relocated(err, root, shown) from None


def _relocated(err: ReviewError, root: Path, shown: str) -> ReviewError:
    """Problems of an extracted revision, at `REV:PATH/...` rather than the temporary copy."""
    prefixes = sorted({str(root), display_path(root), str(root.resolve())}, key=len, reverse=True)

    def place(path: str) -> str:
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix + os.sep):
                return shown + path[len(prefix) :].replace(os.sep, "/")
        return path

    return ReviewError([dataclasses.replace(p, path=place(p.path)) for p in err.problems])


@contextmanager
def review_folder(argument: str, cwd: Path | None = None) -> Iterator[Path]:
    """The review folder an argument of `reviewgen diff` names (a folder, REV:PATH or
    PATH@VERSION)."""
    here = cwd or Path.cwd()
    folder = here / argument
    if folder.is_dir() or (":" not in argument and "@" not in argument):
        if not folder.is_dir():
            raise DiffError(
                f"{argument}: no such review folder (for a git revision write REV:PATH, "
                "such as HEAD~1:reviews/name, and for a version PATH@VERSION)"
            )
        yield folder if Path(argument).is_absolute() else Path(argument)
        return
    with _revision(argument, here) as root:
        yield root


@contextmanager
def sides(old: str, new: str) -> Iterator[tuple[Side, Side]]:
    """Both versions loaded, checked and compared; temporary copies live until exit."""
    with review_folder(old) as old_root, review_folder(new) as new_root:
        problems = []
        loaded = []
        for source, root in ((old, old_root), (new, new_root)):
            try:
                review = load_review(root)
            except ReviewError as err:
                problems.extend(err.problems)
                continue
            loaded.append(Side(source, review, compare(review)))
        if problems:
            raise ReviewError(problems)
        yield loaded[0], loaded[1]


# ----- what changed ------------------------------------------------------------------


def _score_json(scored: ScoredFinding, version: str) -> dict[str, Any] | None:
    score = scored.score(version)
    if score is None:
        return None
    return {"score": score.score, "severity": score.severity, "vector": score.vector}


def _reach_json(reach: EntryReach | None) -> dict[str, int] | None:
    if reach is None:
        return None
    return {
        "controlled": len(reach.controlled),
        "read": len(reach.read),
        "denied": len(reach.denied),
        "controlled_instances": reach.controlled_instances,
        "read_instances": reach.read_instances,
        "denied_instances": reach.denied_instances,
    }


def _findings(old: Review, new: Review) -> dict[str, Any]:
    before, after = old.finding_by_id, new.finding_by_id
    closed: list[dict[str, Any]] = []
    status: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    severities: list[dict[str, Any]] = []
    retested: list[dict[str, Any]] = []
    for fid in sorted(before):
        was = before[fid]
        if fid not in after:
            closed.append(
                {"id": fid, "title": was.finding.title, "reason": "removed", "retest": None}
            )
            continue
        now = after[fid]
        if now.finding.status != was.finding.status:
            status.append(
                {
                    "id": fid,
                    "title": now.finding.title,
                    "old": was.finding.status,
                    "new": now.finding.status,
                }
            )
            if now.finding.status == "remediated":
                last = now.finding.retests[-1] if now.finding.retests else None
                closed.append(
                    {
                        "id": fid,
                        "title": now.finding.title,
                        "reason": "remediated",
                        "retest": None
                        if last is None
                        else {"date": last.date.isoformat(), "result": last.result},
                    }
                )
        for version in VERSION_ORDER:
            a, b = _score_json(was, version), _score_json(now, version)
            if a != b:
                scores.append({"id": fid, "version": version, "old": a, "new": b})
        old_severity = was.severity(old.primary_version)
        new_severity = now.severity(new.primary_version)
        if old_severity != new_severity:
            severities.append({"id": fid, "old": old_severity, "new": new_severity})
    for fid in sorted(after):
        known = set(before[fid].finding.retests) if fid in before else set()
        for retest in after[fid].finding.retests:
            if retest not in known:
                retested.append(
                    {
                        "id": fid,
                        "date": retest.date.isoformat(),
                        "result": retest.result,
                        "note": retest.note,
                    }
                )
    return {
        "added": sorted(after.keys() - before.keys()),
        "closed": closed,
        "status_changed": status,
        "score_changed": scores,
        "severity_changed": severities,
        "retested": retested,
    }


def diff_reviews(old: Side, new: Side) -> dict[str, Any]:
    """What changed from `old` to `new`, as the JSON of `reviewgen diff --format json`."""
    o, n = old.review, new.review
    old_state, new_state = o.current, n.current
    old_reach = old.figures.states[old_state].entry_points
    new_reach = new.figures.states[new_state].entry_points
    titles = {e.id: e.title for e in o.spec.entry_points} | {
        e.id: e.title for e in n.spec.entry_points
    }
    entries = [e.id for e in n.spec.entry_points]
    entries += [e.id for e in o.spec.entry_points if e.id not in entries]
    reach = []
    for entry in entries:
        a, b = _reach_json(old_reach.get(entry)), _reach_json(new_reach.get(entry))
        reach.append(
            {"entry_point": entry, "title": titles[entry], "old": a, "new": b, "changed": a != b}
        )
    old_points = list(old.figures.states[old_state].single_points_of_total_compromise)
    new_points = list(new.figures.states[new_state].single_points_of_total_compromise)
    return {
        "schema_version": SCHEMA_VERSION,
        "old": _side_json(old),
        "new": _side_json(new),
        "version": {
            "old": o.spec.review.version,
            "new": n.spec.review.version,
            "changed": o.spec.review.version != n.spec.review.version,
        },
        "findings": _findings(o, n),
        "reach": reach,
        "single_points_of_total_compromise": {
            "old": old_points,
            "new": new_points,
            "added": [a for a in new_points if a not in old_points],
            "removed": [a for a in old_points if a not in new_points],
        },
    }


def _side_json(side: Side) -> dict[str, Any]:
    review = side.review
    return {
        "source": side.source,
        "review": review.slug,
        "version": review.spec.review.version,
        "current_state": review.current,
    }


# ----- the text report ---------------------------------------------------------------


def _arrow(old: object, new: object) -> str:
    return f"{old}" if old == new else f"{old} -> {new}"


def _reach_line(item: dict[str, Any]) -> str:
    a, b = item["old"], item["new"]
    if a is None:
        return (
            f"  {item['title']}: new entry point; controls {b['controlled']}, "
            f"reads {b['read']}, denies {b['denied']}"
        )
    if b is None:
        return f"  {item['title']}: entry point removed"
    figures = ", ".join(
        f"{verb} {_arrow(a[key], b[key])}"
        for verb, key in (("controls", "controlled"), ("reads", "read"), ("denies", "denied"))
    )
    return f"  {item['title']}: {figures}" + ("" if item["changed"] else " (unchanged)")


def _score_text(side: dict[str, Any] | None) -> str:
    return "none" if side is None else f"{side['score']:.1f} {side['severity']}"


def diff_text(data: dict[str, Any]) -> str:
    """The report `reviewgen diff` prints by default."""
    old, new, findings = data["old"], data["new"], data["findings"]
    version = data["version"]
    lines = [
        f"Changes from {old['source']} to {new['source']}",
        f"Review version: {_arrow(version['old'], version['new'])}"
        + ("" if version["changed"] else " (unchanged)"),
        "",
    ]
    added = findings["added"]
    lines.append(f"Findings added ({len(added)}): {', '.join(added) or 'none'}")
    lines.append(
        f"Findings closed ({len(findings['closed'])}):" + ("" if findings["closed"] else " none")
    )
    for item in findings["closed"]:
        why = "removed from the review" if item["reason"] == "removed" else "remediated"
        retest = item["retest"]
        if retest:
            why += f", retest {retest['date']}: {retest['result']}"
        lines.append(f"  {item['id']} {item['title']} ({why})")
    changed = findings["status_changed"]
    lines.append(f"Status changes ({len(changed)}):" + ("" if changed else " none"))
    lines.extend(f"  {c['id']}: {c['old']} -> {c['new']}" for c in changed)
    scores = findings["score_changed"]
    lines.append(f"CVSS score changes ({len(scores)}):" + ("" if scores else " none"))
    lines.extend(
        f"  {s['id']} CVSS {s['version']}: {_score_text(s['old'])} -> {_score_text(s['new'])}"
        for s in scores
    )
    severities = findings["severity_changed"]
    lines.append(f"Severity changes ({len(severities)}):" + ("" if severities else " none"))
    lines.extend(f"  {s['id']}: {s['old']} -> {s['new']}" for s in severities)
    retests = findings["retested"]
    lines.append(f"Retests recorded ({len(retests)}):" + ("" if retests else " none"))
    lines.extend(f"  {r['id']} {r['date']}: {r['result']}" for r in retests)
    lines.append("")
    state = _arrow(old["current_state"], new["current_state"])
    lines.append(f"Reach from each entry point, in the current state ({state}), in services:")
    lines.extend(_reach_line(item) for item in data["reach"])
    points = data["single_points_of_total_compromise"]
    lines.append(
        f"Single points of total compromise: {_arrow(len(points['old']), len(points['new']))}"
        f" ({len(points['added'])} added, {len(points['removed'])} removed)"
    )
    if points["added"]:
        lines.append(f"  added: {', '.join(points['added'])}")
    if points["removed"]:
        lines.append(f"  removed: {', '.join(points['removed'])}")
    return "\n".join(lines) + "\n"
