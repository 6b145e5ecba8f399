#!/usr/bin/env python3
"""Validates pipeline files against `catalog-etl schema` with the `jsonschema` package (PyPI), and
checks that the schema rejects misspelled keys.

Usage: scripts/check-pipeline-schema.py --binary PATH pipelines/*.yaml

YAML is read as YAML 1.2's core schema reads it (as VS Code's YAML extension does): only
true/false are booleans and dates stay strings (PyYAML's default is YAML 1.1, where `no` is false
and `2026-03-01` a date). Exits 1 when a pipeline fails or a misspelling passes.
"""
import argparse
import copy
import json
import re
import subprocess
import sys

import jsonschema
import yaml


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core booleans and no timestamps."""


CoreLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("pipelines", nargs="+")
    args = ap.parse_args()
    schema = json.loads(subprocess.run([args.binary, "schema"], check=True, capture_output=True, text=True).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    documents = []
    for path in args.pipelines:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=CoreLoader)
        documents.append(doc)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
        failed += bool(errors)
    # Misspelled keys must be rejected: a read option, a field setting and a stage kind.
    base = documents[0]
    misspellings = []
    doc = copy.deepcopy(base)
    doc["stages"][0]["read"]["heder_row"] = 2
    misspellings.append(("read.heder_row", doc))
    doc = copy.deepcopy(base)
    doc["stages"].append({"normalize": {"fields": {"sku": "SKU"}}})
    misspellings.append(("stage normalize", doc))
    doc = copy.deepcopy(base)
    for stage in doc["stages"]:
        if "normalise" in stage:
            stage["normalise"]["fields"]["sku"] = {"form": "SKU"}
    misspellings.append(("field setting form", doc))
    doc = copy.deepcopy(base)
    doc["nmae"] = "x"
    misspellings.append(("top-level nmae", doc))
    for what, doc in misspellings:
        if validator.is_valid(doc):
            print(f"the schema accepted a misspelled key ({what})", file=sys.stderr)
            failed += 1
    print(f"check-pipeline-schema: {len(args.pipelines)} pipelines valid, {len(misspellings)} misspellings rejected"
          if not failed else f"check-pipeline-schema: {failed} failures", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
