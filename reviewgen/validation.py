"""Shape validation: a pydantic error becomes problems at `path:line:column`.

Each pydantic error item is turned into one sentence at the value (or key) it is
about; messages that say the same about one place are merged.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .model import PATTERN_HELP
from .yamlsource import Document, PathKey

_TYPE_WORDS = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "date_type": "expected a date such as 2025-04-30",
    "date_parsing": "expected a date such as 2025-04-30",
    "date_from_datetime_parsing": "expected a date such as 2025-04-30",
    "date_from_datetime_inexact": "expected a date such as 2025-04-30 without a time",
    "none_required": "expected nothing here",
}


def describe(value: object) -> str:
    """What a parsed value is, in words: "a list", "the number 1.0"."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a date" if hasattr(value, "isoformat") else "a value"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Known keys of the mapping at `loc`, to suggest a spelling for an unknown key."""
    candidates: list[Any] = [model]
    for part in loc:
        following: list[Any] = []
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if isinstance(part, int) and origin is list:
                following += _unwrap(typing.get_args(candidate)[0])
            elif origin is dict:
                following += _unwrap(typing.get_args(candidate)[1])
            elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, info in candidate.model_fields.items():
                    if part in (name, info.alias):
                        following += _unwrap(info.annotation)
        candidates = following
    names: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            names += [info.alias or name for name, info in candidate.model_fields.items()]
    return names


def _data_path(doc: Document, loc: tuple[Any, ...]) -> PathKey:
    """Drop pydantic's union-branch tags from a location, keeping real data keys."""
    path: list[str | int] = []
    node = doc.data
    for part in loc:
        if part == "[key]":
            continue
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
    return tuple(path)


def validation_problems(
    doc: Document, model: type[BaseModel], error: ValidationError
) -> list[Problem]:
    """The problems of one failed validation of `doc` as `model`."""
    problems: dict[tuple[PathKey, bool], list[str]] = {}
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        path = _data_path(doc, loc)
        at_key = False
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _field_names(model, loc[:-1])
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            if not close and known:
                hint = f"; expected one of: {', '.join(sorted(known))}"
            message = f"unknown key {key!r}{hint}"
            at_key = True
        elif kind == "missing":
            message = f"missing required key {str(loc[-1])!r}"
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"expected one of {expected}, got {item['input']!r}"
        elif kind == "string_pattern_mismatch":
            pattern = item.get("ctx", {}).get("pattern", "")
            wanted = PATTERN_HELP.get(pattern, f"text matching {pattern}")
            message = f"expected {wanted}, got {item['input']!r}"
            at_key = "[key]" in loc
        elif kind in ("string_too_short", "too_short"):
            message = "must not be empty"
        elif kind in _TYPE_WORDS:
            message = f"{_TYPE_WORDS[kind]}, got {describe(item['input'])}"
            at_key = "[key]" in loc
        else:
            message = item["msg"]
        problems.setdefault((path, at_key), []).append(message)
    result = []
    for (path, at_key), messages in problems.items():
        unique = list(dict.fromkeys(messages))
        if len(unique) > 1 and all(m.startswith("expected ") for m in unique):
            wanted = " or ".join(m.split(", got ")[0].removeprefix("expected ") for m in unique)
            got = unique[0].split(", got ")[-1]
            unique = [f"expected {wanted}, got {got}"]
        result += [doc.problem(path, message, key=at_key) for message in unique]
    return result


M = typing.TypeVar("M", bound=BaseModel)


def validate(doc: Document, model: type[M], problems: list[Problem]) -> M | None:
    """`doc` as `model`, or None with its problems added to `problems`."""
    if not isinstance(doc.data, dict):
        problems.append(
            doc.problem((), f"expected a mapping of keys to values, got {describe(doc.data)}")
        )
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as err:
        problems.extend(validation_problems(doc, model, err))
        return None


def valid_items(data: object, key: str, model: type[M]) -> list[tuple[int, M]]:
    """The items of the list `data[key]` that are valid `model`s on their own, with their
    index: the parts of a file that failed validation that can still be checked."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    valid = []
    for index, item in enumerate(items):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return valid
