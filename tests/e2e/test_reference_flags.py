"""karmada-metrics-adapter v1.18.2's own Deployment arguments start fedmetrics-adapter (issue #14).

The argument list is read at run time from the upstream file (artifacts/deploy/karmada-metrics-adapter.yaml of
github.com/karmada-io/karmada@v1.18.2 in the Go module cache), never copied into the tree. Substituted, as a
kubelet and the Deployment's volumes would: the mounted files (Karmada kubeconfig, serving certificate, CA)
by files of this test, $(POD_IP) by 127.0.0.1; and, so that parallel runs never collide, the metrics port 8080
by a free port, and a free --secure-port appended (the reference serves 443). Against a real kube-apiserver
standing in for the Karmada apiserver (Cluster CRD from tests/e2e/data), with one Cluster pointing at a fake
member: the adapter serves health, plain-HTTP /metrics, audit lines on stdout, and a metric read from the
member that the Cluster object names (--kubeconfig alone means --members=karmada, as in the reference).
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"


def karmada_source():
    versions = open(os.path.join(harness.SOURCE_DIR, "scripts", "peers", "versions.env")).read()
    version = re.search(r'FEDMETRICS_KARMADA_VERSION:=(v[0-9.]+)', versions).group(1)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local")
    out = subprocess.run(["go", "mod", "download", "-json", f"github.com/karmada-io/karmada@{version}"],
                         capture_output=True, text=True, timeout=600, env=env, cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)["Dir"]


def reference_container():
    path = os.path.join(karmada_source(), "artifacts", "deploy", "karmada-metrics-adapter.yaml")
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") == "Deployment":
            return doc["spec"]["template"]["spec"]["containers"][0]
    raise AssertionError(f"no Deployment in {path}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def must(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_reference_deployment_arguments_serve(control_plane, tmp_path):
    container = reference_container()
    command = container["command"]
    assert command[0] == "/bin/karmada-metrics-adapter", command
    args = command[1:]
    # The flags this issue is about are really in the upstream list.
    for flag in ("--metrics-bind-address", "--audit-log-maxage", "--audit-log-maxbackup", "--kubeconfig",
                 "--authentication-kubeconfig", "--authorization-kubeconfig", "--client-ca-file"):
        assert any(a.startswith(flag + "=") for a in args), (flag, args)

    certs = harness.gen_certs(tmp_path / "certs")
    mounts = {"/etc/karmada/config/karmada.config": control_plane["KUBECONFIG"],
              "/etc/karmada/pki/server/ca.crt": f"{certs}/client-ca.crt",
              "/etc/karmada/pki/server/tls.crt": f"{certs}/server.crt",
              "/etc/karmada/pki/server/tls.key": f"{certs}/server.key"}
    metrics_port = free_port()
    local = []
    for a in args:
        for mounted, here in mounts.items():
            a = a.replace(mounted, here)
        a = a.replace("$(POD_IP):8080", f"$(POD_IP):{metrics_port}").replace("$(POD_IP)", "127.0.0.1")
        local.append(a)
    local.append("--secure-port=0")

    # The Karmada side: Cluster API, one member with its Secret (token + CA), Ready.
    must(kubectl(control_plane, "apply", "-f", os.path.join(DATA, "karmada-cluster-crd.yaml")))
    must(kubectl(control_plane, "wait", "--for=condition=Established", "--timeout=60s",
                 "crd/clusters.cluster.karmada.io"))
    must(kubectl(control_plane, "create", "namespace", "karmada-cluster"))
    secret = must(kubectl(control_plane, "create", "secret", "generic", "member1", "-n", "karmada-cluster",
                          "--from-literal=token=member-token", f"--from-file=caBundle={certs}/ca.crt",
                          "--dry-run=client", "-o", "json"))
    must(kubectl(control_plane, "apply", "-f", "-", input_text=secret))
    member = harness.FakeMember(os.path.join(DATA, "karmada-member1.json"), certs, tmp_path, "--token", "member-token")
    try:
        cluster = {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "member1"},
                   "spec": {"apiEndpoint": f"https://127.0.0.1:{member.port}", "syncMode": "Push",
                            "secretRef": {"namespace": "karmada-cluster", "name": "member1"}}}
        must(kubectl(control_plane, "apply", "-f", "-", input_text=json.dumps(cluster)))
        ready = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Test", "message": "test",
                                            "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]}}
        must(kubectl(control_plane, "patch", "clusters.cluster.karmada.io", "member1", "--subresource=status",
                     "--type=merge", "-p", json.dumps(ready)))

        with harness.Adapter(local, tmp_path) as adapter:
            # harness.Adapter prefixes its own --secure-port/--bind-address; the reference list's own
            # --bind-address=$(POD_IP) and our appended --secure-port=0 come later and win.
            deadline = time.monotonic() + 60
            while harness.request(adapter.port, "/readyz", certs, client=None)[0] != 200:
                assert time.monotonic() < deadline, adapter.log()[-3000:]
                time.sleep(0.3)
            assert harness.request(adapter.port, "/healthz", certs, client=None)[0] == 200
            # A metric read as a client-certificate user (--client-ca-file), from the Cluster's member.
            deadline = time.monotonic() + 30
            while True:
                status, _, body = harness.request(adapter.port, QUERY, certs)
                if status == 200 and json.loads(body)["items"]:
                    break
                assert time.monotonic() < deadline, (status, body, adapter.log()[-3000:])
                time.sleep(0.3)
            # Plain-HTTP /metrics where the reference puts it ($(POD_IP):<port>).
            conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            assert resp.status == 200 and b"fedmetrics_build_info" in resp.read()
            conn.close()
            # --audit-log-path=-: one JSON line per request on stdout (read by the harness in a thread).
            deadline = time.monotonic() + 10
            while not any(QUERY.split("%")[0] in line and line.startswith("{") for line in adapter.stdout_lines):
                assert time.monotonic() < deadline, adapter.stdout_lines[-5:]
                time.sleep(0.2)
            log = adapter.log()
        # The audit rotation flags of that list take effect (issue #16): they are not among the flags named
        # at startup as having no effect; the JSON log format of the list is in effect.
        inert = [line for line in log.splitlines() if "has no effect here" in line]
        assert not [line for line in inert if "--audit-log-maxage" in line or "--audit-log-maxbackup" in line], inert
        assert any(line.startswith("{") and '"msg"' in line for line in log.splitlines()), log[-2000:]
        assert [r for r in member.requests() if r["path"].startswith(QUERY)], "the member was never called"
    finally:
        member.stop()
