"""Member clusters from the control plane (--members=karmada): the real fedmetrics-adapter watches
cluster.karmada.io/v1alpha1 Cluster objects and their Secrets on a real kube-apiserver (the Cluster CRD in
tests/e2e/data stands in for karmada-aggregated-apiserver) and fans out to a fake member (fake_member.py
--token, which demands the bearer token from the Secret).

Checks, with the time each change takes to take effect (printed, and written to
<tmp>/propagation.json; run pytest with -s to see them):
  1. a Cluster turning Ready=True starts serving its metrics;
  2. Ready=False stops every call to that member; Ready=True brings it back;
  3. token rotation: the member restarts with a new token, the Secret is updated, requests succeed again
     without restarting the adapter.
Loopback only; every wait is bounded; every process started here is stopped by its PID.
"""
import http.client
import json
import os
import ssl
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests"
MEMBER_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"
NAMESPACE = "karmada-cluster"
# --members-reload-interval: the directory's watch window, i.e. the longest a change should take.
WATCH_WINDOW_S = int(os.environ.get("FEDMETRICS_E2E_WATCH_WINDOW_S", "2"))
PROPAGATION_BOUND_S = 15  # generous bound for a loaded 2-core machine; typical is about the watch window
TIMINGS = {}


class FakeMember(harness.FakeMember):
    """fake_member.py demanding `token`, on `port` (0 = any free port)."""

    def __init__(self, certs, token, work, port=0):
        super().__init__(os.path.join(DATA, "karmada-member1.json"), certs, work, "--token", token,
                         "--port", str(port))

    def metric_calls(self):
        return [r for r in self.requests() if r["path"].startswith(MEMBER_QUERY)]


def must(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def apply_secret(control_plane, certs, token):
    manifest = must(kubectl(control_plane, "create", "secret", "generic", "member1", "-n", NAMESPACE,
                            f"--from-literal=token={token}", f"--from-file=caBundle={certs}/ca.crt",
                            "--dry-run=client", "-o", "json"))
    must(kubectl(control_plane, "apply", "-f", "-", input_text=manifest))


def set_ready(control_plane, status):
    patch = {"status": {"conditions": [{"type": "Ready", "status": status, "reason": "Test", "message": "set by test",
                                        "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]}}
    must(kubectl(control_plane, "patch", "clusters.cluster.karmada.io", "member1", "--subresource=status",
                 "--type=merge", "-p", json.dumps(patch)))


def query(env):
    status, _, body = harness.request(env["adapter"].port, QUERY, env["certs"])
    return status, body


def served(env):
    status, body = query(env)
    return status == 200 and [i["describedObject"]["name"] for i in json.loads(body)["items"]] == ["web-1"]


def wait_for(what, predicate, bound=PROPAGATION_BOUND_S, step=0.1):
    """Seconds until predicate() holds (polled every `step`); fails after `bound` seconds."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < bound, f"{what}: not within {bound} s"
        time.sleep(step)
    elapsed = round(time.monotonic() - start, 2)
    TIMINGS[what] = elapsed
    print(f"\npropagation: {what}: {elapsed} s")
    return elapsed


@pytest.fixture(scope="module")
def env(control_plane, tmp_path_factory):
    work = tmp_path_factory.mktemp("cluster-directory")
    certs = harness.gen_certs(work / "certs")
    must(kubectl(control_plane, "apply", "-f", os.path.join(DATA, "karmada-cluster-crd.yaml")))
    must(kubectl(control_plane, "wait", "--for=condition=Established", "--timeout=60s",
                 "crd/clusters.cluster.karmada.io"))
    must(kubectl(control_plane, "create", "namespace", NAMESPACE))
    # A Secret no Cluster references: the directory must not need it.
    must(kubectl(control_plane, "create", "secret", "generic", "unrelated", "-n", NAMESPACE,
                 "--from-literal=token=not-this-one"))
    apply_secret(control_plane, certs, "old-token")
    member = FakeMember(certs, "old-token", work)
    cluster = {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "member1"},
               "spec": {"apiEndpoint": f"https://127.0.0.1:{member.port}", "syncMode": "Push",
                        "secretRef": {"namespace": NAMESPACE, "name": "member1"}}}
    must(kubectl(control_plane, "apply", "-f", "-", input_text=json.dumps(cluster)))
    adapter = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                               f"--client-ca-file={certs}/client-ca.crt", "--threads=2",
                               "--members=karmada", f"--kubeconfig={control_plane['KUBECONFIG']}",
                               f"--members-reload-interval={WATCH_WINDOW_S}s"], work)
    state = {"adapter": adapter, "certs": certs, "member": member, "work": work}
    yield state
    adapter.stop()
    state["member"].stop()
    (work / "propagation.json").write_text(json.dumps(TIMINGS, indent=2))
    print("\npropagation times (s):", json.dumps(TIMINGS))


def test_1_ready_cluster_is_served(env, control_plane):
    deadline = time.monotonic() + 30
    while harness.request(env["adapter"].port, "/readyz", env["certs"])[0] != 200:
        assert time.monotonic() < deadline, "adapter not ready: " + env["adapter"].log()[-3000:]
        time.sleep(0.2)
    status, body = query(env)
    assert status != 200 or json.loads(body)["items"] == [], "a cluster without Ready=True was served"
    assert env["member"].metric_calls() == []
    set_ready(control_plane, "True")
    wait_for("Ready=True -> served", lambda: served(env))
    assert all(r["authorization"] == "Bearer old-token" for r in env["member"].metric_calls())
    log = env["adapter"].log()
    assert "not-this-one" not in log and "old-token" not in log


def test_2_not_ready_cluster_is_not_called_and_comes_back(env, control_plane):
    assert served(env)
    set_ready(control_plane, "False")
    wait_for("Ready=False -> not called", lambda: not served(env))
    before = len(env["member"].metric_calls())
    for _ in range(3):
        status, body = query(env)
        assert status != 200 or json.loads(body)["items"] == [], body
    assert len(env["member"].metric_calls()) == before, "a NotReady member was called"
    set_ready(control_plane, "True")
    wait_for("Ready=True again -> served", lambda: served(env))


def test_3_token_rotation_needs_no_restart(env, control_plane):
    assert served(env)
    port = env["member"].port
    env["member"].stop()
    env["member"] = FakeMember(env["certs"], "new-token", env["work"], port=port)
    status, _ = query(env)
    assert status != 200, "the member accepted the old token"
    assert all(r["authorization"] == "Bearer old-token" for r in env["member"].metric_calls())
    apply_secret(control_plane, env["certs"], "new-token")
    wait_for("Secret token rotated -> served", lambda: served(env))
    assert env["member"].metric_calls()[-1]["authorization"] == "Bearer new-token"
    assert env["adapter"].proc.poll() is None, "the adapter restarted"
