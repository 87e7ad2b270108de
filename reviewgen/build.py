"""The one pipeline both front-ends call: load, score, compare, render.

`build_site` returns everything in memory (the MkDocs plugin turns it into generated
files); `render_to_folder` writes the same pages to disk for other engines.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .compare import compare
from .errors import UsageError
from .exports import exports
from .load import load_reviews
from .markup import title_text
from .redact import profile_named, redact
from .render import BUILTIN_TEMPLATES, Site, make_environment, render_review
from .review import Review

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


class NotPublishable(UsageError):
    """A publishing build met a review not marked publishable, with no redaction profile."""


def _refuse_unpublishable(reviews: list[Review]) -> None:
    refused = [
        f"{r.slug} (classified {r.spec.review.classification!r})"
        for r in reviews
        if not r.spec.review.publishable
    ]
    if refused:
        raise NotPublishable(
            "reviewgen refuses to publish reviews not marked publishable: "
            + ", ".join(refused)
            + ". Publish a redacted edition instead: "
            "REVIEWGEN_PROFILE=public mkdocs gh-deploy (or set profile: public "
            "under the reviewgen plugin in mkdocs.yml), or set "
            "review.publishable: true once the review may be public as it is."
        )


def build_site(
    roots: list[Path],
    templates: Path | None = None,
    overrides: Path | None = None,
    profile: str | None = None,
    publishing: bool = False,
) -> Site:
    """Everything the site holds; `publishing` refuses unpublishable reviews without a profile."""
    chosen = profile_named(profile)
    loaded = load_reviews(roots)
    if publishing and chosen is None:
        _refuse_unpublishable(loaded)
    reviews = [redact(review, chosen) for review in loaded]
    env = make_environment(overrides, templates)
    site = Site()
    summaries = []
    for review in reviews:
        figures = compare(review)
        pages, nav, hidden = render_review(env, review, figures, chosen)
        site.pages.update(pages)
        site.not_in_nav |= hidden
        site.nav.append({title_text(review.spec.review.title): nav})
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


#: Marks a folder written by `reviewgen render`; only such a folder is ever replaced.
RENDER_MARKER = ".reviewgen-render"


def write_site(site: Site, out: Path) -> int:
    """Write pages and files under `out`, replacing it atomically. Returns the file count.

    An existing `out` is replaced only if it is empty or an earlier render: a typo in
    --out must not delete a folder of the user's.
    """
    out = out.resolve()
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / RENDER_MARKER).is_file())
    ):
        raise UsageError(
            f"refusing to replace {out}: it is not empty and was not written "
            "by reviewgen render; choose a new folder"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / RENDER_MARKER).write_text("written by reviewgen render\n", encoding="utf-8")
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


def standalone_config(site: Site, mkdocs_yml: Path | None) -> bytes:
    """An mkdocs.yml for the exported pages: ours without the plugin, with the nav spelled out."""
    config: dict[str, Any] = {"site_name": "Virtualization security reviews"}
    if mkdocs_yml is not None and mkdocs_yml.is_file():
        config = yaml.safe_load(mkdocs_yml.read_text(encoding="utf-8")) or {}
    config.pop("exclude_docs", None)
    config["docs_dir"] = "docs"
    config["plugins"] = [
        p
        for p in config.get("plugins", [])
        if not (p == "reviewgen" or (isinstance(p, dict) and "reviewgen" in p))
    ]
    config["nav"] = site.nav
    config["not_in_nav"] = "\n".join(f"/{path}" for path in sorted(site.not_in_nav))
    header = b"# Written by `reviewgen render`: the same pages, built without the plugin.\n"
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()


def render_to_folder(
    roots: list[Path],
    out: Path,
    templates: Path | None = None,
    profile: str | None = None,
    mkdocs_yml: Path | None = None,
) -> int:
    """Write the pages as a standalone MkDocs project: OUT/mkdocs.yml and OUT/docs/."""
    target = out.resolve()
    for root in roots:
        review = root.resolve()
        protected = review.parent if review.parent.name == "reviews" else review
        if target.is_relative_to(protected) or protected.is_relative_to(target):
            raise UsageError(f"refusing to write to {out}: it holds or lies inside {protected}")
    site = build_site(roots, templates=templates, profile=profile)
    layout = Site(
        pages={f"docs/{path}": text for path, text in site.pages.items()},
        files={f"docs/{path}": content for path, content in site.files.items()},
    )
    layout.files["mkdocs.yml"] = standalone_config(site, mkdocs_yml)
    return write_site(layout, out)
