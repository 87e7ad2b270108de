"""The registries the rest of reviewgen derives from: CVSS versions and severity bands.

A new CVSS version is one entry in `CVSS_VERSIONS` and one scorer in `scoring.py`
(plus its key on `model.CvssBlock`, which a test holds to this table); every list of
versions, every band count, chart, export column and label follows from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Version = Literal["2.0", "3.0", "3.1", "4.0"]


@dataclass(frozen=True)
class SeverityBand:
    """One band of FIRST's qualitative severity rating scale."""

    name: str
    """As the specifications write it: "Critical"."""
    id: str
    """Lower case, for qualitative severities and CSS classes: "critical"."""
    low: float
    high: float


#: FIRST's qualitative scale (CVSS v3.1 specification, section 5; v4.0 the same), most
#: severe first.
SEVERITY_BANDS: tuple[SeverityBand, ...] = (
    SeverityBand("Critical", "critical", 9.0, 10.0),
    SeverityBand("High", "high", 7.0, 8.9),
    SeverityBand("Medium", "medium", 4.0, 6.9),
    SeverityBand("Low", "low", 0.1, 3.9),
    SeverityBand("None", "none", 0.0, 0.0),
)
BAND_NAMES: tuple[str, ...] = tuple(band.name for band in SEVERITY_BANDS)
#: Qualitative severities from least to most severe (the order used for ranking).
SEVERITY_IDS_ASCENDING: tuple[str, ...] = tuple(band.id for band in reversed(SEVERITY_BANDS))


@dataclass(frozen=True)
class CvssVersion:
    id: Version
    """What scores and figures are keyed by."""
    key: str
    """The key under a finding's `cvss:` block."""
    prefix: str
    """What a vector of this version starts with ("" for v2, which has none)."""
    bands: tuple[str, ...]
    """The bands this version rates into, most severe first (v2 has no Critical)."""

    @property
    def title(self) -> str:
        return f"CVSS v{self.id}"


#: Newest first: the order versions are shown in when the review prefers none.
CVSS_VERSIONS: tuple[CvssVersion, ...] = (
    CvssVersion("4.0", "v4_0", "CVSS:4.0/", BAND_NAMES),
    CvssVersion("3.1", "v3_1", "CVSS:3.1/", BAND_NAMES),
    CvssVersion("3.0", "v3_0", "CVSS:3.0/", BAND_NAMES),
    CvssVersion("2.0", "v2", "", tuple(b for b in BAND_NAMES if b != "Critical")),
)
VERSION_ORDER: tuple[Version, ...] = tuple(v.id for v in CVSS_VERSIONS)
VERSION_KEYS: dict[str, str] = {v.id: v.key for v in CVSS_VERSIONS}
VERSIONS: dict[str, CvssVersion] = {v.id: v for v in CVSS_VERSIONS}


def versions_in_order(preferred: list[str | None]) -> list[str]:
    """Every version id, the preferred ones (a review's primary, secondary) first."""
    order = [v for v in preferred if v in VERSIONS]
    return list(dict.fromkeys([*order, *VERSION_ORDER]))
