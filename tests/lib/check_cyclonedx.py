#!/usr/bin/python3
"""Validate CycloneDX JSON documents against CycloneDX's own JSON schema.

usage: check_cyclonedx.py SCHEMA_DIR FILE...
SCHEMA_DIR holds the schema files of the npm package @cyclonedx/cyclonedx-library
(res/schema): bom-1.6.SNAPSHOT.schema.json and the spdx and jsf schemas it
refers to. References are resolved from those files only (never the network).
Prints "FILE: valid" or "FILE: invalid: why" (the first error, with its path).
"""
import json
import os
import sys

import jsonschema


def load(schema_dir, name):
    with open(os.path.join(schema_dir, name)) as f:
        return json.load(f)


def validator(schema_dir):
    bom = load(schema_dir, "bom-1.6.SNAPSHOT.schema.json")
    others = [load(schema_dir, n) for n in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json")]
    jsonschema.Draft7Validator.check_schema(bom)
    # bom's $ref names "spdx.SNAPSHOT.schema.json" (the package's file names),
    # relative to its $id http://cyclonedx.org/schema/bom-1.6.schema.json
    base = bom["$id"].rsplit("/", 1)[0] + "/"
    store = {bom["$id"]: bom}
    for doc, fname in zip(others, ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json")):
        store[doc["$id"]] = doc
        store[base + fname] = doc
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        def refuse(uri):
            raise LookupError(f"reference {uri} is not among the local schema files")

        registry = Registry(retrieve=refuse).with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT7)) for uri, doc in store.items())
        return jsonschema.Draft7Validator(bom, registry=registry)
    except ImportError:
        class Local(jsonschema.RefResolver):
            def resolve_remote(self, uri):
                raise jsonschema.RefResolutionError(f"reference {uri} is not among the local schema files")

        return jsonschema.Draft7Validator(bom, resolver=Local(bom["$id"], bom, store=store))


def main():
    v = validator(sys.argv[1])
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: invalid: at /{where}: {e.message[:300]}")
        else:
            print(f"{path}: valid")


if __name__ == "__main__":
    main()
