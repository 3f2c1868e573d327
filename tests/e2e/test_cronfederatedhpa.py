"""fedmetrics' embedded CronFederatedHPA controller against a real kube-apiserver (the control plane): our
CRDs, a Deployment template, and a FederatedHPA whose two test members (workload_member.py) report no load.

One minute boundary serves every timed check (the test waits for the next one: 0-60 s, ~30 s on average):
  * an every-minute rule scales a Deployment template from 0 to 3 through its scale subresource;
  * an every-minute rule raises the FederatedHPA's minReplicas from 1 to 4, and the FederatedHPA loop
    scales its template from 1 to 4 on its next evaluation;
  * status: nextExecutionTime before, successfulExecutions with scheduleTime and executionTime after; the
    observed delay (executionTime - scheduleTime) is printed and bounded;
  * metrics, and an invalid object (Valid=False, InvalidSpec event, no run).
No catch-up after a restart (Karmada's behaviour) is covered by the CronPlan unit tests, not here: it would
cost another minute."""
import datetime
import json
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402
from test_federatedhpa_loop import DEPLOYMENT, Scheduler, fhpa, get_fhpa, ok, template_replicas, wait_for  # noqa: E402
from workload_member import WorkloadMember  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402
import metrics_doc  # noqa: E402

CRDS = [os.path.join(harness.SOURCE_DIR, "manifests", f) for f in ("federatedhpa-crd.yaml", "cronfederatedhpa-crd.yaml")]

# A second template like the seed's, starting at 0 replicas (scale from zero).
CRON_WEB = DEPLOYMENT.replace("sample-app", "cron-web").replace("replicas: 1", "replicas: 0")

CRON_OBJECTS = """apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: web-every-minute, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: cron-web}
  rules:
  - {name: every-minute, schedule: "* * * * *", targetReplicas: 3, timeZone: Europe/Berlin}
  - {name: yearly, schedule: "@yearly", targetReplicas: 1, suspend: true}
---
apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: fhpa-bounds, namespace: default}
spec:
  scaleTargetRef: {apiVersion: autoscaling.karmada.io/v1alpha1, kind: FederatedHPA, name: sample-app}
  rules:
  - {name: raise-min, schedule: "*/1 * * * *", targetMinReplicas: 4, timeZone: America/New_York}
---
apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: broken, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: cron-web}
  rules:
  - {name: a, schedule: "* * * * *", targetReplicas: 9}
  - {name: a, schedule: "@every 1m", targetReplicas: 9, timeZone: Mars/Olympus}
"""


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def cron(cp, name):
    return json.loads(ok(kubectl(cp, "get", "cronfederatedhpa", name, "-o", "json")))


def history(cp, name, rule):
    for h in cron(cp, name).get("status", {}).get("executionHistories", []):
        if h["ruleName"] == rule:
            return h
    return None


def deployment_replicas(cp, name):
    out = kubectl(cp, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}").stdout
    return int(out) if out else None


@pytest.fixture()
def federation(control_plane, tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    for crd in CRDS:
        ok(kubectl(control_plane, "apply", "-f", crd))
    for name in ("federatedhpas", "cronfederatedhpas"):
        ok(kubectl(control_plane, "wait", "--for=condition=Established", f"crd/{name}.autoscaling.karmada.io",
                   "--timeout=30s"))
    for kind, name in (("cronfederatedhpa", "web-every-minute"), ("cronfederatedhpa", "fhpa-bounds"),
                       ("cronfederatedhpa", "broken"), ("fhpa", "sample-app"), ("deployment", "sample-app"),
                       ("deployment", "cron-web")):
        kubectl(control_plane, "delete", kind, name, "--ignore-not-found")
    kubectl(control_plane, "delete", "events", "--all", "-n", "default")
    ok(kubectl(control_plane, "apply", "-f", "-", input_text=DEPLOYMENT))
    ok(kubectl(control_plane, "apply", "-f", "-", input_text=CRON_WEB))
    members = [WorkloadMember("member1", certs), WorkloadMember("member2", certs)]
    members_yaml = harness.members_config(tmp_path / "members.yaml", [(m.name, m.port) for m in members], certs)
    scheduler = Scheduler(control_plane, members)

    def adapter(*extra):
        return harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                                f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members_yaml}",
                                f"--kubeconfig={control_plane['KUBECONFIG']}", "--enable-federatedhpa-controller=true",
                                "--horizontal-pod-autoscaler-sync-period=1s", "--v=2", *extra], tmp_path)

    yield {"cp": control_plane, "adapter": adapter, "certs": certs}
    scheduler.close()
    for m in members:
        m.stop()
    for kind, name in (("cronfederatedhpa", "web-every-minute"), ("cronfederatedhpa", "fhpa-bounds"),
                       ("cronfederatedhpa", "broken"), ("fhpa", "sample-app"), ("deployment", "sample-app"),
                       ("deployment", "cron-web")):
        kubectl(control_plane, "delete", kind, name, "--ignore-not-found")


def test_rules_run_at_the_minute_and_the_loop_honours_new_bounds(federation):
    cp, certs = federation["cp"], federation["certs"]
    with federation["adapter"]() as adapter:
        ok(kubectl(cp, "apply", "-f", "-", input_text=fhpa("{stabilizationWindowSeconds: 0}")))
        assert wait_for(lambda: get_fhpa(cp).get("status", {}).get("conditions"), 15), adapter.log()[-3000:]
        assert template_replicas(cp) == 1
        created = datetime.datetime.now(datetime.timezone.utc)
        ok(kubectl(cp, "apply", "-f", "-", input_text=CRON_OBJECTS))

        # Planned: nextExecutionTime is the next minute boundary; the suspended rule has none.
        web = wait_for(lambda: history(cp, "web-every-minute", "every-minute"), 10)
        assert web and web.get("nextExecutionTime"), "\n".join(l for l in adapter.log().splitlines() if "cron" in l.lower())[-3000:]
        boundary = parse_time(web["nextExecutionTime"])
        if web.get("successfulExecutions"):  # planned (within the 2 s watch window) and run before we looked
            boundary = parse_time(web["successfulExecutions"][-1]["scheduleTime"])
        assert boundary > created and boundary.second == 0 and boundary - created <= datetime.timedelta(seconds=63)
        assert "nextExecutionTime" not in history(cp, "web-every-minute", "yearly")
        header = ok(kubectl(cp, "get", "cronfhpa", "web-every-minute")).splitlines()[0].split()
        assert header == ["NAME", "REFERENCE-KIND", "REFERENCE-NAME", "AGE"], header

        # The invalid object: every problem in the condition, an event, and no rule planned.
        def invalid():
            for c in cron(cp, "broken").get("status", {}).get("conditions", []):
                if c["type"] == "Valid" and c["status"] == "False":
                    return c
            return None
        condition = wait_for(invalid, 10)
        assert condition and condition["reason"] == "InvalidSpec", cron(cp, "broken")
        for part in ('spec.rules[1].name: Duplicate value: "a"', 'invalid cron format', 'unknown time zone Mars/Olympus'):
            assert part in condition["message"], condition["message"]
        assert all("nextExecutionTime" not in h for h in cron(cp, "broken")["status"].get("executionHistories", []))

        # The minute boundary: both rules run.
        wait = (boundary - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        web_done = wait_for(lambda: (history(cp, "web-every-minute", "every-minute") or {}).get("successfulExecutions"),
                            max(wait, 0) + 15, step=0.1)
        assert web_done, adapter.log()[-4000:]
        assert deployment_replicas(cp, "cron-web") == 3  # from 0: scale from zero
        bounds_done = wait_for(lambda: (history(cp, "fhpa-bounds", "raise-min") or {}).get("successfulExecutions"), 10)
        assert bounds_done, adapter.log()[-4000:]
        assert get_fhpa(cp)["spec"]["minReplicas"] == 4
        rescaled = wait_for(lambda: template_replicas(cp) == 4, 10)
        loop_after = (datetime.datetime.now(datetime.timezone.utc) - boundary).total_seconds()
        assert rescaled, adapter.log()[-4000:]

        observed = []
        for name, rule, runs in (("web-every-minute", "every-minute", web_done), ("fhpa-bounds", "raise-min", bounds_done)):
            run = runs[-1]  # the oldest: the boundary's
            scheduled, executed = parse_time(run["scheduleTime"]), parse_time(run["executionTime"])
            assert scheduled == boundary, run
            delay = (executed - scheduled).total_seconds()
            assert 0 <= delay < 2, f"{name}/{rule} ran {delay:.3f} s after its scheduled time"
            observed.append(f"{name}/{rule}: scheduled {run['scheduleTime']}, executed {run['executionTime']} "
                            f"(+{delay * 1000:.1f} ms)")
        assert web_done[-1]["appliedReplicas"] == 3 and bounds_done[-1]["appliedMinReplicas"] == 4
        after = history(cp, "web-every-minute", "every-minute")
        assert parse_time(after["nextExecutionTime"]) == parse_time(after["successfulExecutions"][0]["scheduleTime"]) + \
            datetime.timedelta(minutes=1), after

        _, _, body = harness.request(adapter.port, "/metrics", certs, timeout=5)
        text = body.decode()
        assert re.search(r'^fedmetrics_cronfederatedhpa_rule_process_duration_seconds_count\{result="success"\} [1-9]',
                         text, re.M), text[-2000:]
        assert re.search(r'^fedmetrics_cronfederatedhpa_process_duration_seconds_count\{result="success"\} [1-9]',
                         text, re.M)
        assert re.search(r'^fedmetrics_cronfederatedhpa_planned_rules 2', text, re.M)
        # docs/metrics.md lists the cron families as exposed (type, labels), and all of them are there now.
        live = {k: v for k, v in metrics_doc.exposed(text).items() if k.startswith("fedmetrics_cronfederatedhpa_")}
        doc = {k: v for k, v in metrics_doc.documented(harness.SOURCE_DIR).items() if v["when"] == "cron"}
        assert len(doc) == 4 and not metrics_doc.mismatches(doc, live, {"cron"}), metrics_doc.mismatches(doc, live, {"cron"})
        events = json.loads(ok(kubectl(cp, "get", "events", "-n", "default", "--field-selector",
                                       "involvedObject.kind=CronFederatedHPA", "-o", "json")))["items"]
        assert any(e["reason"] == "InvalidSpec" and e["involvedObject"]["name"] == "broken" for e in events), events
        print("\nwaited " + f"{wait:.1f} s for the minute boundary; " + "; ".join(observed) +
              f"; FederatedHPA template at 4 replicas {loop_after:.2f} s after the boundary")
