"""The shipped alerts and dashboard (manifests/monitoring), as expressions, for the tests that check them
(test_monitoring.py with promtool, tests/e2e/test_operations.py against the federation's Prometheus)."""
import json
import os
import re

import yaml

IDENT = re.compile(r'\b((?:fedmetrics|process)_[a-zA-Z0-9_]+)\b')


def monitoring_dir(source_dir):
    return os.path.join(source_dir, "manifests", "monitoring")


def alert_rules(source_dir):
    """[(alert name, expr)] of rules.yaml."""
    with open(os.path.join(monitoring_dir(source_dir), "rules.yaml")) as f:
        doc = yaml.safe_load(f)
    return [(r["alert"], r["expr"]) for g in doc["groups"] for r in g["rules"]]


def dashboard_queries(source_dir):
    """[(panel title, legend, expr)] of grafana-dashboard.json."""
    with open(os.path.join(monitoring_dir(source_dir), "grafana-dashboard.json")) as f:
        doc = json.load(f)
    return [(p["title"], t.get("legendFormat", ""), t["expr"]) for p in doc["panels"] for t in p["targets"]]


def series_names(expr):
    """The fedmetrics_*/process_* families an expression reads (histogram suffixes stripped)."""
    names = set()
    for name in IDENT.findall(expr):
        for suffix in ("_bucket", "_count", "_sum"):
            if name.endswith(suffix):
                name = name[:-len(suffix)]
        names.add(name)
    return names


def alert_condition(expr):
    """The alert's expression without its final comparison, i.e. the series it compares: `X > 0.1` → `X`.
    An `and`/`unless` alert keeps its left side. Used to require data for every alert after a real run."""
    body = expr.strip()
    body = re.split(r'\n\s*(?:and|unless)\s', body)[0]
    body = re.split(r'\s(?:and|unless)\s', body)[0]
    m = re.match(r'^(.*\S)\s*(?:==|!=|>=|<=|>|<)\s*[-0-9.e*+ ]+$', body, re.S)
    return m.group(1) if m else body
