"""The MkDocs plugin: a thin adapter from MkDocs events to `build.build_site`.

on_config  loads, checks, scores, compares and renders every review once per build,
           and sets the navigation (finding pages stay out of it; the findings table
           links them, which keeps Material's per-page navigation small).
on_files   adds the pages and files as generated files: nothing is written to disk.
on_serve   watches the reviews and template folders so `mkdocs serve` rebuilds.

Under `mkdocs serve` only, the plugin keeps a content-keyed cache across rebuilds (a
review whose files did not change is not loaded, scored or rendered again), and a review
that cannot be built becomes pages listing its located problems, so the browser shows
them and reloads when the files are fixed. `mkdocs build` and `gh-deploy` still fail.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from .build import build_site, choose_reviews
from .errors import ReviewError, UsageError
from .load import discover
from .preview import SiteCache, error_site
from .redact import UnknownProfile
from .render import Site
from .siteurl import default_site_url

log = get_plugin_logger(__name__)


class ReviewgenConfig(base.Config):
    reviews_dir = c.Type(str, default="reviews")
    """Folder holding one sub-folder per review, relative to mkdocs.yml."""
    templates_dir = c.Type(str, default="templates")
    """reviewgen's page templates, relative to mkdocs.yml."""
    overrides_dir = c.Optional(c.Type(str))
    """A folder of your own templates; a file here replaces the one of the same name."""
    include = c.ListOfItems(c.Type(str), default=[])
    """Slugs of the reviews to build; empty means every review under reviews_dir."""
    publish = c.ListOfItems(c.Type(str), default=[])
    """Slugs of the reviews `mkdocs gh-deploy` publishes (REVIEWGEN_PUBLISH overrides it);
    with none chosen, gh-deploy publishes the only review, and refuses to guess among several."""
    profile = c.Optional(c.Type(str))
    """Redaction profile (see README); the REVIEWGEN_PROFILE variable overrides it."""
    pdf = c.Type(bool, default=False)
    """Also build each review's PDF (`<slug>/exports/<slug>.pdf`), linked from its cover."""
    since = c.Optional(c.Type(str))
    """A git revision (a tag such as v1.0, or HEAD~1), or a report version written @1.0
    (the last commit stating it): each review gets a "Changes since version X" page
    against its folder there. REVIEWGEN_SINCE overrides it."""


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Every failure inside the plugin becomes a message MkDocs prints without a traceback."""
    try:
        yield
    except ReviewError as err:
        raise PluginError("reviewgen found problems in the reviews:\n" + str(err)) from None
    except (UsageError, UnknownProfile) as err:
        raise PluginError(f"reviewgen: {err}") from None
    except PluginError:
        raise
    except Exception as err:
        if os.environ.get("REVIEWGEN_DEBUG"):
            raise
        raise PluginError(
            f"reviewgen: internal error ({type(err).__name__}: {err}); "
            "set REVIEWGEN_DEBUG=1 for details"
        ) from None


class ReviewgenPlugin(BasePlugin[ReviewgenConfig]):
    site: Site | None = None
    reviews_dir: Path = Path()
    cache: SiteCache | None = None
    """The live preview's cache; None outside `mkdocs serve`."""
    served: frozenset[str] = frozenset()
    """The pages of the last good preview build: an error replaces each of them."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup keeps one plugin instance across `mkdocs serve` rebuilds.
        self.command = command
        # `mkdocs serve --clean` reports itself as "build": it gets no cache, and fails.
        self.cache = SiteCache() if command == "serve" else None

    @property
    def previewing(self) -> bool:
        return getattr(self, "command", None) == "serve"

    def _folder(self, config: MkDocsConfig, value: str) -> Path:
        return (Path(config.config_file_path).parent / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.reviews_dir = self._folder(config, self.config.reviews_dir)
        if not self.previewing:
            with _reported():
                return self._configure(config)
        try:
            return self._configure(config)
        except (ReviewError, UsageError, UnknownProfile) as err:
            return self._show_problems(config, err)
        except Exception as err:
            if os.environ.get("REVIEWGEN_DEBUG"):
                raise
            log.info("internal error", exc_info=True)  # INFO: see below
            internal = UsageError(
                f"internal error ({type(err).__name__}: {err}); the terminal shows the details"
            )
            return self._show_problems(config, internal)

    def _show_problems(self, config: MkDocsConfig, error: Exception) -> MkDocsConfig:
        """The preview's pages become the problems; the next good save brings it back."""
        # INFO, not WARNING: under `strict`, a warning would abort the build, and the
        # browser would wait for a page that never comes.
        log.info("the preview shows these problems until they are fixed:\n" + str(error))
        slugs = [root.name for root in discover(self.reviews_dir)]
        self.site = error_site(error, slugs, self.served)
        config.nav = self.site.nav
        return config

    def _configure(self, config: MkDocsConfig) -> MkDocsConfig:
        publish = os.environ.get("REVIEWGEN_PUBLISH")
        roots = choose_reviews(
            discover(self.reviews_dir),
            include=self.config.include,
            publish=[s.strip() for s in publish.split(",") if s.strip()]
            if publish
            else self.config.publish,
            publishing=self.publishing,
        )
        overrides = self.config.overrides_dir
        # Before the build: the exports give each finding's absolute page address.
        if not config.site_url and getattr(self, "command", None) in ("build", "gh-deploy"):
            # gh-deploy: the GitHub Pages address of the remote it pushes to.
            config.site_url, note = default_site_url(self.command, config.remote_name)
            log.info(note)
        profile = os.environ.get("REVIEWGEN_PROFILE") or self.config.profile
        self.site = build_site(
            roots,
            templates=self._folder(config, self.config.templates_dir),
            overrides=self._folder(config, overrides) if overrides else None,
            profile=profile,
            publishing=self.publishing,
            site_url=config.site_url or None,
            cache=self.cache,
            since=os.environ.get("REVIEWGEN_SINCE") or self.config.since,
        )
        if self.config.pdf:  # WeasyPrint takes a while: off by default
            from .pdf import MarkdownSettings, add_pdfs

            markdown = MarkdownSettings(tuple(config.markdown_extensions), config.mdx_configs)
            templates = self._folder(config, self.config.templates_dir)
            mine = self._folder(config, overrides) if overrides else None
            for path in add_pdfs(self.site, markdown, templates, mine):
                log.info(f"PDF: {path}")
        config.nav = self.site.nav
        if self.previewing:
            self.served = frozenset(self.site.pages)
        log.info(f"{len(roots)} review(s), {len(self.site.pages)} pages")
        return config

    @property
    def publishing(self) -> bool:
        return getattr(self, "command", None) == "gh-deploy"

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        with _reported():
            return self._files(files, config)

    def _files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.site is not None
        for found in list(files):
            # Review sources are never published as they are, whatever exclude_docs
            # says; only the generated pages and files below (referenced evidence among
            # them) are.
            source = found.abs_src_path
            if source and Path(source).resolve().is_relative_to(self.reviews_dir):
                files.remove(found)
            elif found.inclusion == InclusionLevel.UNDEFINED:
                # The theme's own assets, not yet classified, must still be published.
                found.inclusion = InclusionLevel.INCLUDED
        site, self.site = self.site, None  # the files hold the content from here on
        generated: list[tuple[str, str | bytes, bool]] = [
            (path, text, path in site.not_in_nav) for path, text in site.pages.items()
        ]
        generated += [(path, content, False) for path, content in site.files.items()]
        for path, content, hidden in generated:
            # The source folder itself is excluded from the site; a generated file
            # (such as a referenced evidence file) takes the place of the original.
            existing = files.get_file_from_path(path)
            if existing is not None:
                files.remove(existing)
            inclusion = InclusionLevel.NOT_IN_NAV if hidden else InclusionLevel.INCLUDED
            files.append(File.generated(config, path, content=content, inclusion=inclusion))
        return files

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        if self.cache is not None:
            # The theme's templates, compiled once per serve session (Jinja compares each
            # template's source before reusing its compiled code).
            env.bytecode_cache = self.cache.templates
        return env

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        for option in (
            self.config.reviews_dir,
            self.config.templates_dir,
            self.config.overrides_dir,
        ):
            if option:
                server.watch(str(self._folder(config, option)))
        return server
