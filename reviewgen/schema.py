"""JSON Schemas of the two input files, for editors (yaml-language-server), and of the
comparison's JSON (`reviewgen compare --format json`, `exports/comparison.json`)."""

from __future__ import annotations

import json
from typing import Any

from .model import Finding, ReviewFile

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


SCHEMAS = ("review", "finding", "comparison")


def schema(which: str) -> dict[str, Any]:
    if which == "comparison":
        from .figures import comparison_schema

        return comparison_schema()
    model = ReviewFile if which == "review" else Finding
    data = model.model_json_schema(by_alias=True)
    data["$schema"] = SCHEMA_DRAFT
    data["title"] = f"reviewgen {which} file"
    return data


def schema_text(which: str) -> str:
    return json.dumps(schema(which), indent=2, sort_keys=True) + "\n"
