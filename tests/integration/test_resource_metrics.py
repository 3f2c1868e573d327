"""metrics.k8s.io across members, end to end: the real fedmetrics-adapter in front of two fault-injecting member
imposters (fake_member.py) that answer as a member kube-apiserver with metrics-server behind it. Read by
Python's own client and by real kubectl (`kubectl top pod`, `kubectl get podmetrics`, which asks for a Table).
Issue 13 step A: list = union with the cluster annotation, get by name 409/404, partial answers, Table.

Loopback only; every wait is bounded; every process started here is stopped by its PID.
"""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

R = "/apis/metrics.k8s.io/v1beta1"
ANNOTATION = "resource.karmada.io/query-from-cluster"
NEWEST_KUBECTL = harness.KUBECTLS[-1:] or [None]
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def pod(ns, name, cpu, memory="20Mi", app="sample-app"):
    return {"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-08-21T03:12:10Z",
                         "labels": {"app": app}},
            "timestamp": "2026-08-21T03:12:09Z", "window": "20s",
            "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": memory}}]}


def node(name, cpu, memory):
    return {"metadata": {"name": name, "creationTimestamp": "2026-08-21T03:12:10Z", "labels": {"type": "kwok"}},
            "timestamp": "2026-08-21T03:12:09Z", "window": "20s", "usage": {"cpu": cpu, "memory": memory}}


def pod_list(*items):
    return {"status": 200, "body": {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                    "metadata": {}, "items": list(items)}}


def node_list(*items):
    return {"status": 200, "body": {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                    "metadata": {}, "items": list(items)}}


def single(kind, item):
    return {"status": 200, "body": dict(item, kind=kind, apiVersion="metrics.k8s.io/v1beta1")}


# What each member's kube-apiserver answers (recorded shapes of metrics-server v0.7 / prometheus-adapter).
M1_PODS = [pod("default", "sample-app-6d5f-aaaaa", "250m"), pod("default", "web-0", "100m")]
M2_PODS = [pod("default", "sample-app-6d5f-bbbbb", "750m", "30Mi"), pod("default", "web-0", "300m")]
M2_SYSTEM = [pod("kube-system", "coredns-1", "3m", "12Mi", app="dns")]
MEMBER1 = {"routes": {
    R + "/namespaces/default/pods": pod_list(*M1_PODS),
    R + "/namespaces/default/pods?labelSelector=app%3Dsample-app": pod_list(M1_PODS[0]),
    R + "/pods": pod_list(*M1_PODS),
    R + "/namespaces/default/pods/web-0": single("PodMetrics", M1_PODS[1]),
    R + "/namespaces/default/pods/sample-app-6d5f-aaaaa": single("PodMetrics", M1_PODS[0]),
    R + "/nodes": node_list(node("member1-node-0", "1250m", "3Gi")),
    R + "/nodes/member1-node-0": single("NodeMetrics", node("member1-node-0", "1250m", "3Gi")),
}}
MEMBER2 = {"routes": {
    R + "/namespaces/default/pods": pod_list(*M2_PODS),
    R + "/namespaces/default/pods?labelSelector=app%3Dsample-app": pod_list(M2_PODS[0]),
    R + "/pods": pod_list(*M2_SYSTEM, *M2_PODS),
    R + "/namespaces/default/pods/web-0": single("PodMetrics", M2_PODS[1]),
    R + "/nodes": node_list(node("member2-node-0", "2", "4Gi")),
}}


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return harness.gen_certs(tmp_path_factory.mktemp("certs"))


class Federation:
    """Two fake members (fault flags per member) and one adapter over them; stopped by PID at teardown."""

    def __init__(self, certs, workdir, flags1=(), flags2=()):
        self.certs = certs
        self.procs = []
        members = []
        os.makedirs(str(workdir), exist_ok=True)
        for name, fixtures, flags in (("member1", MEMBER1, flags1), ("member2", MEMBER2, flags2)):
            path = os.path.join(str(workdir), name + ".json")
            with open(path, "w") as f:
                json.dump(fixtures, f)
            m = harness.FakeMember(path, certs, workdir, *flags)
            self.procs.append(m)
            members.append((name, m))
        config = os.path.join(str(workdir), "members.yaml")
        with open(config, "w") as f:
            f.write("members:\n" + "".join(
                f"  - name: {n}\n    endpoint: {m.endpoint}\n    caFile: {certs}/ca.crt\n" for n, m in members))
        work = os.path.join(str(workdir), "adapter")
        os.makedirs(work)
        self.adapter = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                                        f"--client-ca-file={certs}/client-ca.crt", f"--members-config={config}",
                                        "--member-timeout=2s", "--threads=2"], work)
        self.procs.append(self.adapter)
        self.members = dict(members)

    def get(self, path, accept=None):
        return harness.request(self.adapter.port, path, self.certs, headers={"Accept": accept} if accept else None)

    def stop(self):
        for p in reversed(self.procs):
            p.stop()


@pytest.fixture
def federation(certs, tmp_path):
    f = Federation(certs, tmp_path)
    yield f
    f.stop()


def warnings_of(headers):
    return [v for k, v in headers if k.lower() == "warning"]


def items(body):
    return [(i["metadata"].get("namespace", ""), i["metadata"]["name"], i["metadata"]["annotations"][ANNOTATION])
            for i in json.loads(body)["items"]]


def test_a_pods_list_is_the_union_of_both_members_each_tagged_with_its_cluster(federation):
    status, headers, body = federation.get(R + "/namespaces/default/pods")
    assert status == 200, body
    assert warnings_of(headers) == []
    doc = json.loads(body)
    assert doc["kind"] == "PodMetricsList" and doc["apiVersion"] == "metrics.k8s.io/v1beta1"
    # ordered by namespace, name, cluster; the two web-0 are two items, never summed
    assert items(body) == [("default", "sample-app-6d5f-aaaaa", "member1"), ("default", "sample-app-6d5f-bbbbb", "member2"),
                           ("default", "web-0", "member1"), ("default", "web-0", "member2")]
    web0 = [i for i in doc["items"] if i["metadata"]["name"] == "web-0"]
    assert [i["containers"][0]["usage"]["cpu"] for i in web0] == ["100m", "300m"]
    assert doc["items"][0]["window"] == "20s" and doc["items"][0]["metadata"]["labels"] == {"app": "sample-app"}


def test_the_selector_reaches_every_member_and_all_namespaces_lists_them_all(federation):
    status, _, body = federation.get(R + "/namespaces/default/pods?labelSelector=app%3Dsample-app")
    assert status == 200, body
    assert [n for _, n, _ in items(body)] == ["sample-app-6d5f-aaaaa", "sample-app-6d5f-bbbbb"]
    for m in federation.members.values():
        paths = [r["path"] for r in m.requests() if r["path"].startswith(R)]  # not the custom metrics discovery
        assert paths == [R + "/namespaces/default/pods?labelSelector=app%3Dsample-app"], paths
    status, _, body = federation.get(R + "/pods")
    assert status == 200, body
    assert items(body)[0] == ("default", "sample-app-6d5f-aaaaa", "member1")
    assert items(body)[-1] == ("kube-system", "coredns-1", "member2")
    assert len(items(body)) == 5


def test_nodes_of_both_members_and_a_node_by_name(federation):
    status, _, body = federation.get(R + "/nodes")
    assert status == 200, body
    assert [(n, c) for _, n, c in items(body)] == [("member1-node-0", "member1"), ("member2-node-0", "member2")]
    status, _, body = federation.get(R + "/nodes/member1-node-0")
    assert status == 200, body
    doc = json.loads(body)
    assert doc["kind"] == "NodeMetrics" and doc["usage"] == {"cpu": "1250m", "memory": "3Gi"}
    assert doc["metadata"]["annotations"][ANNOTATION] == "member1"


def test_get_by_name_in_two_clusters_is_409_naming_them_in_one_200_in_none_404(federation):
    status, headers, body = federation.get(R + "/namespaces/default/pods/web-0")
    harness.assert_status_body(status, headers, body, 409)
    assert json.loads(body)["reason"] == "Conflict"
    assert "member1, member2" in json.loads(body)["message"], body
    status, _, body = federation.get(R + "/namespaces/default/pods/sample-app-6d5f-aaaaa")
    assert status == 200, body
    assert json.loads(body)["kind"] == "PodMetrics"
    status, headers, body = federation.get(R + "/namespaces/default/pods/ghost")
    harness.assert_status_body(status, headers, body, 404)
    assert json.loads(body)["message"] == 'podmetrics.metrics.k8s.io "default/ghost" not found'


def test_a_table_as_metrics_server_renders_it(federation):
    status, _, body = federation.get(R + "/namespaces/default/pods", accept=TABLE + ",application/json")
    assert status == 200, body
    t = json.loads(body)
    assert t["kind"] == "Table"
    assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "cpu", "memory", "Window"]
    assert t["rows"][1]["cells"] == ["sample-app-6d5f-bbbbb", "750m", "30Mi", "20s"]
    assert t["rows"][1]["object"]["kind"] == "PartialObjectMetadata"
    assert t["rows"][1]["object"]["metadata"]["annotations"][ANNOTATION] == "member2"
    # a profile we do not produce, with nothing else acceptable: 406
    status, headers, body = federation.get(R + "/nodes", accept="application/json;as=Table;v=v2;g=meta.k8s.io")
    harness.assert_status_body(status, headers, body, 406)


def test_partial_answers_warn_per_failed_member_and_503_when_none_answered(certs, tmp_path):
    f = Federation(certs, tmp_path, flags2=("--status", "500"))
    try:
        status, headers, body = f.get(R + "/namespaces/default/pods")
        assert status == 200, body
        assert [n for _, n, _ in items(body)] == ["sample-app-6d5f-aaaaa", "web-0"]
        ws = warnings_of(headers)
        assert len(ws) == 1 and ws[0].startswith('299 - "member member2: '), ws
        # the named pod exists only in the member that answered: found, with the warning
        status, headers, body = f.get(R + "/namespaces/default/pods/web-0")
        assert status == 200, body
        assert len(warnings_of(headers)) == 1
    finally:
        f.stop()
    both = Federation(certs, tmp_path / "both", flags1=("--status", "500"), flags2=("--status", "503"))
    try:
        status, headers, body = both.get(R + "/nodes")
        harness.assert_status_body(status, headers, body, 503)
        message = json.loads(body)["message"]
        assert "member1" in message and "member2" in message, message
    finally:
        both.stop()


@pytest.mark.parametrize("kubectl_bin", NEWEST_KUBECTL, ids=["newest"])
def test_real_kubectl_top_pod_and_get_podmetrics_list_both_members(federation, certs, tmp_path, kubectl_bin):
    if kubectl_bin is None:
        pytest.skip("no kubectl on this machine")
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", federation.adapter.port, certs)
    top = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "top", "pod", "-A")
    assert top.returncode == 0, top.stderr
    lines = top.stdout.strip().splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"], top.stdout
    rows = [line.split() for line in lines[1:]]
    assert ["default", "sample-app-6d5f-aaaaa", "250m", "20Mi"] in rows, top.stdout
    assert ["default", "sample-app-6d5f-bbbbb", "750m", "30Mi"] in rows, top.stdout
    assert ["kube-system", "coredns-1", "3m", "12Mi"] in rows, top.stdout
    got = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "get", "podmetrics", "-n", "default")
    assert got.returncode == 0, got.stderr
    header = got.stdout.splitlines()[0].split()
    assert header == ["NAME", "CPU", "MEMORY", "WINDOW"], got.stdout
    assert ["sample-app-6d5f-bbbbb", "750m", "30Mi", "20s"] in [line.split() for line in got.stdout.splitlines()], got.stdout
