"""fedmetrics' embedded FederatedHPA loop against a real kube-apiserver (the control plane): our CRD, a
Deployment template, two test members (workload_member.py: the member kube-apiserver slice the loop reads,
plus their custom metrics). The test plays Karmada's scheduler: it divides the template's replicas 1:1
over the members. Asserted: scale up under load and back down within the expected number of periods,
status, events and print columns; an invalid object gets a condition; a killed leader's successor keeps
the scale-up rate limit (the history annotation) and does not scale twice. Figures are printed."""
import json
import os
import re
import signal
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402
from workload_member import WorkloadMember  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

CRD = os.path.join(harness.SOURCE_DIR, "manifests", "federatedhpa-crd.yaml")
LEASE = ["--leader-elect-lease-duration=3s", "--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=500ms"]

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: sample-app, namespace: default, labels: {app: sample-app}}
spec:
  replicas: 1
  selector: {matchLabels: {app: sample-app}}
  template:
    metadata: {labels: {app: sample-app}}
    spec: {containers: [{name: app, image: registry.k8s.io/pause:3.10}]}
"""


def fhpa(scale_up, scale_down_window=3, min_replicas=1):
    return f"""apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {{name: sample-app, namespace: default}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: sample-app}}
  minReplicas: {min_replicas}
  maxReplicas: 10
  behavior:
    scaleUp: {scale_up}
    scaleDown: {{stabilizationWindowSeconds: {scale_down_window}}}
  metrics:
  - type: Pods
    pods:
      metric: {{name: http_requests}}
      target: {{type: Value, averageValue: 700m}}
"""


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def template_replicas(cp):
    out = kubectl(cp, "get", "deployment", "sample-app", "-o", "jsonpath={.spec.replicas}").stdout
    return int(out) if out else None


def get_fhpa(cp):
    return json.loads(ok(kubectl(cp, "get", "fhpa", "sample-app", "-o", "json")))


def wait_for(predicate, limit, step=0.2):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


class Scheduler:
    """Karmada's part: member replicas follow the template (static weights 1:1), the load (milli req/s) is
    shared by every pod of both members."""

    def __init__(self, cp, members):
        self.cp, self.members, self.load = cp, members, 0
        self.history = []  # (monotonic time, template replicas) on every change
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        last = None
        while not self.stop.is_set():
            total = template_replicas(self.cp)
            if total is not None:
                if total != last:
                    self.history.append((time.monotonic(), total))
                    last = total
                split = [total - total // 2, total // 2]
                for member, replicas in zip(self.members, split):
                    member.set(replicas=replicas, load_milli=self.load * replicas // max(total, 1))
            self.stop.wait(0.2)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=10)


@pytest.fixture()
def federation(control_plane, tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    ok(kubectl(control_plane, "apply", "-f", CRD))
    ok(kubectl(control_plane, "wait", "--for=condition=Established", "crd/federatedhpas.autoscaling.karmada.io",
               "--timeout=30s"))
    kubectl(control_plane, "delete", "fhpa", "sample-app", "--ignore-not-found")
    kubectl(control_plane, "delete", "deployment", "sample-app", "--ignore-not-found")
    kubectl(control_plane, "delete", "events", "--all", "-n", "default")
    ok(kubectl(control_plane, "apply", "-f", "-", input_text=DEPLOYMENT))
    members = [WorkloadMember("member1", certs), WorkloadMember("member2", certs)]
    members_yaml = harness.members_config(tmp_path / "members.yaml",
                                          [(m.name, m.port) for m in members], certs)
    scheduler = Scheduler(control_plane, members)

    def adapter(*extra):
        return harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                                f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members_yaml}",
                                f"--kubeconfig={control_plane['KUBECONFIG']}", "--enable-federatedhpa-controller=true",
                                "--horizontal-pod-autoscaler-sync-period=1s", "--v=2", *extra], tmp_path)

    yield {"cp": control_plane, "members": members, "scheduler": scheduler, "adapter": adapter, "certs": certs}
    scheduler.close()
    for m in members:
        m.stop()
    kubectl(control_plane, "delete", "fhpa", "sample-app", "--ignore-not-found")
    kubectl(control_plane, "delete", "deployment", "sample-app", "--ignore-not-found")


def test_scales_up_under_load_and_back_down(federation):
    cp, scheduler = federation["cp"], federation["scheduler"]
    with federation["adapter"]() as adapter:
        ok(kubectl(cp, "apply", "-f", "-", input_text=fhpa("{stabilizationWindowSeconds: 0}")))
        # Idle: status written, nothing scaled.
        status = wait_for(lambda: get_fhpa(cp).get("status", {}).get("conditions") and get_fhpa(cp)["status"], 15)
        assert status, adapter.log()[-3000:]
        assert status["currentReplicas"] == 1 and status["desiredReplicas"] == 1, status
        assert status["observedGeneration"] == get_fhpa(cp)["metadata"]["generation"]
        header = ok(kubectl(cp, "get", "fhpa", "sample-app")).splitlines()[0].split()
        assert header == ["NAME", "REFERENCE-KIND", "REFERENCE-NAME", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], header

        # 5.6 req/s over all pods, target 0.7 per pod: 8 replicas. The default scale-up policies
        # (max of +4 pods and +100 % per 15 s) allow 1 -> 5 at once, 5 -> 8 one policy period later.
        loaded = time.monotonic()
        scheduler.load = 5600
        assert wait_for(lambda: template_replicas(cp) == 5, 10), adapter.log()[-3000:]
        first = time.monotonic() - loaded
        assert wait_for(lambda: template_replicas(cp) == 8, 25), adapter.log()[-3000:]
        second = time.monotonic() - loaded
        assert 14 <= second, f"5 -> 8 came before the 15 s policy period: {second:.1f} s"
        assert wait_for(lambda: all(m.replicas >= 4 for m in federation["members"]), 5), "not spread over both members"
        status = get_fhpa(cp)["status"]
        assert status["desiredReplicas"] == 8 and status["currentReplicas"] in (5, 8), status
        conditions = {c["type"]: c for c in status["conditions"]}
        assert conditions["AbleToScale"]["status"] == "True", conditions
        assert conditions["ScalingActive"]["reason"] == "ValidMetricFound", conditions
        metric = status["currentMetrics"][0]
        assert metric["type"] == "Pods" and metric["pods"]["metric"]["name"] == "http_requests", metric
        assert status.get("lastScaleTime"), status

        # Load gone: back to minReplicas after the 3 s scale-down window.
        unloaded = time.monotonic()
        scheduler.load = 0
        assert wait_for(lambda: template_replicas(cp) == 1, 15), adapter.log()[-3000:]
        down = time.monotonic() - unloaded

        events = ok(kubectl(cp, "get", "events", "-n", "default", "--field-selector",
                            "involvedObject.kind=FederatedHPA,reason=SuccessfulRescale", "-o", "json"))
        messages = [e["message"] for e in json.loads(events)["items"]]
        assert any(m.startswith("New size: 5;") for m in messages), messages
        assert any(m.startswith("New size: 8;") for m in messages), messages
        assert any(m.startswith("New size: 1;") for m in messages), messages
        annotation = get_fhpa(cp)["metadata"]["annotations"]["autoscaling.fedmetrics.io/history"]
        assert json.loads(annotation)["scaleUpEvents"], annotation
        trace = [line for line in adapter.log().splitlines() if "federatedhpa decision" in line]
        assert trace, "no -v=2 decision trace"
        print(f"\nmetric change -> scale write: {first:.2f} s (sync period 1 s); 5 -> 8 after {second:.2f} s "
              f"(15 s policy period); scale-down to 1 after {down:.2f} s (3 s window)")


def test_invalid_object_gets_a_condition(federation):
    cp = federation["cp"]
    with federation["adapter"]() as adapter:
        # minReplicas 0 passes the CRD but needs an Object or External metric (kube's HPAScaleToZero rule).
        ok(kubectl(cp, "apply", "-f", "-", input_text=fhpa("{stabilizationWindowSeconds: 0}", min_replicas=0)))

        def invalid():
            for c in get_fhpa(cp).get("status", {}).get("conditions", []):
                if c["type"] == "ScalingActive" and c["reason"] == "InvalidSpec":
                    return c
            return None

        condition = wait_for(invalid, 15)
        assert condition and condition["status"] == "False" and "minReplicas" in condition["message"], adapter.log()[-2000:]
        assert template_replicas(cp) == 1


def test_new_leader_keeps_the_rate_limit_history(federation):
    cp, scheduler = federation["cp"], federation["scheduler"]
    lease = [*LEASE, "--leader-elect=true", "--leader-elect-resource-namespace=default",
             "--leader-elect-resource-name=fedmetrics-fhpa-test"]
    a = federation["adapter"](*lease)
    b = federation["adapter"](*lease)
    try:
        # At most +2 pods per 20 s: 1 -> 3 now, 3 -> 5 no earlier than 20 s later, whoever leads.
        ok(kubectl(cp, "apply", "-f", "-",
                   input_text=fhpa("{stabilizationWindowSeconds: 0, policies: [{type: Pods, value: 2, periodSeconds: 20}]}")))
        scheduler.load = 5600
        assert wait_for(lambda: template_replicas(cp) == 3, 20), a.log()[-2000:] + b.log()[-2000:]
        scaled = time.monotonic()
        leader, follower = (a, b) if leading(a, federation["certs"]) else (b, a)
        leader.terminate(signal.SIGKILL)
        # The successor takes over within the lease and must wait for the policy period of the first step.
        while time.monotonic() - scaled < 17:
            assert template_replicas(cp) == 3, "the new leader scaled again inside the 20 s policy period"
            time.sleep(0.25)
        assert wait_for(lambda: template_replicas(cp) == 5, 15), follower.log()[-3000:]
        second = time.monotonic() - scaled
        assert "started leading" in follower.log()
        print(f"\nafter the leader was killed: 3 -> 5 at {second:.1f} s after 1 -> 3 (policy period 20 s)")
    finally:
        a.stop()
        b.stop()


def leading(adapter, certs):
    _, _, body = harness.request(adapter.port, "/metrics", certs, timeout=5)
    return re.search(r'^fedmetrics_leader_election_master_status\{name="fedmetrics-fhpa-test"\} 1', body.decode(), re.M)


EXTERNAL_FHPA = """apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {name: sample-app, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: sample-app}
  minReplicas: 1
  maxReplicas: 10
  behavior:
    scaleDown: {stabilizationWindowSeconds: 0}
  metrics:
  - type: External
    external:
      metric: {name: queue_depth}
      target: {type: Value, value: "4"}
"""


def scaling_active(cp):
    for c in get_fhpa(cp).get("status", {}).get("conditions", []):
        if c["type"] == "ScalingActive":
            return c
    return None


def test_partial_external_answer_never_scales_down(federation):
    """Issue #12 item 1: an External metric summed over two members; when member2's metrics API answers 503
    the loop must not scale down on member1's half (it wrote 4 -> 2 before), must say which member failed,
    and must scale down again once both members answer."""
    cp, members = federation["cp"], federation["members"]
    ok(kubectl(cp, "scale", "deployment", "sample-app", "--replicas=4"))
    for m in members:
        m.set(external={"queue_depth": 2000})  # 2 + 2 = 4: at target
    with federation["adapter"]() as adapter:
        ok(kubectl(cp, "apply", "-f", "-", input_text=EXTERNAL_FHPA))
        steady = wait_for(lambda: (scaling_active(cp) or {}).get("reason") == "ValidMetricFound", 15)
        assert steady and template_replicas(cp) == 4, adapter.log()[-3000:]

        members[1].set(fail_external=True)
        failed = wait_for(lambda: (c := scaling_active(cp)) and c["status"] == "False" and c, 10)
        assert failed, adapter.log()[-3000:]
        assert failed["reason"] == "FailedGetExternalMetric", failed
        assert "member member2" in failed["message"], failed
        watched = time.monotonic()
        while time.monotonic() - watched < 5:  # five sync periods on member1's half alone
            assert template_replicas(cp) == 4, "scaled down on a partial answer: " + adapter.log()[-3000:]
            time.sleep(0.25)
        events = json.loads(ok(kubectl(cp, "get", "events", "-n", "default", "--field-selector",
                                       "involvedObject.kind=FederatedHPA,reason=FailedGetExternalMetric", "-o", "json")))
        assert any("member member2" in e["message"] for e in events["items"]), events

        members[1].set(fail_external=False)
        for m in members:
            m.set(external={"queue_depth": 500})  # 1 of 4: a complete answer scales down
        assert wait_for(lambda: template_replicas(cp) == 1, 10), adapter.log()[-3000:]
        print(f"\nmember2 503 for {time.monotonic() - watched:.1f} s: template stayed at 4; "
              f"complete answer -> scaled to {template_replicas(cp)}")
