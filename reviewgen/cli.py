"""The `reviewgen` command line. `main(argv)` returns the exit status."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from .errors import ReviewError, UsageError
from .load import discover, load_review, load_reviews
from .model import DELTAS, FINDING_ID
from .redact import UnknownProfile, profile_named
from .scoring import VectorError, score_vector
from .textreport import plural
from .yamlsource import YamlProblem

DEFAULT_REVIEWS = Path("reviews")


def _review_dirs(paths: list[Path]) -> list[Path]:
    """Expand arguments: a review folder stays, a folder of reviews becomes its reviews."""
    roots: list[Path] = []
    for path in paths or [DEFAULT_REVIEWS]:
        if (path / "review.yaml").is_file():
            roots.append(path)
        else:
            found = discover(path)
            roots.extend(found or [path])
    return roots


def cmd_check(args: argparse.Namespace) -> int:
    profile = profile_named(args.profile)
    roots = _review_dirs(args.paths)
    if args.kev_catalog is None:
        reviews = load_reviews(roots, profile)
    else:
        from .exploitation import CatalogueProblem, check_against, read_kev_catalogue

        # Every problem of both checks is reported in one run: the catalogue check reads
        # the finding files itself, so it needs no review that loads cleanly.
        problems = []
        try:
            reviews = load_reviews(roots, profile)
        except ReviewError as err:
            problems += err.problems
        try:
            catalogue = read_kev_catalogue(args.kev_catalog)
        except CatalogueProblem as err:
            problems.append(err.problem)
        else:
            for root in roots:
                problems += check_against(root, catalogue)
        if problems:
            raise ReviewError(problems)
    edition = f", {profile.name} edition as {{slug}}" if profile and profile.rename else ""
    for review in reviews:
        drafts = f"; {plural(len(review.drafts), 'draft')} to triage" if review.drafts else ""
        print(
            f"{review.root}: ok ({plural(len(review.findings), 'finding')}, "
            f"{plural(len(review.spec.observations), 'observation')}"
            f"{edition.format(slug=review.slug)}{drafts})"
        )
    if args.kev_catalog is not None:
        print(
            f"{catalogue.shown}: the findings' KEV marks agree with the {catalogue.name} "
            f"({plural(len(catalogue.added), 'CVE')})"
        )
    return 0


def _vectors(arguments: list[str]) -> Iterable[str]:
    for argument in arguments:
        if argument == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield argument


def cmd_cvss(args: argparse.Namespace) -> int:
    status = 0
    out = sys.stdout
    for vector in _vectors(args.vectors):
        try:
            line = score_vector(vector).as_json()
        except VectorError as err:
            line = {"vector": vector, "error": str(err)}
            status = 1
        out.write(json.dumps(line) + "\n")
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .textreport import text_report

    review = load_review(args.review)
    figures = compare(review)
    if args.format == "json":
        print(json.dumps(figures.to_json(), indent=2))
    else:
        sys.stdout.write(text_report(review, figures))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import DiffError, diff_reviews, diff_text, sides

    try:
        with sides(args.old, args.new) as (old, new):
            data = diff_reviews(old, new)
    except DiffError as err:
        print(f"reviewgen diff: {err}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        sys.stdout.write(diff_text(data))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text(args.which))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from . import scaffold

    if args.what == "review":
        title = args.title or "Virtualization security review"
        scaffold.create(args.path / "review.yaml", scaffold.review_yaml(title, dt.date.today()))
        print(f"created {args.path / 'review.yaml'}")
        return 0
    if args.from_template:
        return _new_from_library(args)
    if args.id is None or args.title is None:
        raise UsageError("new finding needs --id and --title, or --from TEMPLATE")
    if not re.fullmatch(FINDING_ID, args.id):
        raise UsageError(
            f"--id {args.id!r} is not a finding id: use capital letters, a dash "
            "and a number, such as HV-01"
        )
    states, categories = scaffold.review_states(args.path)
    category = args.category or (categories[0] if categories else "guest")
    target = args.path / "findings" / f"{args.id}.yaml"
    scaffold.create(target, scaffold.finding_yaml(args.id, args.title, category, states))
    print(f"created {target}")
    return 0


def _new_from_library(args: argparse.Namespace) -> int:
    from .librarian import create_finding, entry_lines, library_dirs, load_library

    if args.id is not None and not re.fullmatch(FINDING_ID, args.id):
        raise UsageError(f"--id {args.id!r} is not a finding id, such as HV-01")
    if args.category is not None:
        raise UsageError("--category does not apply with --from: the template sets it")
    library = load_library(library_dirs(args.library))
    interactive = not args.affected and sys.stdin.isatty()
    done = create_finding(
        library,
        args.path,
        args.from_template,
        finding_id=args.id,
        title=args.title,
        delta=args.delta,
        affected_flags=args.affected or (),
        add_registries=args.add_registries,
        interactive=interactive,
    )
    print(f"created {done.path} ({done.finding_id}) from library template {args.from_template}")
    if not args.affected and not interactive:
        print(
            "affected: left empty (no --affected STATE=ASSET,... given and stdin is not a "
            "terminal); list the affected assets per state under 'affected:'"
        )
    elif not any(done.affected.values()):
        print("affected: none")
    else:
        listed = "; ".join(f"{s}: {', '.join(a) or 'none'}" for s, a in done.affected.items())
        print(f"affected: {listed}")
    if done.added:
        print(f"added to {args.path / 'review.yaml'}:")
        print("\n".join(entry_lines(done.missing)))
    elif done.missing:
        print(
            "review.yaml lacks registry entries this finding cites, so `reviewgen check` "
            "fails until they exist. Add these entries to the lists of the same name in "
            "review.yaml (--add-registries adds them for you):"
        )
        print("\n".join(entry_lines(done.missing)))
    for note in done.notes:
        print(note)
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    from .librarian import library_dirs, list_table, load_library, show_text

    library = load_library(library_dirs(args.library))
    if args.library_command == "show":
        sys.stdout.write(show_text(library, args.template))
    else:
        sys.stdout.write(list_table(library, args.category))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .build import render_to_folder

    written = render_to_folder(
        _review_dirs(args.paths),
        args.out,
        overrides=args.templates,
        profile=args.profile,
        mkdocs_yml=args.config,
    )
    print(f"wrote {written} files to {args.out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .importers import ScanFileError, import_scan

    try:
        outcome = import_scan(
            args.format,
            args.file,
            args.review,
            args.map,
            state=args.state,
            category=args.category,
            stig_framework=args.stig_framework,
        )
    except ScanFileError as err:
        print(f"reviewgen: {err}", file=sys.stderr)
        return 1
    print("\n".join(outcome.lines()))
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from .bundle import BuildFailed, bundle

    try:
        done = bundle(args.path, args.out, profile=args.profile, mkdocs_yml=args.config)
    except BuildFailed as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 1
    print(done.summary())
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from .pdf import build_pdf

    review = args.path
    if review is None:
        found = discover(DEFAULT_REVIEWS)
        if len(found) != 1:
            raise UsageError(f"{DEFAULT_REVIEWS} holds {len(found)} reviews; name the one to print")
        review = found[0]
    done = build_pdf(
        review, args.out, profile=args.profile, mkdocs_yml=args.config, overrides=args.templates
    )
    print(f"wrote {done.path}: {done.pages} pages, {plural(done.findings, 'finding')}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="reviewgen", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check review folders; print every problem")
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="REVIEW_DIR",
        help="review folders, or a folder of reviews (default: reviews/)",
    )
    check.add_argument(
        "--profile",
        default=None,
        help="also check the redacted edition this profile publishes, e.g. public",
    )
    check.add_argument(
        "--kev-catalog",
        type=Path,
        default=None,
        metavar="FILE",
        help="also check the findings' KEV marks against a downloaded copy of CISA's "
        "known_exploited_vulnerabilities.json (read from disk; no network)",
    )
    check.set_defaults(run=cmd_check)

    cvss = commands.add_parser("cvss", help="score CVSS vectors; one JSON object per line")
    cvss.add_argument("vectors", nargs="+", metavar="VECTOR", help="vectors, or - for stdin")
    cvss.set_defaults(run=cmd_cvss)

    comp = commands.add_parser("compare", help="compare the states of a review")
    comp.add_argument("review", type=Path, metavar="REVIEW_DIR")
    comp.add_argument("--format", choices=("text", "json"), default="text")
    comp.set_defaults(run=cmd_compare)

    diff = commands.add_parser(
        "diff",
        help="what changed between two versions of a review (folders or git revisions)",
        description="Compare two versions of one review: findings added and closed, status, "
        "score and severity changes, reach per entry point and single points of total "
        "compromise in the current state, and the review's version.",
    )
    for name, which in (("old", "the earlier"), ("new", "the later")):
        diff.add_argument(
            name,
            metavar=name.upper(),
            help=f"{which} version: a review folder; REV:PATH, a git revision of one "
            "(such as HEAD~1:reviews/name); or PATH@VERSION, the last commit stating that "
            "report version (such as reviews/name@1.0)",
        )
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(run=cmd_diff)

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of an input file or of the comparison's JSON"
    )
    schema.add_argument(
        "which", nargs="?", choices=("review", "finding", "comparison"), default="review"
    )
    schema.set_defaults(run=cmd_schema)

    new = commands.add_parser("new", help="create a review or a finding from a template")
    kinds = new.add_subparsers(dest="what", required=True, metavar="WHAT")
    new_review = kinds.add_parser("review", help="create DIR/review.yaml")
    new_review.add_argument("path", type=Path, metavar="DIR")
    new_review.add_argument("--title")
    new_finding = kinds.add_parser("finding", help="create REVIEW_DIR/findings/ID.yaml")
    new_finding.add_argument("path", type=Path, metavar="REVIEW_DIR")
    new_finding.add_argument("--id", help="the finding id (with --from: default the next free)")
    new_finding.add_argument("--title")
    new_finding.add_argument("--category")
    new_finding.add_argument(
        "--from", dest="from_template", metavar="TEMPLATE", help="start from a library template"
    )
    new_finding.add_argument(
        "--affected",
        action="append",
        metavar="STATE=ASSET,ASSET",
        help="with --from: the affected assets in a state (repeat per state)",
    )
    new_finding.add_argument("--delta", choices=DELTAS, help="with --from: override the template's")
    new_finding.add_argument(
        "--add-registries",
        action="store_true",
        help="with --from: add the frameworks, categories and threat tags it cites to review.yaml",
    )
    new_finding.add_argument(
        "--library", action="append", type=Path, metavar="DIR", help="your own template folder"
    )
    new.set_defaults(run=cmd_new)

    library = commands.add_parser("library", help="the finding library: list or show templates")
    library_commands = library.add_subparsers(dest="library_command", required=True)
    for name, help_text in (("list", "list the templates"), ("show", "print one template")):
        sub = library_commands.add_parser(name, help=help_text)
        if name == "show":
            sub.add_argument("template", metavar="ID")
        else:
            sub.add_argument("--category", help="only templates of this category")
        sub.add_argument(
            "--library",
            action="append",
            type=Path,
            metavar="DIR",
            help="your own template folder (also $REVIEWGEN_LIBRARY); extends the shipped one",
        )
    library.set_defaults(run=cmd_library)

    render = commands.add_parser("render", help="write the site's Markdown pages to a folder")
    render.add_argument("paths", nargs="*", type=Path, metavar="REVIEW_DIR")
    render.add_argument("--out", type=Path, required=True)
    render.add_argument(
        "--templates",
        type=Path,
        default=None,
        help="a folder of your own templates; each replaces the built-in one of the same name",
    )
    render.add_argument("--profile", default=None, help="redaction profile, e.g. public")
    render.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="mkdocs.yml to base the standalone one on (default: mkdocs.yml)",
    )
    render.set_defaults(run=cmd_render)

    bundle = commands.add_parser(
        "bundle", help="the site of one review as a zip that browses from disk (file://)"
    )
    bundle.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="REVIEW_DIR",
        help="the review (default: the only review under reviews/)",
    )
    bundle.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    bundle.add_argument("--profile", default=None, help="redaction profile, e.g. public")
    bundle.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the project's mkdocs.yml the bundle's build derives from (default: mkdocs.yml)",
    )
    bundle.set_defaults(run=cmd_bundle)

    imports = commands.add_parser(
        "import", help="draft findings from Nessus, XCCDF or HDF results (never overwrites)"
    )
    imports.add_argument("format", choices=("nessus", "xccdf", "hdf"))
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument("review", type=Path, metavar="REVIEW_DIR")
    imports.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HOST=ASSET",
        help="the asset a host of the file is (repeat per host; hosts as the file names them)",
    )
    imports.add_argument("--state", help="the state the drafts affect (default: the last)")
    imports.add_argument("--category", help="the drafts' category (default: the review's first)")
    imports.add_argument(
        "--stig-framework",
        default="disa-stig",
        metavar="ID",
        help="the framework id for STIG references (default: disa-stig)",
    )
    imports.set_defaults(run=cmd_import)

    pdf = commands.add_parser("pdf", help="the report of one review as a paginated PDF")
    pdf.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="REVIEW_DIR",
        help="the review (default: the only review under reviews/)",
    )
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    pdf.add_argument("--profile", default=None, help="redaction profile, e.g. public")
    pdf.add_argument(
        "--templates",
        type=Path,
        default=None,
        help="a folder of your own templates (pdf/print.css among them); each replaces ours",
    )
    pdf.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the mkdocs.yml whose markdown_extensions the PDF uses "
        "(default: ./mkdocs.yml, else reviewgen's own)",
    )
    pdf.set_defaults(run=cmd_pdf)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status: int = args.run(args)
        return status
    except ReviewError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        count = len(err.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return 1
    except YamlProblem as err:
        print(err.problem, file=sys.stderr)
        return 1
    except (UsageError, UnknownProfile) as err:
        print(f"reviewgen: {err}", file=sys.stderr)
        return 2
    except FileExistsError as err:
        print(f"reviewgen: {err.filename} already exists; nothing was overwritten", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"reviewgen: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        return 1
    except Exception as err:  # the promise is: never a traceback
        if os.environ.get("REVIEWGEN_DEBUG"):
            raise
        print(
            f"reviewgen: internal error ({type(err).__name__}: {err}); "
            "set REVIEWGEN_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
