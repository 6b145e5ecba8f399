#!/usr/bin/env python3
"""Extracts the JSON schemas of the API pages into test fixtures (run from this folder).

usage: python3 extract_schemas.py /work/shared/api-docs
Writes pixyle-schemas.json (components.schemas merged over every OpenAPI block of
pixyle-collections.md) and sartiq-schemas.json (every "Schema of the ... body" block of
sartiq-products.md keyed by its title, plus the enums the page lists only as "Type: string").
"""
import json
import re
import sys

docs = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/api-docs"

# Pixyle: one OpenAPI 3.0.3 document per ```json block.
text = open(f"{docs}/pixyle-collections.md", encoding="utf-8").read()
schemas = {}
for block in re.findall(r"```json\n(.*?)\n```", text, re.S):
    doc = json.loads(block)
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        if name in schemas and schemas[name] != schema:
            raise SystemExit(f"pixyle: schema {name} differs between blocks")
        schemas[name] = schema
with open("pixyle-schemas.json", "w", encoding="utf-8") as f:
    json.dump({"components": {"schemas": schemas}}, f, indent=1, sort_keys=True)
    f.write("\n")

# Sartiq: the page prints each schema as multi-line JSON after "Schema of the request/response body".
lines = open(f"{docs}/sartiq-products.md", encoding="utf-8").read().split("\n")
found = {}
i = 0
while i < len(lines):
    if lines[i].startswith("Schema of the") and i + 1 < len(lines) and lines[i + 1] == "{":
        depth, j, chunk = 0, i + 1, []
        while j < len(lines):
            chunk.append(lines[j])
            depth += lines[j].count("{") + lines[j].count("[") - lines[j].count("}") - lines[j].count("]")
            j += 1
            if depth == 0:
                break
        try:
            schema = json.loads("\n".join(chunk))
        except json.JSONDecodeError:
            i = j
            continue
        title = schema.get("title")
        if title and title not in found:
            schema.pop("example", None)
            found[title] = schema
        i = j
    else:
        i += 1
for k in range(len(lines) - 1):
    m = re.match(r"^([A-Za-z_-]+)¶$", lines[k])
    if m and lines[k + 1].strip() == "Type: string" and m.group(1) not in found:
        found[m.group(1)] = {"type": "string"}
found.setdefault("MediaResourcePublic", {"type": "object"})
with open("sartiq-schemas.json", "w", encoding="utf-8") as f:
    json.dump({"components": {"schemas": found}}, f, indent=1, sort_keys=True)
    f.write("\n")
print("pixyle:", sorted(schemas))
print("sartiq:", sorted(found))
