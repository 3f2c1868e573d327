"""manifests/monitoring: the alert rules pass `promtool check rules` and their unit tests (`promtool test
rules rules_test.yaml`: every alert fires on the series that should page, and not on healthy ones), the
PrometheusRule carries exactly rules.yaml, every dashboard query parses, and every series an alert or a panel
reads is documented in docs/metrics.md (so a renamed metric breaks this test, not a dashboard). ~2-15 s."""
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import metrics_doc  # noqa: E402
import monitoring  # noqa: E402

PROMTOOL = shutil.which("promtool")
DIR = monitoring.monitoring_dir(harness.SOURCE_DIR)


def promtool(*args, cwd=DIR):
    assert PROMTOOL, "promtool (Debian package prometheus) is required"
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_alert_rules_check_and_pass_their_unit_tests():
    checked = promtool("check", "rules", "rules.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "rules_test.yaml")
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr
    # Every alert has at least one test that expects it to fire.
    with open(os.path.join(DIR, "rules_test.yaml")) as f:
        tests = yaml.safe_load(f)["tests"]
    fired = {t["alertname"] for case in tests for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
    alerts = {name for name, _ in monitoring.alert_rules(harness.SOURCE_DIR)}
    assert alerts == fired, (alerts - fired, fired - alerts)


def test_a_broken_rule_is_caught(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n- name: x\n  rules:\n  - alert: X\n    expr: sum(rate(fedmetrics_members[5m]) > \n")
    assert promtool("check", "rules", str(bad)).returncode != 0


def test_prometheusrule_carries_rules_yaml():
    with open(os.path.join(DIR, "prometheusrule.yaml")) as f:
        rule = yaml.safe_load(f)
    with open(os.path.join(DIR, "rules.yaml")) as f:
        rules = yaml.safe_load(f)
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    assert rule["spec"] == rules


def test_dashboard_queries_parse(tmp_path):
    queries = monitoring.dashboard_queries(harness.SOURCE_DIR)
    assert len(queries) >= 12, queries
    # promtool parses PromQL through a rule file: one recording rule per query.
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:q{i}", "expr": expr}
                                                        for i, (_, _, expr) in enumerate(queries)]}]}
    path = tmp_path / "dashboard-rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    checked = promtool("check", "rules", str(path), cwd=str(tmp_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with open(os.path.join(DIR, "grafana-dashboard.json")) as f:
        doc = json.load(f)
    assert doc["uid"] == "fedmetrics-adapter" and len({p["id"] for p in doc["panels"]}) == len(doc["panels"])


@pytest.mark.parametrize("kind", ["alerts", "dashboard"])
def test_every_series_read_is_documented(kind):
    doc = metrics_doc.documented(harness.SOURCE_DIR)
    exprs = ([e for _, e in monitoring.alert_rules(harness.SOURCE_DIR)] if kind == "alerts"
             else [e for _, _, e in monitoring.dashboard_queries(harness.SOURCE_DIR)])
    used = set().union(*(monitoring.series_names(e) for e in exprs))
    assert used, exprs
    assert used <= set(doc), sorted(used - set(doc))
