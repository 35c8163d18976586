"""Parses a Prometheus text exposition from stdin with prometheus_client and prints its samples as JSON.

Output: {"name{label=value,...}": value, ...} (labels sorted); exit 1 with the parser's error on bad input.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = {}
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for sample in family.samples:
            labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
except Exception as error:  # the parser raises ValueError and friends on malformed input
    print(f"not a valid exposition: {error}", file=sys.stderr)
    sys.exit(1)
json.dump(samples, sys.stdout, sort_keys=True)
