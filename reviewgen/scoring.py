"""CVSS scoring: the only module that imports the `cvss` library.

No CVSS arithmetic happens here or anywhere else in reviewgen; this module picks the
right class for a vector, normalises the library's mixed Decimal/float results, works
out the v4 nomenclature (the library does not), and turns library errors into
sentences that name the metric that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError, constants2, constants3, constants4

from .registry import CVSS_VERSIONS, Version

_V4_THREAT = {"E"}
_V4_ENVIRONMENTAL = {
    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI",
    "MVC", "MVI", "MVA", "MSC", "MSI", "MSA",
}  # fmt: skip
_V4_SUPPLEMENTAL = {"S", "AU", "R", "V", "RE", "U"}
_REQUIREMENT_LETTER = {"low": "L", "medium": "M", "high": "H"}
_NOT_DEFINED = ("X", "ND")


@dataclass(frozen=True)
class Metric:
    """One metric of a vector, explained with the specification's names."""

    key: str
    name: str
    value: str
    meaning: str
    group: str


@dataclass(frozen=True)
class Score:
    """A scored vector. `score` is the number to show, `label` what it measures."""

    version: Version
    vector: str
    score: float
    severity: str
    label: str
    base: float
    base_severity: str
    temporal: float | None
    environmental: float | None
    nomenclature: str | None
    metrics: tuple[Metric, ...]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "vector": self.vector,
            "version": self.version,
            "score": self.score,
            "severity": self.severity,
            "label": self.label,
        }
        if self.nomenclature:
            # v4 computes one score from every metric present; there is no separate base.
            data["nomenclature"] = self.nomenclature
        else:
            data["base_score"] = self.base
            data["base_severity"] = self.base_severity
        if self.temporal is not None:
            data["temporal_score"] = self.temporal
        if self.environmental is not None:
            data["environmental_score"] = self.environmental
        return data


class VectorError(ValueError):
    """A vector the library refused, explained for people."""


def version_of(vector: str) -> Version:
    """The CVSS version a vector declares by its prefix (no prefix means v2)."""
    for version in CVSS_VERSIONS:
        if version.prefix and vector.startswith(version.prefix):
            return version.id
    if vector.upper().startswith("CVSS:") and not vector.startswith("CVSS:"):
        raise VectorError("the prefix is upper case: CVSS:")
    if vector.startswith("CVSS:"):
        prefix = vector.split("/", 1)[0]
        prefixes = ", ".join(v.prefix for v in CVSS_VERSIONS if v.prefix)
        raise VectorError(
            f"unsupported prefix {prefix!r}: use {prefixes} or no prefix for a v2 vector"
        )
    return next(v.id for v in CVSS_VERSIONS if not v.prefix)


@cache
def _tables(version: Version) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    module: Any = {"2.0": constants2, "3.0": constants3, "3.1": constants3, "4.0": constants4}
    constants = module[version]
    return dict(constants.METRICS_ABBREVIATIONS), {
        key: dict(values) for key, values in constants.METRICS_VALUE_NAMES.items()
    }


def _choices(version: Version, key: str) -> str:
    _, values = _tables(version)
    options = values.get(key, {})
    return ", ".join(f"{code} ({name})" for code, name in options.items() if code != "X")


def _explain_error(version: Version, message: str) -> str:
    names, _ = _tables(version)
    bad_value = re.search(r'"([A-Za-z]+):([^"]*)"', message)
    if "Missing mandatory metrics" in message:
        missing = re.search(r'"([^"]+)"', message)
        keys = missing.group(1).split(", ") if missing else []
        listed = ", ".join(f"{k} ({names.get(k, k)})" for k in keys)
        return f"CVSS {version} vector is missing mandatory metrics: {listed}"
    if "Duplicate metric" in message:
        duplicate = re.search(r'"([^"]+)"', message)
        shown = duplicate.group(1) if duplicate else "?"
        return f"CVSS {version} vector sets metric {shown} ({names.get(shown, shown)}) twice"
    if bad_value and ("key" in message or bad_value.group(1) not in names):
        return f"CVSS {version} vector has an unknown metric {bad_value.group(1)!r}"
    if bad_value:
        key, value = bad_value.groups()
        return (
            f"CVSS {version} metric {key} ({names[key]}) cannot be {value!r}; "
            f"expected one of {_choices(version, key)}"
        )
    if "trailing" in message:
        return f"CVSS {version} vector ends with '/'"
    if "empty" in message:
        return "the CVSS vector is empty"
    return f"malformed CVSS {version} vector ({message})"


def _group(version: Version, key: str) -> str:
    if version == "4.0":
        if key in _V4_THREAT:
            return "threat"
        if key in _V4_ENVIRONMENTAL:
            return "environmental"
        if key in _V4_SUPPLEMENTAL:
            return "supplemental"
        return "base"
    constants: Any = constants2 if version == "2.0" else constants3
    if key in constants.TEMPORAL_METRICS:
        return "temporal"
    if key in constants.ENVIRONMENTAL_METRICS:
        return "environmental"
    return "base"


def _metrics(version: Version, written: dict[str, str]) -> tuple[Metric, ...]:
    names, values = _tables(version)
    return tuple(
        Metric(
            key,
            names.get(key, key),
            value,
            values.get(key, {}).get(value, value),
            _group(version, key),
        )
        for key, value in written.items()
    )


def _written_metrics(vector: str) -> dict[str, str]:
    body = vector.split("/", 1)[1] if vector.startswith("CVSS:") else vector
    pairs = (part.split(":", 1) for part in body.split("/") if ":" in part)
    return {key: value for key, value in pairs}


def score_vector(raw: object) -> Score:
    """Score one vector with the `cvss` library; raise `VectorError` in plain words."""
    if not isinstance(raw, str):
        raise VectorError("expected a CVSS vector as text")
    return _score_text(raw)


@lru_cache(maxsize=4096)
def _score_text(raw: str) -> Score:
    """`score_vector` of a text, computed once per distinct text: many findings share a
    vector (or get the same one once derived requirements are appended).

    Sharing the result is safe: a `Score` is frozen and holds only text, floats and a
    tuple of frozen `Metric`s (the library's objects and Decimals are not kept). A
    vector that is refused raises every time (lru_cache keeps no exceptions).
    """
    vector = raw.strip()
    if not vector:
        raise VectorError("the CVSS vector is empty")
    if any(ch.isspace() for ch in vector):
        raise VectorError("a CVSS vector contains no spaces")
    version = version_of(vector)
    try:
        return SCORERS[version](vector)
    except CVSSError as err:
        raise VectorError(_explain_error(version, str(err))) from None


def _score4(vector: str) -> Score:
    result = CVSS4(vector)
    written = _written_metrics(vector)
    threat = any(written.get(k, "X") != "X" for k in _V4_THREAT)
    environmental = any(written.get(k, "X") != "X" for k in _V4_ENVIRONMENTAL)
    nomenclature = "CVSS-B" + ("T" if threat else "") + ("E" if environmental else "")
    score = float(result.scores()[0])
    severity = str(result.severities()[0])
    return Score(
        "4.0",
        vector,
        score,
        severity,
        nomenclature,
        score,
        severity,
        None,
        None,
        nomenclature,
        _metrics("4.0", written),
    )


def _score3(vector: str, version: Version) -> Score:
    result = CVSS3(vector)
    written = _written_metrics(vector)
    groups = {_group(version, k) for k, v in written.items() if v != "X"}
    base, temporal, environmental = (float(s) for s in result.scores())
    base_sev, temporal_sev, env_sev = (str(s) for s in result.severities())
    # Only report the temporal/environmental scores the vector really sets: with
    # Scope:Changed the 3.x environmental formula can come out 0.1 above base
    # even with no environmental metric at all.
    shown_temporal = temporal if "temporal" in groups else None
    shown_env = environmental if "environmental" in groups else None
    if shown_env is not None:
        score, severity, label = environmental, env_sev, f"CVSS v{version} Environmental"
    elif shown_temporal is not None:
        score, severity, label = temporal, temporal_sev, f"CVSS v{version} Temporal"
    else:
        score, severity, label = base, base_sev, f"CVSS v{version} Base"
    return Score(
        version,
        vector,
        score,
        severity,
        label,
        base,
        base_sev,
        shown_temporal,
        shown_env,
        None,
        _metrics(version, written),
    )


def _score2(vector: str) -> Score:
    result = CVSS2(vector)
    written = _written_metrics(vector)
    base, temporal, environmental = result.scores()
    base_sev, temporal_sev, env_sev = (str(s) for s in result.severities())
    if environmental is not None:
        score, severity, label = float(environmental), env_sev, "CVSS v2 Environmental"
    elif temporal is not None:
        score, severity, label = float(temporal), temporal_sev, "CVSS v2 Temporal"
    else:
        score, severity, label = float(base), base_sev, "CVSS v2 Base"
    return Score(
        "2.0",
        vector,
        score,
        severity,
        label,
        float(base),
        base_sev,
        None if temporal is None else float(temporal),
        None if environmental is None else float(environmental),
        None,
        _metrics("2.0", written),
    )


#: One scorer per entry of `registry.CVSS_VERSIONS`.
SCORERS: dict[str, Callable[[str], Score]] = {
    "4.0": lambda vector: _score4(vector),
    "3.1": lambda vector: _score3(vector, "3.1"),
    "3.0": lambda vector: _score3(vector, "3.0"),
    "2.0": lambda vector: _score2(vector),
}


def with_requirements(vector: str, levels: dict[str, str]) -> str:
    """Append CR/IR/AR derived from asset requirements unless the vector sets them."""
    written = _written_metrics(vector)
    derived = {
        key: _REQUIREMENT_LETTER[level]
        for key, level in levels.items()
        if written.get(key, "X") in _NOT_DEFINED and level in _REQUIREMENT_LETTER
    }
    if not derived:
        return vector
    # A metric written as Not Defined (X, or ND in v2) is replaced in place: appending it
    # would set it twice.
    parts = []
    for part in vector.split("/"):
        key, _, value = part.partition(":")
        parts.append(
            f"{key}:{derived.pop(key)}" if value in _NOT_DEFINED and key in derived else part
        )
    return "/".join([*parts, *(f"{key}:{letter}" for key, letter in derived.items())])
