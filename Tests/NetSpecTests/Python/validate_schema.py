"""Usage: python3 validate_schema.py SCHEMA INSTANCE...

Checks SCHEMA against the JSON Schema 2020-12 metaschema (with the `jsonschema`
package), then prints a JSON list with, per INSTANCE, null when it is valid, else its
best-matching error as "[path]: message"."""

import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
results = []
for path in sys.argv[2:]:
    error = jsonschema.exceptions.best_match(validator.iter_errors(json.load(open(path))))
    results.append(None if error is None else f"{list(error.absolute_path)}: {error.message}")
print(json.dumps(results))
