#!/usr/bin/python3
"""Validate YAML files against schema/trustform.schema.json.

usage: check_schema.py SCHEMA FILE...   prints "FILE: valid" or "FILE: invalid: why"
"""
import json
import sys

import jsonschema
import yaml


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        try:
            doc = yaml.safe_load(open(path))
        except yaml.YAMLError as e:
            print(f"{path}: invalid: YAML: {e}".replace("\n", " "))
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            print(f"{path}: invalid: {errors[0].message}")
        else:
            print(f"{path}: valid")


if __name__ == "__main__":
    main()
