"""The command line of karmada-metrics-adapter v1.18.2 works here (issue #14): every reference flag is accepted,
--help is grouped with types and defaults, docs/flags.md is generated from it, --metrics-bind-address serves
plain-HTTP /metrics, and --cluster-api-qps/--kube-api-qps really pace the member and control-plane clients.
The reference Deployment's own argument list is started against a real control plane in tests/e2e/test_reference_flags.py.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.SOURCE_DIR, "scripts", "lib"))
import flags_help  # noqa: E402

REFERENCE_LIST = os.path.join(harness.SOURCE_DIR, "tests", "data", "karmada-metrics-adapter-v1.18.2.flags")
METRIC = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"


def reference_flags():
    rows = []
    with open(REFERENCE_LIST) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, type_, default = (line.rstrip("\n").split("\t") + ["", ""])[:3]
                rows.append((name, type_, default))
    return rows


def our_help():
    out = subprocess.run([harness.ADAPTER, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_docs_flags_md_is_generated_from_the_current_help():
    result = subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "gen-flags-doc"), "--check",
                             "--adapter", harness.ADAPTER], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_help_is_grouped_by_topic_with_types_and_defaults():
    sections = dict(flags_help.parse(our_help()))
    for title in ("Secure serving", "Authentication", "Authorization", "Audit", "Karmada control plane",
                  "Member clusters", "Metrics and profiling", "Logs", "Leader election", "FederatedHPA controller"):
        assert title in sections, sorted(sections)
    flags = flags_help.flags(our_help())
    assert flags["secure-port"].type == "int" and flags["secure-port"].default == "443"
    assert flags["member-timeout"].type == "duration" and flags["member-timeout"].default == "5s"
    assert flags["kube-api-qps"].type == "float32" and flags["kube-api-qps"].default == "40"
    assert flags["leader-elect"].type == "bool"
    assert flags["requestheader-allowed-names"].type == "strings"
    assert flags["v"].short == "v"
    # No flag without a meaning, no help pointing at a document that does not exist.
    for f in flags.values():
        assert f.usage, f.name
    for word in our_help().split():
        if word.strip("().,;:'\"").startswith("docs/"):
            assert os.path.exists(os.path.join(harness.SOURCE_DIR, word.strip("().,;:'\""))), word


def test_every_reference_flag_is_in_help_with_its_type():
    flags = flags_help.flags(our_help())
    missing = [name for name, _, _ in reference_flags() if name not in flags]
    assert not missing, missing
    # Same pflag type, except where ours is stricter about the same values.
    differ = [(n, t, flags[n].type) for n, t, _ in reference_flags() if flags[n].type != t]
    assert not differ, differ


SAMPLES = {"int": "0", "uint": "0", "float32": "0", "duration": "0s", "string": "x", "strings": "a", "Level": "2",
           "quantity": "0", "severity": "2", "traceLocation": ":0", "pattern=N,...": "x=2",
           "namedCertKey": "a.crt,a.key"}


def reference_default_args(ours):
    """Every reference flag at its reference default (bare booleans), or at a sample value when it has no
    default and no effect here; flags with effect and without default (paths) are left out."""
    args = []
    for name, type_, default in reference_flags():
        value = default.strip('"')
        if value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        if type_ == "bool":
            args.append(f"--{name}" if value in ("", "true") else f"--{name}={value}")
        elif default:
            args.append(f"--{name}={value}")
        elif ours[name].no_effect is not None:
            args.append(f"--{name}={SAMPLES[type_]}")
    return args


def test_the_reference_defaults_and_every_inert_flag_start_a_serving_adapter(tmp_path):
    ours = flags_help.flags(our_help())
    args = reference_default_args(ours)
    assert len(args) > 70, args
    # Loopback and free ports last (the last value wins, as in pflag).
    with harness.Adapter([*args, f"--cert-dir={tmp_path}/certs", "--secure-port=0", "--bind-address=127.0.0.1",
                          "--metrics-bind-address=127.0.0.1:0"], tmp_path) as adapter:
        status, _, body = harness.request(adapter.port, "/healthz", f"{tmp_path}/certs", client=None)
        assert status == 200, body
        log = adapter.log()
    # Each inert flag that was set is named in one startup warning.
    for name, f in ours.items():
        if f.no_effect is not None and any(a.split("=")[0] == f"--{name}" for a in args):
            assert f"--{name}" in log, name


def test_metrics_bind_address_serves_plain_http_metrics(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                          f"--client-ca-file={certs}/client-ca.crt"], tmp_path) as adapter:
        assert adapter.metrics_port
        conn = http.client.HTTPConnection("127.0.0.1", adapter.metrics_port, timeout=10)
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read().decode()
        assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/plain")
        assert "fedmetrics_build_info" in body
        for path, method, code in (("/healthz", "GET", 404), ("/apis", "GET", 404), ("/metrics", "POST", 405)):
            conn.request(method, path)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == code, (path, method, resp.status)
        conn.close()
        # The same registry as /metrics on the secure port (which needs authorization).
        status, _, secure = harness.request(adapter.port, "/metrics", certs)
        assert status == 200 and b"fedmetrics_build_info" in secure


def test_an_explicit_metrics_bind_address_that_cannot_be_bound_is_fatal(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        result = subprocess.run([harness.ADAPTER, "--bind-address=127.0.0.1", "--secure-port=0",
                                 f"--cert-dir={tmp_path}/certs", f"--metrics-bind-address=127.0.0.1:{port}"],
                                capture_output=True, text=True, timeout=20)
        assert result.returncode == 1
        assert "--metrics-bind-address" in result.stderr and str(port) in result.stderr, result.stderr
    finally:
        taken.close()


def test_metrics_bind_address_0_turns_the_listener_off(tmp_path):
    with harness.Adapter([f"--cert-dir={tmp_path}/certs", "--metrics-bind-address=0"], tmp_path) as adapter:
        assert adapter.metrics_port is None
        assert "serving metrics" not in adapter.log()


def member_fixture(tmp_path):
    fixtures = tmp_path / "member.json"
    fixtures.write_text(json.dumps({"routes": {METRIC: {"status": 200, "body": {
        "kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2", "metadata": {}, "items": []}}}}))
    return fixtures


def burst_of_requests(adapter, certs, n):
    """n different metric reads at once (different selectors, so none is answered from another's member
    call); returns their statuses."""
    statuses = []

    def one(i):
        statuses.append(harness.request(adapter.port, f"{METRIC}?labelSelector=app%3Dweb{i}", certs, timeout=30)[0])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def assert_paced(times, qps, burst):
    """No window of the arrival times holds more requests than the token bucket allows (one token of
    slack for timer granularity)."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            allowed = burst + qps * (times[j] - times[i]) + 1
            assert j - i + 1 <= allowed, (i, j, times[j] - times[i], times)


def test_cluster_api_qps_paces_the_requests_to_each_member(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    member = harness.FakeMember(member_fixture(tmp_path), certs, tmp_path)
    try:
        members = harness.members_config(tmp_path / "members.yaml", [("member1", member.port)], certs)
        common = [f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                  f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members}",
                  "--discovery-refresh-interval=1h", "--member-timeout=10s"]
        qps, burst, n = 4, 2, 12
        with harness.Adapter([*common, f"--cluster-api-qps={qps}", f"--cluster-api-burst={burst}"],
                             tmp_path) as adapter:
            time.sleep(1)  # startup discovery done and the bucket full again
            member.reset()
            assert burst_of_requests(adapter, certs, n) == [200] * n
            times = [r["time"] for r in member.requests() if r["path"].startswith(METRIC)]
        assert len(times) == n
        assert_paced(times, qps, burst)
        assert max(times) - min(times) >= (n - burst) / qps - 0.3, times
        # Control: without the limit the same burst reaches the member at once.
        member.reset()
        with harness.Adapter([*common, "--cluster-api-qps=0"], tmp_path) as adapter:
            time.sleep(0.5)
            member.reset()
            assert burst_of_requests(adapter, certs, n) == [200] * n
            times = [r["time"] for r in member.requests() if r["path"].startswith(METRIC)]
        assert len(times) == n and max(times) - min(times) < 1.0, times
    finally:
        member.stop()


def test_a_member_request_whose_slot_comes_after_its_deadline_fails_at_once(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    member = harness.FakeMember(member_fixture(tmp_path), certs, tmp_path)
    try:
        members = harness.members_config(tmp_path / "members.yaml", [("member1", member.port)], certs)
        with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                              f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members}",
                              "--discovery-refresh-interval=1h", "--cluster-api-qps=0.1", "--cluster-api-burst=1",
                              "--member-timeout=1s"], tmp_path) as adapter:
            time.sleep(0.5)
            started = time.monotonic()
            status, _, body = harness.request(adapter.port, METRIC, certs, timeout=30)
            elapsed = time.monotonic() - started
        # Startup discovery spent the only token; the next one is ~10 s away, past the 1 s member deadline.
        assert status in (503, 504), body
        assert b"client rate limit" in body, body
        assert elapsed < 1.0, elapsed
    finally:
        member.stop()


def control_plane_fixture(tmp_path):
    """A stand-in control plane whose watches end at once: an informer re-watches as fast as it may."""
    fixtures = tmp_path / "control-plane.json"
    empty = {"metadata": {"resourceVersion": "1"}, "items": []}
    fixtures.write_text(json.dumps({"routes": {
        "/apis/cluster.karmada.io/v1alpha1/clusters": {
            "status": 200, "body": {"kind": "ClusterList", "apiVersion": "cluster.karmada.io/v1alpha1", **empty}},
        "/apis/cluster.karmada.io/v1alpha1/clusters?watch": {"status": 200, "body": ""},
    }}))
    return fixtures


def test_kube_api_qps_paces_the_requests_to_the_control_plane(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    plane = harness.FakeMember(control_plane_fixture(tmp_path), certs, tmp_path)
    try:
        kubeconfig = harness.write_kubeconfig(tmp_path / "karmada.kubeconfig", plane.port, certs)
        common = [f"--cert-dir={tmp_path}/serving", f"--kubeconfig={kubeconfig}", "--members=karmada",
                  "--members-reload-interval=1s"]
        qps, burst, window = 2, 1, 3.0
        with harness.Adapter([*common, f"--kube-api-qps={qps}", f"--kube-api-burst={burst}"], tmp_path):
            time.sleep(window)
            times = [r["time"] for r in plane.requests()]
        assert len(times) >= 3, times
        assert_paced(times, qps, burst)
        assert len(times) <= burst + qps * window + 2, times
        # Control: unpaced, the same informer loop sends many more.
        plane.reset()
        with harness.Adapter([*common, "--kube-api-qps=0"], tmp_path):
            time.sleep(window)
            unpaced = len(plane.requests())
        print("control plane requests paced", len(times), "unpaced", unpaced)
        assert unpaced > 3 * len(times), (unpaced, len(times))
    finally:
        plane.stop()
