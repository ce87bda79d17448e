"""Turn the service's OpenAPI document into concrete requests an attack tool can start from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SAMPLE_STRINGS = {"date": "2026-10-01", "date-time": "2026-10-01T08:00:00+08:00"}


@dataclass(frozen=True)
class Operation:
    """One method and path, filled with plausible values: a URL and (for writes) a JSON body."""

    method: str
    path: str
    url: str
    body: str | None

    @property
    def has_parameters(self) -> bool:
        return "?" in self.url or "*" in self.url or self.body is not None


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [option for option in schema[key] if option.get("type") != "null"]
            return _resolve(options[0], spec) if options else {"type": "string"}
    return schema


def sample(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A plausible value for ``schema`` (enums, formats and nested objects honoured)."""
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type", "string")
    if kind == "object":
        return {name: sample(prop, spec) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(schema.get("items", {}), spec)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if schema.get("format") in SAMPLE_STRINGS:
        return SAMPLE_STRINGS[schema["format"]]
    if "pattern" in schema and "JA" in schema["pattern"] or "[A-Z]{2}" in schema.get("pattern", ""):
        return "JA01"
    return "JA01" if schema.get("maxLength", 99) <= 8 else "abc1"


def operations(
    spec: dict[str, Any], base_url: str, *, excluded: re.Pattern[str], known: dict[str, str] | None = None
) -> list[Operation]:
    """Every operation of ``spec`` not matching ``excluded``, with path parameters marked ``*`` for sqlmap.

    ``known`` gives real values for parameters by name (an existing user id, an indicator code), so
    requests reach the code behind the lookup instead of stopping at 404.
    """
    known = known or {}
    found = []
    for path, item in spec["paths"].items():
        if excluded.search(path):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            concrete = path
            query = []
            for parameter in operation.get("parameters", []):
                value = known.get(parameter["name"]) or sample(parameter.get("schema", {}), spec)
                if parameter["in"] == "path":
                    concrete = concrete.replace("{" + parameter["name"] + "}", f"{value}*")
                elif parameter["in"] == "query":
                    query.append(f"{parameter['name']}={value}")
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = json.dumps(sample(content["application/json"]["schema"], spec), ensure_ascii=False)
            url = base_url + concrete + ("?" + "&".join(query) if query else "")
            found.append(Operation(method.upper(), path, url, body))
    return found
