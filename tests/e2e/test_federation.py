"""End-to-end: a real loopback federation (scripts/local-up) and fedmetrics-adapter behind
the real kube-aggregator of the Karmada apiserver.

Needs the peers cache (scripts/peers/build.sh: etcd kube-apiserver kubectl
kube-controller-manager kwok prometheus-adapter karmada-aggregated-apiserver), Prometheus
(/usr/bin/prometheus), hey, and build/server/fedmetrics-adapter. Skips if any is missing.

    pytest -q tests/e2e/test_federation.py

FEDMETRICS_E2E_KEEP=1 leaves the federation running (prints DIR) instead of local-down.
FEDMETRICS_E2E_KARMADA_CONTROLLERS=1 runs local-up with FED_KARMADA_CONTROLLERS=1 (also needs
karmada-controller-manager and karmada-scheduler): sample-app is then created in karmada-apiserver
with the seed's PropagationPolicy and propagated 1:1; test_karmada_propagation checks scaling.
"""
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCAL_UP = ROOT / "scripts" / "local-up"
LOCAL_DOWN = ROOT / "scripts" / "local-down"
SEED = "/apis/custom.metrics.k8s.io/{v}/namespaces/default/pods/*/http_requests?labelSelector=app%3Dsample-app"
MEMBERS = ("member1", "member2")
KARMADA_MODE = os.environ.get("FEDMETRICS_E2E_KARMADA_CONTROLLERS") == "1"


def _missing_prereqs():
    out = []
    peers = subprocess.run(
        ["bash", "-c", ". scripts/lib/peers.sh; for c in etcd kube-apiserver kubectl kube-controller-manager "
         "kwok prometheus-adapter karmada-aggregated-apiserver" +
         (" karmada-controller-manager karmada-scheduler" if KARMADA_MODE else "") + "; do fedmetrics_peer_bin $c >/dev/null || echo $c; done"],
        cwd=ROOT, capture_output=True, text=True)
    out += peers.stdout.split()
    for b in ("prometheus", "hey"):
        if not shutil.which(b):
            out.append(b)
    if not os.access(ROOT / "build" / "server" / "fedmetrics-adapter", os.X_OK):
        out.append("build/server/fedmetrics-adapter")
    return out


def _read_env(path):
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = shlex.split(v)[0] if v else ""
    return env


def _recorded(dirpath, name="pids"):
    rows = []
    for line in (pathlib.Path(dirpath) / name).read_text().splitlines():
        n, pid, st = line.split()
        rows.append((n, int(pid), st))
    return rows


def _alive(pid, starttime):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] == starttime and fields[0] != "Z"


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    missing = _missing_prereqs()
    if missing:
        # scripts/test.sh (CI) sets FEDMETRICS_REQUIRE_PEERS=1: a missing peer is a failure there, not a skip
        if os.environ.get("FEDMETRICS_REQUIRE_PEERS") == "1":
            pytest.fail("missing prerequisites: " + ", ".join(missing))
        pytest.skip("missing prerequisites: " + ", ".join(missing))
    d = tmp_path_factory.mktemp("fed")
    t0 = time.monotonic()
    up_env = dict(os.environ)
    if KARMADA_MODE:
        up_env["FED_KARMADA_CONTROLLERS"] = "1"
    up = subprocess.run([str(LOCAL_UP), str(d)], capture_output=True, text=True, timeout=420, env=up_env)
    elapsed = time.monotonic() - t0
    print(up.stdout[-4000:])
    if up.returncode != 0:
        print(up.stderr[-6000:])
        pytest.fail(f"local-up failed (rc={up.returncode}) after {elapsed:.1f}s")
    env = _read_env(d / "env")
    env["DIR"] = str(d)
    env["LOCAL_UP_WALL_S"] = f"{elapsed:.1f}"
    yield env
    if os.environ.get("FEDMETRICS_E2E_KEEP") == "1":
        print(f"kept running: {d}  (stop: {LOCAL_DOWN} {d})")
        return
    rows = _recorded(d)
    down = subprocess.run([str(LOCAL_DOWN), str(d)], capture_output=True, text=True, timeout=400)
    print(down.stdout)
    assert down.returncode == 0, down.stderr
    still = [(n, p) for n, p, st in rows if _alive(p, st)]
    assert not still, f"local-down left processes running: {still}"


def kubectl(env, kubeconfig, *args, check=True):
    r = subprocess.run([env["KUBECTL_BIN"], "--kubeconfig", kubeconfig, "--cache-dir",
                        os.path.join(env["DIR"], "kube-cache"), "--request-timeout=15s", *args],
                       capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: rc={r.returncode}: {r.stderr.strip()}")
    return r


def raw(env, kubeconfig, path):
    return json.loads(kubectl(env, kubeconfig, "get", "--raw", path).stdout)


def running_pods(env, member):
    out = kubectl(env, env[f"{member.upper()}_KUBECONFIG"], "get", "pods", "-l", "app=sample-app",
                  "-o", "json").stdout
    return {p["metadata"]["name"] for p in json.loads(out)["items"] if p["status"].get("phase") == "Running"}


def quantity(v):
    return float(v[:-1]) / 1000 if v.endswith("m") else float(v)


def test_members_run_pods_via_kcm_and_kwok(fed):
    for m in MEMBERS:
        node = json.loads(kubectl(fed, fed[f"{m.upper()}_KUBECONFIG"], "get", "node", "kwok-node-0",
                                  "-o", "json").stdout)
        ready = [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready == ["True"], (m, node["status"]["conditions"])
        assert len(running_pods(fed, m)) >= 1, m


def test_member_custom_metrics_through_member_aggregator(fed):
    for m in MEMBERS:
        # as fedmetrics' own RBAC-limited identity (what fedmetrics-adapter uses)
        got = raw(fed, fed[f"{m.upper()}_READER_KUBECONFIG"], SEED.format(v="v1beta2"))
        names = {i["describedObject"]["name"] for i in got["items"]}
        assert got["items"], (m, got)
        assert names == running_pods(fed, m), (m, names)
        assert all(i["metric"]["name"] == "http_requests" for i in got["items"])


def _apiservice_available(fed, name):
    o = json.loads(kubectl(fed, fed["KARMADA_KUBECONFIG"], "get", "apiservice", name, "-o", "json").stdout)
    cond = {c["type"]: c["status"] for c in o["status"].get("conditions", [])}
    return o, cond.get("Available") == "True"


def test_fedmetrics_apiservices_available(fed):
    for name in ("v1beta2.custom.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io", "v1beta1.metrics.k8s.io",
                 "v1alpha1.cluster.karmada.io"):
        o, ok = _apiservice_available(fed, name)
        assert ok, (name, o.get("status"))
        assert o["spec"].get("caBundle") and not o["spec"].get("insecureSkipTLSVerify"), name


def test_karmada_query_merges_both_members(fed):
    want = set()
    for m in MEMBERS:
        want |= running_pods(fed, m)
    for v in ("v1beta2", "v1beta1"):
        got = raw(fed, fed["KARMADA_KUBECONFIG"], SEED.format(v=v))
        names = {i["describedObject"]["name"] for i in got["items"]}
        assert names == want, (v, names, want)
        assert got["apiVersion"] == f"custom.metrics.k8s.io/{v}"


def test_load_on_member1_shows_up_through_karmada(fed):
    """Bounded load (hey -z 8s) on member1's workload; its pods' rate must become > 0 through the
    Karmada aggregator while member2's stays 0."""
    m1 = running_pods(fed, "member1")
    m2 = running_pods(fed, "member2")
    hey = subprocess.Popen(["hey", "-z", "8s", "-c", "2", "-q", "10", fed["MEMBER1_APP_URL"] + "/"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = {}
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            got = raw(fed, fed["KARMADA_KUBECONFIG"], SEED.format(v="v1beta2"))
            seen = {i["describedObject"]["name"]: quantity(i["value"]) for i in got["items"]}
            if seen and all(seen.get(p, 0) > 0 for p in m1):
                break
            time.sleep(0.5)  # poll interval of a bounded wait
    finally:
        hey.wait(timeout=30)
    assert all(seen.get(p, 0) > 0 for p in m1), seen
    assert all(seen.get(p, -1) == 0 for p in m2), seen


PODS_METRICS = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dsample-app"
CLUSTER_ANNOTATION = "resource.karmada.io/query-from-cluster"


def test_resource_metrics_from_members_through_karmada(fed):
    """Issue #13 item 5: each member serves metrics.k8s.io from prometheus-adapter's resourceRules (over its
    Prometheus, fed by sample_app.py's simulated usage); through the Karmada apiserver fedmetrics lists the
    union, each item naming its cluster; real `kubectl top` through the aggregator shows both members."""
    want = {}
    for m in MEMBERS:
        got = raw(fed, fed[f"{m.upper()}_READER_KUBECONFIG"], PODS_METRICS)
        assert {i["metadata"]["name"] for i in got["items"]} == running_pods(fed, m), (m, got)
        for i in got["items"]:
            want[i["metadata"]["name"]] = m
            cpu = [c["usage"]["cpu"] for c in i["containers"]]
            assert cpu and all(c.endswith(("m", "n")) or c == "0" for c in cpu), i
    kc = fed["KARMADA_KUBECONFIG"]
    got = raw(fed, kc, PODS_METRICS)
    assert {i["metadata"]["name"]: i["metadata"]["annotations"][CLUSTER_ANNOTATION] for i in got["items"]} == want
    nodes = raw(fed, kc, "/apis/metrics.k8s.io/v1beta1/nodes")
    assert sorted((i["metadata"]["name"], i["metadata"]["annotations"][CLUSTER_ANNOTATION])
                  for i in nodes["items"]) == [("kwok-node-0", "member1"), ("kwok-node-0", "member2")], nodes
    top = kubectl(fed, kc, "top", "pods", "-A").stdout
    assert set(want) <= {l.split()[1] for l in top.splitlines()[1:] if l.strip()}, top
    top = kubectl(fed, kc, "top", "nodes").stdout
    assert [l.split()[0] for l in top.splitlines()[1:] if l.strip()] == ["kwok-node-0", "kwok-node-0"], top


def _curl_fedmetrics(fed, *args):
    pki = fed["PKI_DIR"]
    url = fed["FEDMETRICS_URL"] + SEED.format(v="v1beta2")
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "15",
                        "--cacert", f"{pki}/ca.crt", *args, url], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def _front_proxy(fed, user):
    pki = fed["PKI_DIR"]
    return ["--cert", f"{pki}/front-proxy-client.crt", "--key", f"{pki}/front-proxy-client.key",
            "-H", f"X-Remote-User: {user}", "-H", "X-Remote-Group: system:authenticated"]


def test_non_masters_callers_authorized_by_karmada_rbac(fed):
    """An RBAC-allowed user reaches the metrics through the aggregator. Only fedmetrics with delegated
    authorization (SubjectAccessReview against karmada-apiserver) lets it through; without it
    (FEDMETRICS_DELEGATED_AUTH=0) only system:masters callers pass and it gets 403 from fedmetrics."""
    kc = fed["KARMADA_KUBECONFIG"]
    kubectl(fed, kc, "create", "clusterrole", "e2e-cm-reader", "--verb=get,list",
            "--resource=*.custom.metrics.k8s.io")
    kubectl(fed, kc, "create", "clusterrolebinding", "e2e-cm-reader", "--clusterrole=e2e-cm-reader",
            "--user=e2e-alice")
    sar = json.dumps({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                      "spec": {"user": "e2e-alice", "resourceAttributes": {
                          "group": "custom.metrics.k8s.io", "resource": "pods", "subresource": "http_requests",
                          "verb": "get", "namespace": "default", "name": "*"}}})
    try:
        allowed, deadline = False, time.monotonic() + 10
        while not allowed and time.monotonic() < deadline:  # RBAC informer lag: bounded poll
            r = subprocess.run([fed["KUBECTL_BIN"], "--kubeconfig", kc, "create", "-o", "json", "-f", "-"],
                               input=sar, capture_output=True, text=True, timeout=30)
            allowed = r.returncode == 0 and json.loads(r.stdout)["status"].get("allowed", False)
            if not allowed:
                time.sleep(0.2)
        assert allowed, "karmada-apiserver RBAC should allow e2e-alice"
        # through the real aggregator (X-Remote-User e2e-alice, groups system:authenticated)
        r = kubectl(fed, kc, "--as=e2e-alice", "get", "--raw", SEED.format(v="v1beta2"), check=False)
        # straight to fedmetrics with front-proxy headers: alice allowed, bob (no RBAC) denied by fedmetrics
        alice = _curl_fedmetrics(fed, *_front_proxy(fed, "e2e-alice"))
        bob = _curl_fedmetrics(fed, *_front_proxy(fed, "e2e-bob"))
        if fed.get("FEDMETRICS_DELEGATED_AUTH") == "1":
            assert r.returncode == 0 and json.loads(r.stdout)["items"], (r.stdout, r.stderr)
            assert (alice, bob) == ("200", "403"), (alice, bob)
        else:
            assert r.returncode != 0 and "Forbidden" in r.stderr, (r.stdout, r.stderr)
            assert (alice, bob) == ("403", "403"), (alice, bob)
    finally:
        kubectl(fed, kc, "delete", "clusterrolebinding", "e2e-cm-reader", check=False)
        kubectl(fed, kc, "delete", "clusterrole", "e2e-cm-reader", check=False)


def test_bearer_token_straight_to_fedmetrics(fed):
    """With delegated authentication a karmada-apiserver token (TokenReview) works directly, e.g. for hey."""
    code = _curl_fedmetrics(fed, "-H", "Authorization: Bearer " + fed["LOAD_TOKEN"])
    assert code == ("200" if fed.get("FEDMETRICS_DELEGATED_AUTH") == "1" else "403"), code


def test_everything_listens_on_loopback_only(fed):
    pids = {p for _, p, _ in _recorded(fed["DIR"])}
    ss = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout.splitlines()
    bad = []
    for line in ss:
        for p in pids:
            if f"pid={p}," in line:
                local = line.split()[3]
                if not local.startswith("127.0.0.1:"):
                    bad.append(line)
    assert not bad, bad


@pytest.mark.skipif(not KARMADA_MODE, reason="needs FEDMETRICS_E2E_KARMADA_CONTROLLERS=1")
def test_karmada_propagation_scales_members(fed):
    """karmada-scheduler divides the Karmada Deployment 1:1; scaling it to 4 gives 2 Running pods per
    member, and the Karmada seed query then returns all 4 (bounded poll, 60 s)."""
    kc = fed["KARMADA_KUBECONFIG"]
    for c in MEMBERS:
        cl = json.loads(kubectl(fed, kc, "get", "cluster", c, "-o", "json").stdout)
        assert any(x["type"] == "Ready" and x["status"] == "True" for x in cl["status"]["conditions"]), cl["status"]
    kubectl(fed, kc, "scale", "deploy", "sample-app", "--replicas=4")
    try:
        deadline, names, per = time.monotonic() + 60, set(), {}
        while time.monotonic() < deadline:
            per = {m: running_pods(fed, m) for m in MEMBERS}
            got = raw(fed, kc, SEED.format(v="v1beta2"))
            names = {i["describedObject"]["name"] for i in got["items"]}
            if all(len(p) == 2 for p in per.values()) and names == per["member1"] | per["member2"]:
                break
            time.sleep(0.5)
        assert all(len(p) == 2 for p in per.values()), per
        assert names == per["member1"] | per["member2"], (names, per)
    finally:
        kubectl(fed, kc, "scale", "deploy", "sample-app", "--replicas=2", check=False)
