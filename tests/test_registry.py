"""One registry each for CVSS versions and severity bands; everything else follows it."""

from __future__ import annotations

import itertools
import typing

from reviewgen.model import CvssBlock, Severity
from reviewgen.registry import CVSS_VERSIONS, SEVERITY_BANDS, SEVERITY_IDS_ASCENDING
from reviewgen.scoring import SCORERS, score_vector, version_of


def test_every_version_has_a_scorer_and_a_key_on_the_finding() -> None:
    assert set(SCORERS) == {v.id for v in CVSS_VERSIONS}
    keys = set(CvssBlock.model_fields) - {"scored_scenario", "derive_requirements"}
    assert keys == {v.key for v in CVSS_VERSIONS}


def test_every_prefix_is_recognised() -> None:
    # FIRST's published examples, one per version (tests/data/first_examples.yaml).
    examples = {
        "4.0": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "3.1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "3.0": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "2.0": "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    }
    assert set(examples) == {v.id for v in CVSS_VERSIONS}
    for version, vector in examples.items():
        assert version_of(vector) == version
        assert score_vector(vector).severity in next(
            v.bands for v in CVSS_VERSIONS if v.id == version
        )


def test_bands_cover_the_scale_without_gaps() -> None:
    ordered = sorted(SEVERITY_BANDS, key=lambda b: b.low)
    assert ordered[0].low == 0.0 and ordered[-1].high == 10.0
    for lower, upper in itertools.pairwise(ordered):
        assert round(upper.low - lower.high, 1) in (0.1, 0.0)


def test_qualitative_severities_are_the_bands() -> None:
    assert set(typing.get_args(Severity)) == set(SEVERITY_IDS_ASCENDING)
