"""The one pipeline both front-ends call: load, score, compare, render.

`build_site` returns everything in memory (the MkDocs plugin turns it into generated
files); `render_to_folder` writes the same pages to disk for other engines.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .compare import compare
from .errors import UsageError
from .exports import exports
from .load import load_reviews
from .render import BUILTIN_TEMPLATES, Site, make_environment, render_review

ASSETS = "assets"


def _assets(folders: list[Path]) -> dict[str, bytes]:
    """Static files under templates/assets (ours, then the user's overriding them)."""
    files: dict[str, bytes] = {}
    for folder in folders:
        root = folder / ASSETS
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and path.suffix != ".md":  # notes about vendored files
                    files[f"{ASSETS}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return files


def _evidence(review_root: Path, paths: list[str]) -> dict[str, bytes]:
    """Attachments the findings reference; load.py already proved they stay inside."""
    files = {}
    root = review_root.resolve()
    for value in sorted(set(paths)):
        source = (review_root / value).resolve()
        if source.is_relative_to(root) and source.is_file():
            files[Path(value).as_posix()] = source.read_bytes()
    return files


def build_site(
    roots: list[Path],
    templates: Path | None = None,
    overrides: Path | None = None,
    profile: str | None = None,
) -> Site:
    reviews = load_reviews(roots)
    env = make_environment(overrides, templates)
    site = Site()
    summaries = []
    for review in reviews:
        figures = compare(review)
        pages, nav, hidden = render_review(env, review, figures, profile)
        site.pages.update(pages)
        site.not_in_nav |= hidden
        site.nav.append({review.spec.review.title: nav})
        for path, content in exports(review, figures).items():
            site.files[f"{review.slug}/{path}"] = content
        attachments = [a.path for f in review.findings for a in f.finding.evidence_files]
        for path, content in _evidence(review.root, attachments).items():
            site.files[f"{review.slug}/{path}"] = content
        summaries.append((review, figures))
    site.pages["index.md"] = env.get_template("home.md.j2").render(reviews=summaries)
    site.nav.insert(0, {"Home": "index.md"})
    site.files.update(
        _assets([templates or BUILTIN_TEMPLATES, *([overrides] if overrides else [])])
    )
    return site


def write_site(site: Site, out: Path) -> int:
    """Write pages and files under `out`, replacing it atomically. Returns the file count."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for path, text in site.pages.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for path, content in site.files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, retired / "old")
            os.replace(staging, out)
            shutil.rmtree(retired)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(site.pages) + len(site.files)


def render_to_folder(
    roots: list[Path], out: Path, templates: Path | None = None, profile: str | None = None
) -> int:
    target = out.resolve()
    for root in roots:
        review = root.resolve()
        protected = review.parent if review.parent.name == "reviews" else review
        if target.is_relative_to(protected) or protected.is_relative_to(target):
            raise UsageError(f"refusing to write to {out}: it holds or lies inside {protected}")
    return write_site(build_site(roots, templates=templates, profile=profile), out)
