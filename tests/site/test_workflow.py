"""The GitHub workflow: maintained actions, and the same guards as a local gh-deploy."""

from __future__ import annotations

import re

import yaml
from sitehelpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
# The first major versions that run on Node 24 (Node 20 actions are being retired from
# GitHub's hosted runners): actions/checkout v5 (2025-08), actions/setup-python v6.
MINIMUM = {"actions/checkout": 5, "actions/setup-python": 6}


def steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["publish"]
    return list(job["steps"])


def test_actions_are_maintained_major_versions() -> None:
    used = {}
    for step in steps():
        uses = step.get("uses")
        if isinstance(uses, str):
            name, _, version = uses.partition("@")
            match = re.fullmatch(r"v(\d+)(?:\.\d+)*", version)
            assert match, f"{uses} is not pinned to a major version"
            used[name] = int(match.group(1))
    assert set(used) == set(MINIMUM)
    for name, major in used.items():
        assert major >= MINIMUM[name], f"{name}@v{major} runs on Node 20"


def test_the_workflow_checks_the_edition_and_can_push_only_the_site_elsewhere() -> None:
    runs = "\n".join(str(step.get("run", "")) for step in steps())
    assert 'reviewgen check ${REVIEWGEN_PROFILE:+--profile "$REVIEWGEN_PROFILE"}' in runs
    assert "mkdocs build --strict" in runs
    assert "mkdocs gh-deploy --force --remote-name pages" in runs
    text = WORKFLOW.read_text(encoding="utf-8")
    for variable in ("REVIEWGEN_PUBLISH", "REVIEWGEN_PROFILE", "PAGES_REPOSITORY", "SITE_URL"):
        assert f"vars.{variable}" in text
