#!/usr/bin/python3
"""Validate trustform --json documents against schema/output.schema.json.

usage: check_json.py SCHEMA FILE...   prints "FILE: valid" or "FILE: invalid: why"
Each FILE must hold exactly one JSON document (what one run prints).
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        try:
            doc = json.load(open(path))
        except ValueError as e:
            print(f"{path}: invalid: not one JSON document: {e}")
            bad += 1
            continue
        errors = list(validator.iter_errors(doc))
        if errors:
            # the deepest error of the best match says what is wrong
            best = jsonschema.exceptions.best_match(errors)
            where = "/".join(str(p) for p in best.absolute_path)
            print(f"{path}: invalid: at /{where}: {best.message}"[:2000])
            bad += 1
        else:
            print(f"{path}: valid")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
