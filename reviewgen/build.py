"""The one pipeline both front-ends call: load, score, compare, render.

`build_site` returns everything in memory (the MkDocs plugin turns it into generated
files); `render_to_folder` writes the same pages to disk for other engines.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from .changes import PAGE as CHANGES_PAGE
from .changes import changes_since
from .compare import compare
from .errors import Problem, ReviewError, UsageError, display_path
from .exports import exports
from .figures import Comparison
from .load import load_review, load_reviews
from .markup import title_text
from .preview import LoadedReview, RenderedReview, SiteCache, folder_digest
from .redact import Profile, profile_named
from .render import BUILTIN_TEMPLATES, PageContext, Site, make_environment, render_review
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


@contextlib.contextmanager
def template_errors(env: jinja2.Environment) -> Iterator[None]:
    """A broken or missing template becomes a message naming it and what to do."""
    folders = getattr(env.loader, "searchpath", [])
    try:
        yield
    except jinja2.TemplateSyntaxError as err:
        where = display_path(Path(err.filename)) if err.filename else str(err.name)
        raise ReviewError(
            [Problem(where, err.lineno or 1, 1, f"template syntax error: {err.message}")]
        ) from None
    except jinja2.TemplateNotFound as err:
        raise UsageError(
            f"template {err.name!r} not found in {' or '.join(folders)}; restore it from "
            "reviewgen's templates/ folder, or add it to your overrides folder"
        ) from None
    except (ReviewError, UsageError):
        raise
    except Exception as err:
        # Runtime errors in a template (an undefined name, a division by zero) are
        # reported at the template line that raised them.
        frames = [
            frame
            for frame in traceback.extract_tb(err.__traceback__)
            if frame.filename.endswith(".j2")
        ]
        if not frames:
            raise
        frame = frames[-1]
        raise ReviewError(
            [
                Problem(
                    display_path(Path(frame.filename)),
                    frame.lineno or 1,
                    1,
                    f"template error ({type(err).__name__}: {err}); "
                    "fix the template or remove your override of it",
                )
            ]
        ) from None


@contextlib.contextmanager
def _reviews_frozen() -> Iterator[None]:
    """Keep the garbage collector from walking the loaded reviews again and again while
    the pages are rendered.

    Rendering allocates millions of short-lived objects, and each full collection walked
    every object of the loaded reviews once more: a cost that grew with the review (about
    a tenth of the build at 3,000 findings). `gc.freeze` sets what exists now aside for the
    render; `gc.unfreeze` hands it back, so nothing lives longer than it did. A process
    that froze objects of its own is left as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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


def choose_reviews(
    roots: list[Path],
    include: list[str] | None = None,
    publish: list[str] | None = None,
    publishing: bool = False,
) -> list[Path]:
    """The review folders a build takes: `include` narrows every build; a publishing build
    takes the reviews chosen with `publish`, and refuses to guess between several."""
    found = {root.name: root for root in roots}
    for option, wanted in (("include", include), ("publish", publish)):
        missing = sorted(set(wanted or []) - set(found))
        if missing:
            raise UsageError(
                f"{option} names no review folder {', '.join(map(repr, missing))}; "
                f"the reviews are: {', '.join(sorted(found)) or 'none'}"
            )
    if include:
        roots = [root for root in roots if root.name in include]
    if not publishing:
        return roots
    if publish:
        return [root for root in roots if root.name in publish]
    if len(roots) > 1:
        raise NotPublishable(
            "reviewgen publishes only the reviews chosen for publishing, and none is chosen "
            f"among {', '.join(root.name for root in roots)}. Name them: "
            "REVIEWGEN_PUBLISH=<slug>[,<slug>...] mkdocs gh-deploy, or publish: [<slug>] "
            "under the reviewgen plugin in mkdocs.yml."
        )
    return roots


def _distinct_slugs(reviews: list[Review]) -> None:
    seen: dict[str, str] = {}
    for review in reviews:
        if review.slug in seen:
            raise UsageError(
                f"reviews {seen[review.slug]!r} and {review.root.name!r} would both be "
                f"published as {review.slug!r}: give each its own redaction.public_slug"
            )
        seen[review.slug] = review.root.name


#: A review's cache key and entry, when the build has a cache.
_Entry = tuple[tuple[Path, str | None], LoadedReview] | None


def build_site(
    roots: list[Path],
    templates: Path | None = None,
    overrides: Path | None = None,
    profile: str | None = None,
    publishing: bool = False,
    site_url: str | None = None,
    cache: SiteCache | None = None,
    since: str | None = None,
) -> Site:
    """Everything the site holds; `publishing` refuses unpublishable reviews without a profile.
    `site_url`, when known, makes the exports' page addresses absolute; `since`, a git
    revision, adds each review's "Changes since version X" page (changes.py).

    The edition is chosen here, once: every page, export and attachment below comes from
    the same (redacted, under a profile) reviews.

    With a `cache` (the live preview's), a review whose files, templates, profile and
    site address are what they were is neither loaded, scored nor rendered again.
    """
    chosen = profile_named(profile)
    loaded: list[tuple[Review, _Entry]]
    if cache is None:
        loaded = [(review, None) for review in load_reviews(roots, chosen)]
    else:
        loaded = _cached_reviews(cache, roots, chosen)
    reviews = [review for review, _ in loaded]
    if publishing and (chosen is None or not chosen.changes_anything):
        _refuse_unpublishable(reviews)  # an edition that redacts nothing is the review
    _distinct_slugs(reviews)
    env = make_environment(overrides, templates)
    if cache is not None:
        env.bytecode_cache = cache.templates
    with template_errors(env), _reviews_frozen():
        return _site(env, loaded, chosen, templates, overrides, site_url, cache, since)


def _cached_reviews(
    cache: SiteCache, roots: list[Path], chosen: Profile | None
) -> list[tuple[Review, _Entry]]:
    """`load_reviews` through the cache: every problem of every review, or all reviews."""
    name = chosen.name if chosen is not None else None
    found: list[tuple[Review, _Entry]] = []
    keys: list[Path] = []
    problems: list[Problem] = []
    for root in roots:
        key = (root.resolve(), name)
        digest = folder_digest(root)
        entry = cache.loaded.get(key)
        if entry is None or entry.digest != digest:
            # A failed load keeps the last good entry: undoing the edit finds it again.
            try:
                review = load_review(root, chosen)
            except ReviewError as err:
                problems.extend(err.problems)
                continue
            finally:
                cache.loads += 1
            entry = LoadedReview(digest, review, compare(review))
            cache.loaded[key] = entry
        found.append((entry.review, (key, entry)))
        keys.append(key[0])
    if problems:
        raise ReviewError(problems)
    cache.forget(keys)
    return found


def _site(
    env: jinja2.Environment,
    reviews: list[tuple[Review, _Entry]],
    chosen: Profile | None,
    templates: Path | None,
    overrides: Path | None,
    site_url: str | None = None,
    cache: SiteCache | None = None,
    since: str | None = None,
) -> Site:
    site = Site()
    summaries = []
    look = folder_digest(templates or BUILTIN_TEMPLATES, overrides) if cache else ""
    for review, entry in reviews:
        if cache is not None and entry is not None:
            key, loaded = entry
            part = cache.rendered.get(key)
            if part is None or part.key != (loaded.digest, look, site_url):
                part = _render(env, review, loaded.figures, chosen, site_url)
                part.key = (loaded.digest, look, site_url)
                cache.rendered[key] = part
                cache.renders += 1
            figures = loaded.figures
        else:
            figures = compare(review)
            part = _render(env, review, figures, chosen, site_url)
        site.pages.update(part.pages)
        site.not_in_nav |= part.hidden
        nav = copy.deepcopy(part.nav)
        if since:
            changes = changes_since(review, figures, since, chosen)
            helpers = PageContext(review, figures, review.slug)
            helpers.page = CHANGES_PAGE
            path = f"{review.slug}/{CHANGES_PAGE}"
            site.pages[path] = env.get_template("changes.md.j2").render(
                changes=changes, h=helpers, entry_titles={}, review=review
            )
            nav.append({f"Changes since version {changes['version']['old']}": path})
        site.nav.append({title_text(review.spec.review.title): nav})
        site.files.update(part.files)
        summaries.append((review, figures))
    site.pages["index.md"] = env.get_template("home.md.j2").render(reviews=summaries)
    site.nav.insert(0, {"Home": "index.md"})
    site.files.update(
        _assets([templates or BUILTIN_TEMPLATES, *([overrides] if overrides else [])])
    )
    return site


def _render(
    env: jinja2.Environment,
    review: Review,
    figures: Comparison,
    chosen: Profile | None,
    site_url: str | None,
) -> RenderedReview:
    """One review's pages, navigation, exports and referenced evidence."""
    pages, nav, hidden = render_review(env, review, figures, chosen)
    files = {
        f"{review.slug}/{path}": content
        for path, content in exports(review, figures, site_url).items()
    }
    attachments = [a.path for f in review.findings for a in f.finding.evidence_files]
    for path, content in _evidence(review.root, attachments).items():
        files[f"{review.slug}/{path}"] = content
    return RenderedReview(("", "", None), pages, nav, hidden, files)


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


@dataclass(frozen=True)
class _Tagged:
    """A value of mkdocs.yml under a tag such as !ENV, written back as it was."""

    tag: str
    value: Any


class _ConfigLoader(yaml.SafeLoader):
    pass


class _ConfigDumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tagged(node.tag, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_ConfigLoader.add_multi_constructor("!", _construct_tagged)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)
_ConfigDumper.add_representer(_Tagged, _represent_tagged)


def read_mkdocs_config(mkdocs_yml: Path) -> dict[str, Any]:
    """The settings of an mkdocs.yml, tagged values (`!ENV`, `!!python/name:`) kept as written."""
    try:
        loaded = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except yaml.YAMLError as err:
        raise UsageError(f"cannot read {mkdocs_yml}: {err}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"{mkdocs_yml} is not a mapping of settings")
    return loaded


def dump_mkdocs_config(config: dict[str, Any]) -> str:
    """Settings as mkdocs.yml text; tagged values are written back under their tags."""
    return yaml.dump(config, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True)


def standalone_config(site: Site, mkdocs_yml: Path | None) -> bytes:
    """An mkdocs.yml for the exported pages: ours without the plugin, with the nav spelled out.

    Tagged values (`!ENV`, `!!python/name:`) are kept as written, not evaluated.
    """
    config: dict[str, Any] = {"site_name": "Virtualization security reviews"}
    if mkdocs_yml is not None and mkdocs_yml.is_file():
        config = read_mkdocs_config(mkdocs_yml)
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
    return header + dump_mkdocs_config(config).encode()


def render_to_folder(
    roots: list[Path],
    out: Path,
    overrides: Path | None = None,
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
    site = build_site(roots, overrides=overrides, profile=profile)
    layout = Site(
        pages={f"docs/{path}": text for path, text in site.pages.items()},
        files={f"docs/{path}": content for path, content in site.files.items()},
    )
    layout.files["mkdocs.yml"] = standalone_config(site, mkdocs_yml)
    return write_site(layout, out)
