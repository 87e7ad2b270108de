"""Benchmark reviewgen at scale: engine stages, full MkDocs build, plain-MkDocs baseline.

Two workloads, each at every size N (findings), written to a temporary folder:

* generated: a synthetic review (benchmarks/generate.py), assets M = max(50, 2N/5);
* real: the example review's real findings copied until there are N, with consistently
  renumbered ids (benchmarks/multiply.py); its assets are the example's.

Every stage runs in a fresh subprocess, so the peak memory reported is that stage's
alone (ru_maxrss of the child, from wait4):

* load+check+score  `load_review` (parse, validate, cross-check, secret scan,
                    CVSS-score);
* check             `reviewgen check ROOT` (the command, timed inside: load_review
                    and the command's own checks and output);
* compare           `compare(review)` on an already loaded review (timed alone);
* render (engine)   `build_site` = load + score + compare + render to Markdown, timed
                    inside `reviewgen render --out DIR`, which also writes DIR for the
                    baseline;
* full build        `mkdocs build` of a project folder (the repo's mkdocs.yml and
                    templates/, reviews/<slug>), with the reviewgen plugin;
* baseline          plain `mkdocs build` of DIR (same mkdocs.yml minus the plugin,
                    the pages already written): MkDocs + Material alone.
* pdf               `build_pdf`: the engine as above, then every page to one HTML
                    document and WeasyPrint's layout and PDF (`reviewgen pdf`), with
                    its own time limit (--pdf-timeout): a PDF that takes longer is
                    reported as "timeout after X s", not as a failure.

Live preview (the example review, not a synthetic one): the time `mkdocs serve` takes to
rebuild after one finding is touched, with the plugin's preview cache and without it
(a fresh cache per rebuild, as before the cache existed), measured in one process, and
the time from saving an edit to the edited page being served by a real `mkdocs serve`
(which includes its 0.5 s polling for changes). Reported, never asserted.

Python-stage times are measured inside the child with time.perf_counter (imports
excluded); MkDocs builds are timed from outside, start to exit, both the same way.

    .venv/bin/python benchmarks/run.py                 # N = 100, 1000, 5000, both workloads
    .venv/bin/python benchmarks/run.py --sizes 100,1000 --workload real
    .venv/bin/python benchmarks/run.py --quick         # N = 50, the whole pipeline
    .venv/bin/python benchmarks/run.py --sizes 5000 --stages load,check,compare,render
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.multiply import multiply  # noqa: E402

DEFAULT_SIZES = (100, 1000, 5000)
STAGES = ("load", "check", "compare", "render", "full", "baseline", "pdf")
WORKLOADS = ("generated", "real")
ENGINE_STAGES = ("load", "check", "compare", "render")
STAGE_TITLES = {
    "load": "load+check+score",
    "check": "reviewgen check",
    "compare": "compare",
    "render": "engine (render)",
    "full": "full build",
    "baseline": "baseline",
    "pdf": "PDF",
}
QUICK_SIZES = (30,)
PDF_TIMEOUT_S = 120.0
MB = 1024 * 1024

# Targets from the issue "Performance at scale".
ENGINE_1000_S = 1.0
ENGINE_SHARE_1000 = 0.10
COMPARE_5000_S = 2.0
FULL_OVER_BASELINE = 1.10
# Target from the issue "Performance at scale" item 1: load, check and score.
LOAD_PER_1000_S = 0.5
BUILD_5000_OVER_1000 = 5.5
PEAK_5000_BYTES = 1024 * MB
FINDING_PAGE_BYTES = 150 * 1024
# Target from the issue "A live preview that answers" (reported, not asserted).
PREVIEW_EDIT_S = 1.0
PREVIEW_EXAMPLE = "northwind-consolidation"
PREVIEW_FINDING = "HV-02"
PREVIEW_TITLE = b"Hyper-Threading side-channel"


def assets_for(findings: int) -> int:
    return max(50, findings * 2 // 5)


# ----- child side: one stage, reporting its own time ------------------------------------


def _child(argv: list[str]) -> int:
    """`run.py _stage STAGE ROOT RESULT [OUT CONFIG [TEMPLATES]]`: run one stage.

    Writes the stage's own measurements as JSON to RESULT.
    """
    stage, root, result = argv[0], Path(argv[1]), Path(argv[2])
    data: dict[str, Any] = {}
    if stage == "load":
        from reviewgen.load import load_review

        start, cpu = time.perf_counter(), time.process_time()
        review = load_review(root)
        data["seconds"] = time.perf_counter() - start
        data["cpu_seconds"] = time.process_time() - cpu
        data["findings"] = len(review.findings)
    elif stage == "check":
        import contextlib as _contextlib
        import io

        from reviewgen import cli

        out = io.StringIO()
        start, cpu = time.perf_counter(), time.process_time()
        with _contextlib.redirect_stdout(out):
            status = cli.main(["check", str(root)])
        data["seconds"] = time.perf_counter() - start
        data["cpu_seconds"] = time.process_time() - cpu
        if status != 0:
            print(out.getvalue(), file=sys.stderr)
            return status
    elif stage == "compare":
        from reviewgen.compare import compare
        from reviewgen.load import load_review

        review = load_review(root)
        start, cpu = time.perf_counter(), time.process_time()
        figures = compare(review)
        data["seconds"] = time.perf_counter() - start
        data["cpu_seconds"] = time.process_time() - cpu
        data["choke_points"] = len(figures.choke_points)
    elif stage == "render":
        import reviewgen.build as build
        from reviewgen import cli

        out, config = argv[3], argv[4]
        original = build.build_site

        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            site = original(*args, **kwargs)
            data["seconds"] = time.perf_counter() - start
            data["cpu_seconds"] = time.process_time() - cpu
            data["pages"] = len(site.pages)
            return site

        build.build_site = timed  # render_to_folder looks it up at call time
        start = time.perf_counter()
        command = ["render", str(root), "--out", out, "--config", config]
        if len(argv) > 5:  # the project's copy of the templates, as the full build uses
            command += ["--templates", argv[5]]
        status = cli.main(command)
        data["render_to_folder_seconds"] = time.perf_counter() - start
        if status != 0:
            return status
    elif stage == "pdf":
        from reviewgen.pdf import build_pdf

        start, cpu = time.perf_counter(), time.process_time()
        written = build_pdf(root, Path(argv[3]), mkdocs_yml=Path(argv[4]), templates=Path(argv[5]))
        data["seconds"] = time.perf_counter() - start
        data["cpu_seconds"] = time.process_time() - cpu
        data["pdf_pages"] = written.pages
        data["pdf_bytes"] = written.size
    elif stage == "preview":
        data.update(_preview_rebuilds(root, int(argv[3])))
        data["seconds"] = data["cached_s"]
        data["cpu_seconds"] = data["cached_cpu_s"]
    else:
        print(f"unknown stage {stage!r}", file=sys.stderr)
        return 2
    result.write_text(json.dumps(data), encoding="utf-8")
    return 0


def _preview_rebuilds(project: Path, repeat: int) -> dict[str, Any]:
    """Rebuilds of `project` (the example) as `mkdocs serve` runs them, in this process.

    cached: one plugin instance and its preview cache across rebuilds (what serve does);
    uncached: a fresh cache for every rebuild, so the review is loaded, scored, rendered
    and the templates compiled again, as every rebuild did before the cache.
    """
    import logging
    import statistics

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    os.chdir(project)  # as serve: messages are relative to the project
    finding = project / "reviews" / PREVIEW_EXAMPLE / "findings" / f"{PREVIEW_FINDING}.yaml"
    original = finding.read_bytes()
    site = project.parent / "preview-site"

    def rebuild(fresh_cache: bool) -> tuple[float, float]:
        # Plugins with on_startup are kept across load_config calls, as in serve.
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
        config.site_url = "http://127.0.0.1:8000/"  # serve sets its own address
        if fresh_cache:
            config.plugins.on_startup(command="serve", dirty=False)
        start, cpu = time.perf_counter(), time.process_time()
        build(config)
        return time.perf_counter() - start, time.process_time() - cpu

    def touched(fresh_cache: bool) -> list[tuple[float, float]]:
        times = []
        for i in range(repeat):
            finding.write_bytes(original + f"# preview edit {i} {time.time_ns()}\n".encode())
            times.append(rebuild(fresh_cache))
        return times

    data: dict[str, Any] = {}
    try:
        data["first_s"] = rebuild(True)[0]
        cached = touched(False)
        data["unchanged_s"] = rebuild(False)[0]
        uncached = touched(True)
    finally:
        finding.write_bytes(original)
    for name, runs in (("cached", cached), ("uncached", uncached)):
        data[f"{name}_s"] = statistics.median(t for t, _ in runs)
        data[f"{name}_min_s"] = min(t for t, _ in runs)
        data[f"{name}_cpu_s"] = statistics.median(c for _, c in runs)
    data["ratio"] = data["cached_s"] / data["uncached_s"]
    data["ratio_cpu"] = data["cached_cpu_s"] / data["uncached_cpu_s"]
    data["runs"] = repeat
    return data


# ----- parent side ------------------------------------------------------------------------


@dataclass
class Measure:
    seconds: float | None = None
    """Wall-clock seconds."""
    cpu_seconds: float | None = None
    """User + system CPU seconds of the same work: less sensitive to a busy machine."""
    peak_bytes: int | None = None
    error: str | None = None
    timed_out: float | None = None
    """The time limit, when the stage was stopped at it (reported, not a failure)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and self.seconds is not None


def _run(command: list[str], log: Path, timeout: float, cwd: Path | None = None) -> Measure:
    """Run a command; wall time from outside, peak RSS of that child from wait4."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    measure = Measure(seconds, cpu, usage.ru_maxrss * 1024)  # Linux: kilobytes
    if killed.is_set():
        measure.error = f"timed out after {timeout:.0f} s"
        measure.timed_out = timeout
        measure.seconds = None
    elif proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        measure.error = f"exit {proc.returncode}: " + " | ".join(tail)
        measure.seconds = None
    return measure


def _python_stage(stage: str, args: list[str], work: Path, timeout: float) -> Measure:
    result = work / f"{stage}.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "_stage", stage, args[0], str(result)]
    measure = _run([*command, *args[1:]], work / f"{stage}.log", timeout)
    if measure.error is None:
        data = json.loads(result.read_text(encoding="utf-8"))
        measure.seconds = data.pop("seconds")
        measure.cpu_seconds = data.pop("cpu_seconds")
        measure.extra = data
    return measure


def _mkdocs(config: Path, site: Path, log: Path, timeout: float) -> Measure:
    shutil.rmtree(site, ignore_errors=True)
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(site)]
    return _run(command, log, timeout, cwd=config.parent)


def _best(measures: list[Measure]) -> Measure:
    """The fastest of repeated runs: least wall time, least CPU time, largest peak memory."""
    good = [m for m in measures if m.ok]
    if not good:
        return measures[-1]
    best = min(good, key=lambda m: m.seconds or 0.0)
    best.peak_bytes = max(m.peak_bytes or 0 for m in good)
    cpu = [m.cpu_seconds for m in good if m.cpu_seconds is not None]
    best.cpu_seconds = min(cpu) if cpu else None
    return best


@dataclass
class SizeResult:
    findings: int
    assets: int
    workload: str = "generated"
    generate_seconds: float = 0.0
    input_bytes: int = 0
    stages: dict[str, Measure] = field(default_factory=dict)
    site_bytes: int | None = None
    finding_pages: int = 0
    finding_page_bytes: float | None = None
    finding_page_max_bytes: int | None = None
    search_index_bytes: int | None = None

    def seconds(self, stage: str, cpu: bool = False) -> float | None:
        """Wall-clock seconds of a stage, or its CPU seconds with `cpu`."""
        measure = self.stages.get(stage)
        if measure is None or not measure.ok:
            return None
        return measure.cpu_seconds if cpu else measure.seconds

    def peak(self) -> int | None:
        """The largest peak of the site's stages (the PDF is reported on its own)."""
        peaks = [m.peak_bytes for k, m in self.stages.items() if m.peak_bytes and k != "pdf"]
        return max(peaks) if peaks else None


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _example_assets() -> int:
    import yaml

    text = (REPO / "reviews" / PREVIEW_EXAMPLE / "review.yaml").read_text(encoding="utf-8")
    return len(yaml.safe_load(text).get("assets") or [])


def bench_size(
    n: int,
    base: Path,
    seed: int,
    repeat: int,
    timeout: float,
    workload: str = "generated",
    stages: tuple[str, ...] = STAGES,
    pdf_timeout: float = PDF_TIMEOUT_S,
) -> SizeResult:
    real = workload == "real"
    result = SizeResult(n, _example_assets() if real else assets_for(n), workload)
    work = base / f"{workload}-n{n}"
    project = work / "project"
    (project / "reviews").mkdir(parents=True)
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "templates", project / "templates")
    slug = f"real-{n}" if real else f"synthetic-{n}"
    root = project / "reviews" / slug
    start = time.perf_counter()
    if real:
        multiply(root, n)
    else:
        generate(root, n, result.assets, seed)
    result.generate_seconds = time.perf_counter() - start
    result.input_bytes = _folder_bytes(root)
    _log(
        f"{workload} N={n}: wrote {n} findings / {result.assets} assets "
        f"({result.input_bytes / MB:.1f} MB) in {result.generate_seconds:.2f} s"
    )
    standalone = work / "standalone"
    full_site, baseline_site = work / "site-full", work / "site-baseline"
    plan: list[tuple[str, Any]] = [
        ("load", lambda: _python_stage("load", [str(root)], work, timeout)),
        ("check", lambda: _python_stage("check", [str(root)], work, timeout)),
        ("compare", lambda: _python_stage("compare", [str(root)], work, timeout)),
        (
            "render",
            lambda: _python_stage(
                "render",
                [
                    str(root),
                    str(standalone),
                    str(project / "mkdocs.yml"),
                    str(project / "templates"),
                ],
                work,
                timeout,
            ),
        ),
        ("full", lambda: _mkdocs(project / "mkdocs.yml", full_site, work / "full.log", timeout)),
        (
            "baseline",
            lambda: _mkdocs(
                standalone / "mkdocs.yml", baseline_site, work / "baseline.log", timeout
            ),
        ),
        (
            "pdf",
            lambda: _python_stage(
                "pdf",
                [
                    str(root),
                    str(work / "report.pdf"),
                    str(project / "mkdocs.yml"),
                    str(project / "templates"),
                ],
                work,
                pdf_timeout,
            ),
        ),
    ]
    for name, run in plan:
        if name not in stages:
            continue  # reported as not measured
        if name == "baseline" and not (standalone / "mkdocs.yml").is_file():
            result.stages[name] = Measure(error="no standalone folder (render failed)")
            continue
        # A PDF stopped at its time limit is not run again.
        runs = 1 if name == "pdf" else repeat
        measure = _best([run() for _ in range(runs)])
        result.stages[name] = measure
        where = f"{workload} N={n}: {name}"
        if measure.ok:
            _log(f"{where}: {measure.seconds:.2f} s, peak {_mb(measure.peak_bytes)} MB")
        elif name == "pdf" and measure.timed_out is not None:
            _log(f"{where}: timeout after {measure.timed_out:.0f} s")
        else:
            _log(f"{where}: FAILED: {measure.error}")
    if full_site.is_dir():
        result.site_bytes = _folder_bytes(full_site)
        pages = list((full_site / slug / "findings").glob("*/index.html"))
        result.finding_pages = len(pages)
        if pages:
            sizes = [p.stat().st_size for p in pages]
            result.finding_page_bytes = sum(sizes) / len(sizes)
            result.finding_page_max_bytes = max(sizes)
        index = full_site / "search" / "search_index.json"
        result.search_index_bytes = index.stat().st_size if index.is_file() else None
    return result


# ----- live preview -------------------------------------------------------------------------


def _preview_project(work: Path) -> Path:
    """mkdocs.yml, templates/ and the example review, copied under `work`."""
    project = work / "project"
    (project / "reviews").mkdir(parents=True)
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "reviews" / PREVIEW_EXAMPLE, project / "reviews" / PREVIEW_EXAMPLE)
    return project


def _fetch(url: str) -> str | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _serve_latency(project: Path, log: Path, repeat: int, timeout: float) -> dict[str, Any]:
    """Seconds from saving an edited finding to `mkdocs serve` serving the edited page."""
    import socket
    import statistics

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}/{PREVIEW_EXAMPLE}/findings/{PREVIEW_FINDING.lower()}/"
    finding = project / "reviews" / PREVIEW_EXAMPLE / "findings" / f"{PREVIEW_FINDING}.yaml"
    original = finding.read_bytes()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    latencies: list[float] = []
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while _fetch(url) is None:
                if time.monotonic() > deadline or proc.poll() is not None:
                    return {"error": f"mkdocs serve did not serve {url} (see {log.name})"}
                time.sleep(0.2)
            for i in range(repeat):
                marker = f"Preview edit {i}-{time.time_ns()}"
                edited = original.replace(PREVIEW_TITLE, marker.encode() + b" " + PREVIEW_TITLE, 1)
                finding.write_bytes(edited)
                saved = time.perf_counter()
                while True:
                    body = _fetch(url)
                    if body is not None and marker in body:
                        latencies.append(time.perf_counter() - saved)
                        break
                    if time.perf_counter() - saved > timeout:
                        return {"error": f"edit {i} not served within {timeout:.0f} s"}
                    time.sleep(0.02)
                time.sleep(1.0)  # let the reload settle before the next save
        finally:
            finding.write_bytes(original)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return {
        "median_s": statistics.median(latencies),
        "min_s": min(latencies),
        "max_s": max(latencies),
        "runs": len(latencies),
    }


def bench_preview(base: Path, repeat: int, timeout: float) -> dict[str, Any]:
    """The live-preview measurements of the example review (see the module's docstring)."""
    work = base / "preview"
    project = _preview_project(work)
    measure = _python_stage("preview", [str(project), str(repeat)], work, timeout)
    result: dict[str, Any] = {"rebuild": {**measure.extra}}
    if measure.error:
        result["rebuild"]["error"] = measure.error
        _log(f"live preview: rebuild FAILED: {measure.error}")
    else:
        r = result["rebuild"]
        _log(
            f"live preview: rebuild after touching {PREVIEW_FINDING}: cached "
            f"{r['cached_s']:.2f} s, uncached {r['uncached_s']:.2f} s ({r['ratio']:.2f} x)"
        )
    result["serve"] = _serve_latency(project, work / "serve.log", repeat, timeout)
    if "error" in result["serve"]:
        _log(f"live preview: serve FAILED: {result['serve']['error']}")
    else:
        _log(f"live preview: edit on the page in {result['serve']['median_s']:.2f} s (median)")
    return result


def preview_report(preview: dict[str, Any]) -> list[str]:
    rebuild, serve = preview.get("rebuild", {}), preview.get("serve", {})
    lines = [
        "",
        f"Live preview of the example review ({PREVIEW_EXAMPLE}): `mkdocs serve`'s rebuild "
        f"after touching findings/{PREVIEW_FINDING}.yaml, median of "
        f"{rebuild.get('runs', '–')} runs:",
        "",
        "| rebuild | wall s | CPU s |",
        "|---|---:|---:|",
    ]
    if "error" in rebuild or "cached_s" not in rebuild:
        lines.append(f"| FAILED: {rebuild.get('error', 'not measured')} | – | – |")
    else:
        lines += [
            f"| with the preview cache | {rebuild['cached_s']:.2f} | "
            f"{rebuild['cached_cpu_s']:.2f} |",
            f"| without (fresh cache each rebuild) | {rebuild['uncached_s']:.2f} | "
            f"{rebuild['uncached_cpu_s']:.2f} |",
            f"| cached / uncached | {rebuild['ratio']:.2f} × | {rebuild['ratio_cpu']:.2f} × |",
            f"| nothing changed, cached | {rebuild['unchanged_s']:.2f} | – |",
            f"| first build of the session | {rebuild['first_s']:.2f} | – |",
        ]
    lines.append("")
    if "error" in serve or "median_s" not in serve:
        lines.append(f"- edit on the page: FAILED: {serve.get('error', 'not measured')}")
    else:
        status = "PASS" if serve["median_s"] <= PREVIEW_EDIT_S else "MISS"
        lines.append(
            f"- edit on the page (save → `mkdocs serve` serves the edited page, "
            f"{serve['runs']} edits): median {serve['median_s']:.2f} s, "
            f"min {serve['min_s']:.2f} s, max {serve['max_s']:.2f} s; target "
            f"≤ {PREVIEW_EDIT_S:.0f} s: {status} (reported, not asserted)"
        )
    return lines


# ----- report -------------------------------------------------------------------------------


def _mb(value: int | None) -> str:
    return "–" if value is None else f"{value / MB:.0f}"


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _revision() -> str:
    """The commit, and which files differ from it (read-only: no index refresh, no lock)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10, env=env
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("diff", "--name-only", "HEAD").split()
    except (OSError, subprocess.SubprocessError):
        return ""
    if commit and changed:
        commit += f" + uncommitted changes in {', '.join(changed)}"
    return commit


def machine_info(load_at_start: str | None = None) -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for package in ("mkdocs", "mkdocs-material", "pydantic", "jinja2", "cvss"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:
            versions.append(f"{package} ?")
    load = load_at_start or _load()
    revision = _revision()
    return [
        f"- reviewgen at {revision or 'unknown revision'}",
        f"- CPU: {model}, {os.cpu_count()} cores ({usable} usable){memory}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"- {', '.join(versions)}",
        f"- load average at start: {load}",
    ]


def _cell(measure: Measure | None, cpu: bool = False) -> str:
    if measure is None:
        return "–"
    if measure.ok:
        return _s(measure.cpu_seconds if cpu else measure.seconds)
    if measure.timed_out is not None:
        return f"timeout after {measure.timed_out:.0f} s"
    return "FAILED"


def _ratios(r: SizeResult, cpu: bool = False) -> list[str]:
    full, baseline = r.seconds("full", cpu), r.seconds("baseline", cpu)
    engine, load = r.seconds("render", cpu), r.seconds("load", cpu)
    return [
        f"{full / baseline:.2f}" if full and baseline else "–",
        f"{100 * engine / full:.1f}" if engine and full else "–",
        f"{1000 * load / r.findings:.2f}" if load else "–",
    ]


def table(results: list[SizeResult]) -> list[str]:
    head = ["workload", "N", "assets"]
    for stage in STAGES:
        head += [f"{STAGE_TITLES[stage]} s", "MB"]
    head += ["full/baseline", "engine share %", "load s per 1000", "site MB", "KB/finding page"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in results:
        row = [r.workload, str(r.findings), str(r.assets)]
        for stage in STAGES:
            measure = r.stages.get(stage)
            row += [_cell(measure), _mb(measure.peak_bytes if measure else None)]
        row += _ratios(r)
        row.append(_mb(r.site_bytes))
        row.append(f"{r.finding_page_bytes / 1024:.1f}" if r.finding_page_bytes else "–")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def cpu_table(results: list[SizeResult]) -> list[str]:
    head = ["workload", "N", *(f"{STAGE_TITLES[s]} CPU s" for s in STAGES)]
    head += ["full/baseline", "engine share %", "load s per 1000"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in results:
        row = [r.workload, str(r.findings)]
        row += [_cell(r.stages.get(stage), cpu=True) for stage in STAGES]
        lines.append("| " + " | ".join(row + _ratios(r, cpu=True)) + " |")
    return lines


def growth_table(results: list[SizeResult]) -> list[str]:
    """Each stage's time at 5,000 findings over its time at 1,000, per workload."""
    lines: list[str] = []
    for workload in WORKLOADS:
        by_n = {r.findings: r for r in results if r.workload == workload}
        if 1000 not in by_n or 5000 not in by_n:
            continue
        if not lines:
            head = ["workload", *(STAGE_TITLES[s] for s in STAGES)]
            lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(STAGES)]
        row = [workload]
        for stage in STAGES:
            small, large = by_n[1000].seconds(stage), by_n[5000].seconds(stage)
            row.append(f"{large / small:.2f} ×" if small and large else "–")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def targets(results: list[SizeResult], cpu: bool = False) -> list[dict[str, Any]]:
    """Each target: measured value, limit, ratio measured/limit, PASS / MISS / n/a.

    Times are wall-clock seconds, or CPU seconds with `cpu` (a check of the same targets
    that a busy machine distorts less; every stage is single-threaded).
    """
    checks: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: float, unit: str, missing: str) -> None:
        if value is None:
            checks.append({"target": name, "status": "n/a", "note": missing})
            return
        checks.append(
            {
                "target": name,
                "status": "PASS" if value <= limit else "MISS",
                "measured": value,
                "limit": limit,
                "ratio": value / limit,
                "unit": unit,
            }
        )

    for workload in WORKLOADS:
        mine = [r for r in results if r.workload == workload]
        if not mine:
            continue
        by_n = {r.findings: r for r in mine}
        r1000, r5000 = by_n.get(1000), by_n.get(5000)
        w = f"{workload}: "
        for r in mine:
            if r.findings < 1000:
                continue  # below that, review.yaml and start-up dominate the figure
            load = r.seconds("load", cpu)
            check(f"{w}load+check+score ≤ 0.5 s per 1,000 findings at N={r.findings}",
                  1000 * load / r.findings if load else None, LOAD_PER_1000_S, "s",
                  "not measured")  # fmt: skip
        engine = r1000.seconds("render", cpu) if r1000 else None
        check(f"{w}engine (load+score+compare+render) at N=1000 ≤ 1 s", engine,
              ENGINE_1000_S, "s", "N=1000 not measured")  # fmt: skip
        for r in mine:
            engine, full = r.seconds("render", cpu), r.seconds("full", cpu)
            check(f"{w}engine share of the full build at N={r.findings} ≤ 10 %",
                  engine / full if engine and full else None, ENGINE_SHARE_1000, "share",
                  "not measured")  # fmt: skip
        check(f"{w}compare at N=5000 ≤ 2 s",
              r5000.seconds("compare", cpu) if r5000 else None, COMPARE_5000_S, "s",
              "N=5000 not measured")  # fmt: skip
        for r in mine:
            full, baseline = r.seconds("full", cpu), r.seconds("baseline", cpu)
            check(f"{w}full build ≤ 1.10 × plain MkDocs at N={r.findings}",
                  full / baseline if full and baseline else None, FULL_OVER_BASELINE, "×",
                  "not measured")  # fmt: skip
        full1000 = r1000.seconds("full", cpu) if r1000 else None
        full5000 = r5000.seconds("full", cpu) if r5000 else None
        check(f"{w}full build(5000) / build(1000) ≤ 5.5",
              full5000 / full1000 if full5000 and full1000 else None, BUILD_5000_OVER_1000,
              "×", "full build at N=1000 and N=5000 not both measured")  # fmt: skip
        check(f"{w}peak memory of any site stage at N=5000 ≤ 1 GB",
              r5000.peak() if r5000 else None, PEAK_5000_BYTES, "bytes",
              "N=5000 not measured")  # fmt: skip
        for r in mine:
            check(f"{w}average finding page at N={r.findings} ≤ 150 KB",
                  r.finding_page_bytes, FINDING_PAGE_BYTES, "bytes",
                  "no site built")  # fmt: skip
    return checks


def _shown(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / MB:.1f} MB" if value >= MB else f"{value / 1024:.1f} KB"
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "×":
        return f"{value:.2f} ×"
    return f"{value:.2f} s"


def report(
    results: list[SizeResult],
    checks: list[dict[str, Any]],
    cpu_checks: list[dict[str, Any]],
    seconds: float,
    load_at_start: str,
    preview: dict[str, Any] | None = None,
) -> str:
    lines = ["## reviewgen benchmark", "", *machine_info(load_at_start), ""]
    lines += table(results)
    lines += [
        "",
        "Wall-clock seconds; MB = peak resident memory of that stage's process (ru_maxrss);",
        "– = not measured in this run. generated = benchmarks/generate.py, real = the",
        "example's findings multiplied (benchmarks/multiply.py).",
        "The same runs in CPU seconds (user + system; MkDocs builds include start-up):",
        "",
        *cpu_table(results),
        "",
    ]
    growth = growth_table(results)
    if growth:
        lines += ["Growth from N=1000 to N=5000 (wall-clock time at 5000 / at 1000):", ""]
        lines += [*growth, ""]
    for r in results:
        extras = [f"written in {r.generate_seconds:.2f} s ({r.input_bytes / MB:.1f} MB input)"]
        render = r.stages.get("render")
        if render and render.ok and "render_to_folder_seconds" in render.extra:
            extras.append(f"render --out total {render.extra['render_to_folder_seconds']:.2f} s")
        if r.search_index_bytes:
            extras.append(f"search_index.json {r.search_index_bytes / MB:.1f} MB")
        pdf = r.stages.get("pdf")
        if pdf and pdf.ok and "pdf_pages" in pdf.extra:
            extras.append(
                f"PDF {pdf.extra['pdf_pages']} pages, {pdf.extra['pdf_bytes'] / MB:.1f} MB"
            )
        extras.append(f"{r.finding_pages} finding pages")
        if r.finding_page_max_bytes:
            extras.append(f"largest finding page {r.finding_page_max_bytes / 1024:.0f} KB")
        lines.append(f"- {r.workload} N={r.findings}: " + ", ".join(extras))
        for name, measure in r.stages.items():
            if name == "pdf" and measure.timed_out is not None:
                lines.append(f"  - PDF: timeout after {measure.timed_out:.0f} s (not a failure)")
            elif not measure.ok:
                lines.append(f"  - {name} FAILED: {measure.error}")
    lines += [
        "",
        "| target | measured | measured / limit | result | CPU-time basis | result (CPU) |",
        "|---|---:|---:|---|---:|---|",
    ]
    for c, k in zip(checks, cpu_checks, strict=True):
        if c["status"] == "n/a":
            lines.append(f"| {c['target']} | – | – | n/a ({c['note']}) | – | – |")
            continue
        cells = [c["target"], _shown(c["measured"], c["unit"]), f"{c['ratio']:.2f}", c["status"]]
        if k["status"] == "n/a":
            cells += ["–", "–"]
        else:
            cells += [_shown(k["measured"], k["unit"]), k["status"]]
        lines.append("| " + " | ".join(cells) + " |")
    if preview is not None:
        lines += preview_report(preview)
    lines += ["", f"Total benchmark time {seconds:.0f} s; load average at the end: {_load()}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_stage"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated finding counts (default 100,1000,5000)")
    parser.add_argument("--quick", action="store_true", help="N=50 only: a smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per stage; the best counts")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per stage")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--workdir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument(
        "--no-preview", action="store_true", help="skip the live-preview measurement"
    )
    parser.add_argument(
        "--workload", choices=("generated", "real", "both"), default="both",
        help="generated (benchmarks/generate.py), real (the example multiplied) or both",
    )  # fmt: skip
    parser.add_argument(
        "--stages", help=f"comma-separated stages to run (default all: {','.join(STAGES)})"
    )
    parser.add_argument(
        "--engine-sizes",
        help=f"more finding counts at which only the engine stages run ({','.join(ENGINE_STAGES)})",
    )
    parser.add_argument(
        "--pdf-timeout", type=float, default=PDF_TIMEOUT_S,
        help="seconds the PDF may take; longer is reported as a timeout, not a failure",
    )  # fmt: skip
    args = parser.parse_args(argv)
    stages = tuple(STAGES if not args.stages else args.stages.split(","))
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stages: {', '.join(sorted(unknown))}")
    workloads = WORKLOADS if args.workload == "both" else (args.workload,)
    if args.quick:
        sizes = list(QUICK_SIZES)
        args.pdf_timeout = min(args.pdf_timeout, 60.0)
    elif args.sizes:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(DEFAULT_SIZES)
    plan = [(n, stages) for n in sizes]
    if args.engine_sizes:
        plan += [(int(n), ENGINE_STAGES) for n in args.engine_sizes.split(",") if n.strip()]
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        base = Path(tempfile.mkdtemp(prefix="reviewgen-bench-", dir=args.workdir))
    else:
        base = Path(tempfile.mkdtemp(prefix="reviewgen-bench-"))
    start, load_at_start = time.perf_counter(), _load()
    results: list[SizeResult] = []
    preview: dict[str, Any] | None = None
    try:
        for n, run_stages in plan:
            for workload in workloads:
                results.append(
                    bench_size(
                        n,
                        base,
                        args.seed,
                        max(1, args.repeat),
                        args.timeout,
                        workload,
                        run_stages,
                        min(args.pdf_timeout, args.timeout),
                    )
                )
        if not args.no_preview:
            edits = 1 if args.quick else max(3, args.repeat)  # --quick: does it still run
            preview = bench_preview(base, edits, min(args.timeout, 300))
    finally:
        if args.keep:
            _log(f"work folder kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    checks, cpu_checks = targets(results), targets(results, cpu=True)
    elapsed = time.perf_counter() - start
    sys.stdout.write(report(results, checks, cpu_checks, elapsed, load_at_start, preview))
    if args.json:
        payload = {
            "machine": machine_info(load_at_start),
            "results": [
                {**asdict(r), "stages": {k: asdict(v) for k, v in r.stages.items()}}
                for r in results
            ],
            "targets": checks,
            "targets_cpu_time": cpu_checks,
            "preview": preview,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    failed = [
        f"{r.workload} N={r.findings} {k}"
        for r in results
        for k, m in r.stages.items()
        if not m.ok and not (k == "pdf" and m.timed_out is not None)
    ]
    if preview is not None:
        failed += [f"preview {k}" for k, v in preview.items() if "error" in v]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
