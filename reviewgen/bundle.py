"""`reviewgen bundle`: the site of one review as a zip that browses from disk.

A client unzips it and double-clicks `index.html`: every link, the search, the tables
and the charts work from `file://`. The site is built by the real MkDocs command, in a
child process, from a configuration derived from the project's mkdocs.yml:

- Material's `offline` plugin: `use_directory_urls: false` (a folder URL opened from
  disk shows a directory listing, not its index.html) and the search index inlined as
  a script (a page opened from disk cannot fetch a file);
- the `iframe-worker` shim that plugin needs (Chromium starts no web worker from
  `file://`), vendored in templates/offline/ instead of loaded from a CDN;
- the reviewgen plugin restricted to the one review (`include`) and the edition
  (`profile`); no `site_url`, since the bundle has no address.

Only the plugin imports MkDocs; this module writes a configuration and runs a command.
The zip is deterministic (sorted entries, fixed timestamps from SOURCE_DATE_EPOCH or
1980-01-01) and written atomically; it replaces only a zip this command wrote.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import dump_mkdocs_config, read_mkdocs_config
from .errors import Problem, ReviewError, UsageError, display_path
from .load import discover, load_review
from .redact import profile_named
from .render import BUILTIN_TEMPLATES

#: The comment of every zip this command writes; only such a zip is ever replaced.
BUNDLE_MARKER = b"written by reviewgen bundle"

#: Vendored files the bundle adds to the site (source under templates/offline/).
SHIM_DIR = BUILTIN_TEMPLATES / "offline"
SHIM = "assets/javascripts/vendor/iframe-worker.shim.js"
SHIM_FILES = {
    SHIM: "iframe-worker.shim.js",
    "assets/javascripts/vendor/iframe-worker.LICENSE": "iframe-worker.LICENSE",
}

#: The earliest time a zip entry can carry.
ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)

#: Variables that would change what the child build publishes behind the command's back.
_CHILD_DROPS = ("REVIEWGEN_PROFILE", "REVIEWGEN_PUBLISH", "SITE_URL")

#: A located message, as reviewgen reports problems: `path:line:column: message`.
_LOCATED = re.compile(r"^\s*(?P<path>\S[^:\n]*):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$")

#: Lines of a failed build shown when it printed no located message.
_TAIL_LINES = 30


class BuildFailed(Exception):
    """The MkDocs build of the bundle failed; `lines` is what to show the user."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Bundled:
    """What a bundle holds, for the command's closing line."""

    out: Path
    source: Path
    slug: str
    edition: str
    classification: str
    files: int

    def summary(self) -> str:
        return (
            f"bundled {display_path(self.source)} as the {self.edition}, classified "
            f"{self.classification!r}, to {display_path(self.out)} ({self.files} files); "
            f"unzip it and open {self.slug}/index.html"
        )


def choose_review(review_dir: Path | None, reviews_dir: Path) -> Path:
    """The one review to bundle: REVIEW_DIR, or the only review of a folder of reviews."""
    if review_dir is not None and (review_dir / "review.yaml").is_file():
        return review_dir
    folder = review_dir if review_dir is not None else reviews_dir
    found = discover(folder)
    if len(found) == 1:
        return found[0]
    where = display_path(folder)
    if not found:
        raise UsageError(f"{where} holds no review (no review.yaml); name a review folder")
    listed = ", ".join(display_path(path) for path in found)
    raise UsageError(
        f"{where} holds {len(found)} reviews; name the one to bundle: "
        f"reviewgen bundle REVIEW_DIR --out FILE.zip (the reviews: {listed})"
    )


def _protect_sources(review: Path, reviews_dir: Path, out: Path) -> None:
    """Nothing is ever written into reviews/ (or into a review outside one)."""
    root = review.resolve()
    for protected in (root.parent if root.parent.name == "reviews" else root, reviews_dir):
        if out.resolve().is_relative_to(protected.resolve()):
            raise UsageError(f"refusing to write {out}: it lies inside {protected}")


def _check_replaceable(out: Path) -> None:
    """An existing `out` is replaced only if it is a zip this command wrote."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_file() and not out.is_symlink() and zipfile.is_zipfile(out):
        with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(out) as old:
            if old.comment.startswith(BUNDLE_MARKER):
                return
    raise UsageError(
        f"refusing to replace {out}: it is not a zip written by reviewgen bundle; "
        "choose a new file name"
    )


def _absolute(value: Any, base: Path) -> Any:
    """A path setting made absolute (the configuration moves to a temporary folder);
    a tagged value (`!ENV`, `!relative`) is left as it is."""
    if isinstance(value, str) and value:
        return str((base / value).resolve())
    return value


def _plugins(config: dict[str, Any]) -> list[Any]:
    """The `plugins` setting as a list of names and {name: options} (it may be a mapping)."""
    plugins = config.get("plugins", ["search"])
    if isinstance(plugins, dict):
        return [{name: options} if options else name for name, options in plugins.items()]
    return list(plugins or [])


def _reviewgen_options(config: dict[str, Any]) -> dict[str, Any]:
    for entry in _plugins(config):
        if isinstance(entry, dict) and _plugin_name(entry) == "reviewgen":
            return dict(entry["reviewgen"] or {})
    return {}


def _plugin_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and len(entry) == 1:
        return str(next(iter(entry)))
    return None


def bundle_config(
    project: dict[str, Any],
    base: Path,
    review: Path,
    profile: str | None,
    docs_dir: Path,
    site_dir: Path,
) -> dict[str, Any]:
    """The configuration of the bundle's build, derived from the project's settings.

    `base` is the folder of the project's mkdocs.yml, against which its relative paths
    are resolved.
    """
    config = dict(project)
    config.pop("site_url", None)
    config.pop("exclude_docs", None)  # the docs folder is ours and holds only the shim
    config.pop("not_in_nav", None)
    config["docs_dir"] = str(docs_dir)
    config["site_dir"] = str(site_dir)
    config["use_directory_urls"] = False
    config["strict"] = True  # a deliverable with a broken link is not delivered
    for key in ("INHERIT", "hooks", "watch"):
        if isinstance(config.get(key), list):
            config[key] = [_absolute(item, base) for item in config[key]]
        elif key in config:
            config[key] = _absolute(config[key], base)

    theme = config.get("theme", {"name": "material"})
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    if "custom_dir" in theme:
        theme["custom_dir"] = _absolute(theme["custom_dir"], base)
    features = theme.get("features")
    if isinstance(features, list):
        # Instant loading fetches pages, which a page opened from disk cannot do.
        theme["features"] = [f for f in features if not str(f).startswith("navigation.instant")]
    config["theme"] = theme

    extra = dict(config.get("extra") or {})
    polyfills = [p for p in extra.get("polyfills") or [] if "iframe-worker" not in str(p)]
    extra["polyfills"] = [*polyfills, SHIM]
    config["extra"] = extra

    entries = [
        entry
        for entry in _plugins(config)
        if _plugin_name(entry) not in ("reviewgen", "offline", "material/offline")
    ]
    reviewgen_options = _reviewgen_options(config)
    for option in ("templates_dir", "overrides_dir"):
        if option in reviewgen_options:
            reviewgen_options[option] = _absolute(reviewgen_options[option], base)
    reviewgen_options.setdefault("templates_dir", str((base / "templates").resolve()))
    reviewgen_options["reviews_dir"] = str(review.resolve().parent)
    reviewgen_options["include"] = [review.resolve().name]
    reviewgen_options.pop("publish", None)  # a build publishes nothing
    reviewgen_options.pop("profile", None)
    if profile is not None:
        reviewgen_options["profile"] = profile
    config["plugins"] = [*entries, {"reviewgen": reviewgen_options}, "offline"]
    return config


def _child_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CHILD_DROPS}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def _failure_lines(output: str) -> list[str]:
    """What a failed build said: its located messages, else its errors, else its tail."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    located = [line.strip() for line in lines if _LOCATED.match(line)]
    if located:
        return located
    errors = [line for line in lines if re.match(r"^(ERROR|WARNING|Error|Aborted)", line)]
    return errors or lines[-_TAIL_LINES:]


def run_mkdocs(config_file: Path) -> None:
    """`python -m mkdocs build` of `config_file`; a failure raises with what it said."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config_file)],
        env=_child_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = _failure_lines(result.stderr + "\n" + result.stdout)
        problems = [_LOCATED.match(line) for line in lines]
        if lines and all(problems):
            raise ReviewError(
                [
                    Problem(m["path"], int(m["line"]), int(m["column"]), m["message"])
                    for m in problems
                    if m is not None
                ]
            )
        raise BuildFailed(
            [
                f"the MkDocs build of the bundle failed (exit status {result.returncode}):",
                *lines,
            ]
        )


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """Every entry's time: SOURCE_DATE_EPOCH (UTC, not before 1980), else 1980-01-01."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = ZIP_EPOCH
    if value:
        try:
            when = max(ZIP_EPOCH, dt.datetime.fromtimestamp(int(value), dt.UTC))
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds") from None
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def write_zip(site_dir: Path, top: str, out: Path) -> int:
    """Zip every file of `site_dir` under `top/`, deterministically and atomically."""
    stamp = zip_timestamp()
    files = sorted(
        (path.relative_to(site_dir).as_posix(), path)
        for path in site_dir.rglob("*")
        if path.is_file()
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w") as archive:
                archive.comment = BUNDLE_MARKER
                for name, path in files:
                    info = zipfile.ZipInfo(f"{top}/{name}", date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.create_system = 3  # Unix, so that the permissions below apply
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, path.read_bytes(), compresslevel=9)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return len(files)


@contextlib.contextmanager
def _workspace() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="reviewgen-bundle-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bundle(
    review_dir: Path | None,
    out: Path,
    profile: str | None = None,
    mkdocs_yml: Path = Path("mkdocs.yml"),
) -> Bundled:
    """Build the site of one review with MkDocs and write it to `out` as a zip.

    Without `review_dir`, the only review in the plugin's `reviews_dir` is taken.
    """
    chosen = profile_named(profile)
    if not mkdocs_yml.is_file():
        raise UsageError(f"{mkdocs_yml} not found; the bundle is built from the project's")
    project = read_mkdocs_config(mkdocs_yml)
    base = mkdocs_yml.resolve().parent
    reviews_dir = base / str(_reviewgen_options(project).get("reviews_dir", "reviews"))
    review_root = choose_review(review_dir, reviews_dir)
    _protect_sources(review_root, reviews_dir, out)
    _check_replaceable(out)
    # Checked here first, so a broken review is reported as `reviewgen check` reports it.
    review = load_review(review_root, chosen)
    with _workspace() as work:
        docs_dir, site_dir = work / "docs", work / "site"
        for target, source in SHIM_FILES.items():
            (docs_dir / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SHIM_DIR / source, docs_dir / target)
        config = bundle_config(project, base, review_root, profile, docs_dir, site_dir)
        config_file = work / "mkdocs.yml"
        header = "# Written by `reviewgen bundle` from the project's mkdocs.yml.\n"
        config_file.write_text(header + dump_mkdocs_config(config), encoding="utf-8")
        run_mkdocs(config_file)
        count = write_zip(site_dir, review.slug, out)
    edition = f"{chosen.name} edition" if chosen else "unredacted edition (no --profile)"
    return Bundled(
        out=out,
        source=review_root,
        slug=review.slug,
        edition=edition,
        classification=review.spec.review.classification,
        files=count,
    )
