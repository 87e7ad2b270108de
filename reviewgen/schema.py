"""JSON Schemas of the two input files, for editors (yaml-language-server)."""

from __future__ import annotations

import json
from typing import Any

from .model import Finding, ReviewFile

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema(which: str) -> dict[str, Any]:
    model = ReviewFile if which == "review" else Finding
    data = model.model_json_schema(by_alias=True)
    data["$schema"] = SCHEMA_DRAFT
    data["title"] = f"reviewgen {which} file"
    return data


def schema_text(which: str) -> str:
    return json.dumps(schema(which), indent=2, sort_keys=True) + "\n"
