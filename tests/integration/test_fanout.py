"""The fan-out, end to end: the real fedmetrics-adapter in front of fault-injecting member imposters
(fake_member.py, recorded prometheus-adapter answers from tests/data/members), compared with hand-written
golden files (tests/data/golden, aggregated-api.md §1.7 and Appendix A.4), read by Python's own client and
by real kubectl. Issue: fan-out.

Loopback only; every wait is bounded; every process started here is stopped by its PID.
"""
import http.client
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

MEMBERS = os.path.join(harness.SOURCE_DIR, "tests", "data", "members")
GOLDEN = os.path.join(harness.SOURCE_DIR, "tests", "data", "golden")
NEWEST_KUBECTL = harness.KUBECTLS[-1:] or [None]

SEED_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dsample-app"
SEED_QUERY_V1 = SEED_QUERY.replace("/v1beta2/", "/v1beta1/")
# What a member receives for the seed query (Go escaping: `*` -> %2A), per API version the member serves.
MEMBER_SEED_V2 = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests?labelSelector=app%3Dsample-app"
MEMBER_SEED_V1 = MEMBER_SEED_V2.replace("/v1beta2/", "/v1beta1/")
EXTERNAL_QUERY = ("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready"
                  "?labelSelector=queue%3Dworker_tasks")
DUP_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/pods/*/http_requests"
# Member calls the adapter makes to learn versions and metric lists (not metric reads).
DISCOVERY_PATHS = {"/apis/custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta2",
                   "/apis/custom.metrics.k8s.io/v1beta1", "/apis/external.metrics.k8s.io/v1beta1"}

MEMBER1_PODS = ["sample-app-9b7d8c9f5-xrnfx"]
MEMBER2_PODS = ["sample-app-9b7d8c9f5-9lw6t", "sample-app-9b7d8c9f5-zq2kp"]
MEMBER3_PODS = ["sample-app-9b7d8c9f5-k8w2p"]

MEMBER_TIMEOUT_S = 1.0
LATENCY_SLACK_S = 0.7


def golden(name):
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read()


def fixtures(name):
    return os.path.join(MEMBERS, name)


class FakeMember(harness.FakeMember):
    """A fake member serving one of tests/data/members/<fixture>."""

    def __init__(self, fixture, certs, workdir, *flags):
        super().__init__(fixtures(fixture), certs, workdir, *flags)

    def metric_paths(self):
        return [r["path"] for r in self.requests() if r["path"] not in DISCOVERY_PATHS]


def members_yaml(members, certs, extra=None):
    """members: [(name, FakeMember)]; extra: {name: "yaml lines"} appended to that member's entry."""
    lines = ["members:"]
    for name, member in members:
        lines += [f"  - name: {name}", f"    endpoint: {member.endpoint}", f"    caFile: {certs}/ca.crt"]
        for more in (extra or {}).get(name, []):
            lines.append("    " + more)
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Fleet:
    """Starts fake members and adapters for one test and stops all of them (by PID) at teardown."""

    def __init__(self, certs, workdir):
        self.certs = certs
        self.workdir = workdir
        self.members = []
        self.adapters = []

    def member(self, fixture, *flags):
        m = FakeMember(fixture, self.certs, self.workdir, *flags)
        self.members.append(m)
        return m

    def adapter(self, members, *args, extra=None, name="members.yaml"):
        config = os.path.join(str(self.workdir), name)
        write_atomically(config, members_yaml(members, self.certs, extra))
        certs = self.certs
        work = os.path.join(str(self.workdir), "adapter-%d" % len(self.adapters))
        os.makedirs(work)
        a = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                             f"--client-ca-file={certs}/client-ca.crt", f"--members-config={config}",
                             "--threads=2", *args], work)
        a.members_config = config
        self.adapters.append(a)
        return a

    def stop(self):
        for a in self.adapters:
            a.stop()
        for m in self.members:
            m.stop()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return harness.gen_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def fleet(certs, tmp_path):
    f = Fleet(certs, tmp_path)
    yield f
    f.stop()


def get(adapter, path, certs, timeout=10):
    return harness.request(adapter.port, path, certs, timeout=timeout)


def warnings_of(headers):
    return [v for k, v in headers if k.lower() == "warning"]


def pod_names(body):
    return [i["describedObject"]["name"] for i in json.loads(body)["items"]]


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout} s (last: {last!r})")


def discovery_names(adapter, certs, path="/apis/custom.metrics.k8s.io/v1beta2"):
    status, _, body = get(adapter, path, certs)
    assert status == 200, body
    return {r["name"]: r["namespaced"] for r in json.loads(body)["resources"]}


def kubectl_raw(adapter, certs, tmp_path, path):
    if NEWEST_KUBECTL[0] is None:
        pytest.skip("no kubectl on this machine")
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", adapter.port, certs)
    return harness.kubectl(NEWEST_KUBECTL[0], kubeconfig, tmp_path / "kube-cache", "get", "--raw", path)


def assert_one_member_warning(headers, failed, healthy=()):
    ws = warnings_of(headers)
    assert len(ws) == 1, ws
    assert ws[0].startswith(f'299 - "member {failed}: '), ws[0]
    assert ws[0].endswith('"'), ws[0]
    for name in healthy:
        assert f"member {name}:" not in ws[0], ws[0]
    return ws[0]


# ---------------------------------------------------------------------------------------------------------
# 1. The seed query, merged across two members, byte for byte.


def test_seed_query_is_merged_byte_for_byte_in_both_versions(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200, body
    assert warnings_of(headers) == []
    assert dict((k.lower(), v) for k, v in headers)["content-type"].startswith("application/json")
    assert body == golden("seed-merged-v1beta2.json"), body
    status, headers, body = get(a, SEED_QUERY_V1, certs)
    assert status == 200, body
    assert warnings_of(headers) == []
    assert body == golden("seed-merged-v1beta1.json"), body
    # Members serving both versions are asked in v1beta2 whatever version the client used, with the
    # selector forwarded Go-escaped.
    for m in (m1, m2):
        assert m.metric_paths() == [MEMBER_SEED_V2, MEMBER_SEED_V2], m.requests()


def test_v1beta1_only_member_is_asked_in_v1beta1_and_merged(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2-v1beta1-only.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    for query, gold in ((SEED_QUERY, "seed-merged-v1beta2.json"), (SEED_QUERY_V1, "seed-merged-v1beta1.json")):
        status, headers, body = get(a, query, certs)
        assert status == 200, body
        assert warnings_of(headers) == [], (query, a.log()[-2000:])
        assert body == golden(gold), (query, body)
    assert m2.metric_paths() == [MEMBER_SEED_V1, MEMBER_SEED_V1], m2.requests()
    assert m1.metric_paths() == [MEMBER_SEED_V2, MEMBER_SEED_V2], m1.requests()
    # Its metric list is read from its v1beta1 discovery document and joins the union.
    expected = {"pods/http_requests": True, "jobs.batch/queue_lag": True, "nodes/node_load": False}
    wait_for(lambda: discovery_names(a, certs) == expected, timeout=10, what="union with a v1beta1-only member")
    assert "/apis/custom.metrics.k8s.io/v1beta2" not in [r["path"] for r in m2.requests()]


@pytest.mark.parametrize("kubectl_bin", NEWEST_KUBECTL, ids=["newest"])
def test_kubectl_get_raw_shows_both_members_pods(fleet, certs, tmp_path, kubectl_bin):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    result = kubectl_raw(a, certs, tmp_path, SEED_QUERY)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    assert sorted(pod_names(result.stdout)) == sorted(MEMBER1_PODS + MEMBER2_PODS)
    assert json.loads(result.stdout) == json.loads(golden("seed-merged-v1beta2.json"))


# ---------------------------------------------------------------------------------------------------------
# 2. Duplicates across clusters are summed on the wire, deterministically.


def test_duplicate_pods_across_clusters_are_summed_deterministically(fleet, certs):
    # alpha answers 200 ms after beta, and is listed second in the config: neither arrival order nor config
    # order may decide the sum's format (A.4: cluster-name order, so alpha's BinarySI 1Ki + beta's 1024 = 2Ki).
    alpha = fleet.member("dup-alpha.json")
    beta = fleet.member("dup-beta.json")
    a = fleet.adapter([("beta", beta), ("alpha", alpha)])
    first = get(a, DUP_QUERY, certs)
    second = get(a, DUP_QUERY, certs)
    for status, headers, body in (first, second):
        assert status == 200, body
        assert warnings_of(headers) == []
    assert first[2] == golden("duplicates-merged-v1beta2.json"), first[2]
    assert second[2] == first[2]
    items = json.loads(first[2])["items"]
    keys = [(i["describedObject"]["namespace"], i["describedObject"]["name"]) for i in items]
    assert keys == sorted(keys) and len(keys) == len(set(keys)), keys


# ---------------------------------------------------------------------------------------------------------
# 3. Partial failure: one member broken, the other healthy.

FAULTS = [
    ("status-500", ["--status", "500"], "500"),
    ("garbage-json", ["--garbage"], None),
    ("truncated-body", ["--truncate"], None),
    ("tls-garbage", ["--tls-garbage"], None),
    ("unauthorized-401", ["--token", "s3cret-token"], "401"),
    ("garbage-http", ["--garbage-http"], None),
]


@pytest.mark.parametrize("fault,flags,needle", FAULTS, ids=[f[0] for f in FAULTS])
def test_partial_failure_answers_healthy_items_with_one_warning(fleet, certs, tmp_path, fault, flags, needle):
    m1 = fleet.member("seed-member1.json")
    bad = fleet.member("seed-member2.json", *flags)
    a = fleet.adapter([("member1", m1), ("member2", bad)])
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200, body
    assert body == golden("seed-member1-only-v1beta2.json"), body
    warning = assert_one_member_warning(headers, "member2", healthy=["member1"])
    if needle:
        assert needle in warning, warning
    if NEWEST_KUBECTL[0] is not None:
        result = kubectl_raw(a, certs, tmp_path, SEED_QUERY)
        assert result.returncode == 0, result.stderr
        assert "Warning:" in result.stderr and "member member2:" in result.stderr, result.stderr
        assert pod_names(result.stdout) == MEMBER1_PODS


HOSTILE_BODIES = [
    # A raw body: control bytes, a header injection attempt, DEL, UTF-8, then 100 kB.
    ("raw-control-bytes", b"boom\r\nX-Evil: 1\x00\x01\x1b[2J\x7f caf\xc3\xa9 " + b"x" * 100_000),
    # A metav1.Status whose message carries the same (JSON-escaped, so it decodes into control bytes).
    ("status-message-control-bytes", json.dumps({
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 500,
        "message": "boom\r\nX-Evil: 1\x00\x01\x1b[2J\x7f caf\u00e9 " + "x" * 100_000}).encode()),
]


def raw_response_head(port, certs, path):
    """The response head exactly as sent (status line and header lines, bytes), over Python's ssl socket."""
    ctx = harness.tls_context(certs)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    return data.split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize("case,body", HOSTILE_BODIES, ids=[c[0] for c in HOSTILE_BODIES])
def test_member_error_text_reaches_clients_only_as_a_short_printable_excerpt(fleet, certs, tmp_path, case, body):
    """Issue #12 item 3: a member answering 500 with control bytes made our 200 unreadable for Go clients
    (kubectl get --raw: "malformed MIME header line"). The Warning must be printable ASCII, <= 256 bytes."""
    body_file = tmp_path / "hostile-body"
    body_file.write_bytes(body)
    m1 = fleet.member("seed-member1.json")
    bad = fleet.member("seed-member2.json", "--status", "500", "--status-body-file", str(body_file))
    a = fleet.adapter([("member1", m1), ("member2", bad)])
    head = raw_response_head(a.port, certs, SEED_QUERY.replace("*", "%2A"))
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK", lines[0]
    warnings = [l for l in lines if l.lower().startswith(b"warning:")]
    assert len(warnings) == 1, lines
    value = warnings[0][len(b"warning: "):]
    assert value.startswith(b'299 - "member member2: GET '), value
    assert b"HTTP 500: boom  X-Evil: 1" in value, value
    assert len(value) <= 256, len(value)
    assert all(0x20 <= b < 0x7F for b in head.replace(b"\r\n", b"")), head
    assert not any(l.lower().startswith(b"x-evil") for l in lines), lines
    result = kubectl_raw(a, certs, tmp_path, SEED_QUERY)
    assert result.returncode == 0, result.stderr
    assert "malformed" not in result.stderr, result.stderr
    assert pod_names(result.stdout) == MEMBER1_PODS


def test_rotated_member_client_certificate_files_are_used_without_dropping_requests(fleet, tmp_path):
    """Issue #12 item 8: member CA and client-certificate files were loaded once (the member client is rebuilt
    only when the members file changes). Now they are re-read when they change, like the token file, and the
    requests running meanwhile all succeed."""
    certs_a = harness.gen_certs(tmp_path / "a")
    certs_b = harness.gen_certs(tmp_path / "b")  # another client CA: a rotation to new issuers
    trusted = tmp_path / "member-client-cas.crt"
    trusted.write_bytes(open(f"{certs_a}/client-ca.crt", "rb").read() + open(f"{certs_b}/client-ca.crt", "rb").read())
    fleet.certs = certs_a
    member = fleet.member("seed-member1.json", "--client-ca", str(trusted))
    cert, key = tmp_path / "client.crt", tmp_path / "client.key"
    for path, source in ((cert, f"{certs_a}/admin.crt"), (key, f"{certs_a}/admin.key")):
        write_atomically(path, open(source).read())
    a = fleet.adapter([("member1", member)], extra={"member1": [f"clientCertFile: {cert}", f"clientKeyFile: {key}"]})

    results = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            status, headers, _ = get(a, SEED_QUERY, certs_a)
            results.append((status, warnings_of(headers)))
            time.sleep(0.02)

    t = threading.Thread(target=reader)
    t.start()
    try:
        time.sleep(0.5)
        # cert-manager style: the certificate, then the key (in between the two do not match).
        write_atomically(cert, open(f"{certs_b}/alice.crt").read())
        write_atomically(key, open(f"{certs_b}/alice.key").read())
        rotated = time.monotonic()
        deadline = rotated + 10
        while not any(r["client_cn"] == "alice" for r in member.requests()):
            assert time.monotonic() < deadline, "the rotated client certificate was never presented"
            time.sleep(0.05)
        print(f"\nrotated client certificate presented {time.monotonic() - rotated:.2f} s after the key was "
              f"replaced; {len(results)} requests so far")
        time.sleep(0.3)
    finally:
        stop.set()
        t.join(timeout=20)
    assert len(results) >= 10, results
    assert all(status == 200 and not warnings for status, warnings in results), results
    print(f"{len(results)} requests during the rotation, all 200 without a warning")
    cns = [r["client_cn"] for r in member.requests()]
    assert cns[0] == "fedmetrics-test-admin" and cns[-1] == "alice", cns


def test_member_token_is_sent_and_accepted(fleet, certs):
    m1 = fleet.member("seed-member1.json", "--token", "s3cret-token")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)], extra={"member1": ["token: s3cret-token"]})
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200, body
    assert warnings_of(headers) == []
    assert body == golden("seed-merged-v1beta2.json")
    seen = m1.requests()
    assert seen and all(r["authorization"] == "Bearer s3cret-token" for r in seen), seen
    assert all(r["authorization"] == "" for r in m2.requests())


def test_member_restart_is_transparent_to_the_next_read(fleet, certs):
    """A member restarting (apiserver rollout, LB idle close) leaves stale keep-alive connections in the
    adapter's pool. A GET on a reused connection that the peer closed before answering must be retried on a
    new connection (as Go's net/http does), so the next read is complete and carries no warning."""
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    for _ in range(3):
        status, headers, body = get(a, SEED_QUERY, certs)
        assert status == 200 and warnings_of(headers) == [], body
    # Two different reads at once: the pool ends up with more than one idle connection per member.
    for _ in range(2):
        threads = [threading.Thread(target=get, args=(a, q, certs)) for q in (SEED_QUERY, EXTERNAL_QUERY)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=15)
    port = m2.port
    m2.stop()
    restarted = fleet.member("seed-member2.json", "--port", str(port))
    assert restarted.port == port
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200, body
    assert warnings_of(headers) == [], (warnings_of(headers), a.log()[-2000:])
    assert body == golden("seed-merged-v1beta2.json"), body


# ---------------------------------------------------------------------------------------------------------
# 4. A member that never answers.


def timed_get(adapter, path, certs):
    started = time.monotonic()
    status, headers, body = get(adapter, path, certs, timeout=MEMBER_TIMEOUT_S + 10)
    return time.monotonic() - started, status, headers, body


def test_hung_member_costs_at_most_the_member_timeout(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    hung = fleet.member("seed-member2.json", "--hang")
    a = fleet.adapter([("member1", m1), ("member2", hung)], f"--member-timeout={int(MEMBER_TIMEOUT_S * 1000)}ms")
    # Baseline: the same healthy member alone, behind its own adapter.
    base = fleet.adapter([("member1", m1)], name="baseline.yaml")
    get(base, SEED_QUERY, certs)  # warm-up (version discovery, connection)
    baseline = [timed_get(base, SEED_QUERY, certs)[0] for _ in range(5)]
    get(a, SEED_QUERY, certs, timeout=MEMBER_TIMEOUT_S + 10)  # warm-up
    totals = []
    for _ in range(5):
        elapsed, status, headers, body = timed_get(a, SEED_QUERY, certs)
        assert status == 200, body
        assert body == golden("seed-member1-only-v1beta2.json"), body
        assert_one_member_warning(headers, "member2", healthy=["member1"])
        assert elapsed < MEMBER_TIMEOUT_S + LATENCY_SLACK_S, elapsed
        totals.append(elapsed)
    samples = scrape(a, certs)
    # A member that never answers is a timeout, not an error (federated_metrics_provider.hpp).
    assert sample(samples, "fedmetrics_member_requests_total", cluster="member2", outcome="timeout") >= 6, samples
    assert sample(samples, "fedmetrics_member_errors_total", cluster="member2", code="Timeout") >= 6, samples
    total = statistics.median(totals)
    healthy = statistics.median(baseline)
    print(f"\n[fanout] hung member, --member-timeout={MEMBER_TIMEOUT_S:.1f}s: median total {total * 1000:.0f} ms "
          f"over 5 requests (all: {', '.join('%.0f' % (t * 1000) for t in totals)} ms); healthy-only baseline "
          f"median {healthy * 1000:.0f} ms; added latency {(total - healthy) * 1000:.0f} ms; beyond the member "
          f"timeout {(total - MEMBER_TIMEOUT_S) * 1000:.0f} ms")


def test_every_member_hung_is_503_naming_each_within_the_member_timeout(fleet, certs):
    m1 = fleet.member("seed-member1.json", "--hang")
    m2 = fleet.member("seed-member2.json", "--hang")
    a = fleet.adapter([("member1", m1), ("member2", m2)], f"--member-timeout={int(MEMBER_TIMEOUT_S * 1000)}ms")
    elapsed, status, headers, body = timed_get(a, SEED_QUERY, certs)
    doc = harness.assert_status_body(status, headers, body, 503)
    assert "member member1:" in doc["message"] and "member member2:" in doc["message"], doc
    assert elapsed < MEMBER_TIMEOUT_S + LATENCY_SLACK_S, elapsed
    print(f"\n[fanout] every member hung: 503 after {elapsed * 1000:.0f} ms")


# ---------------------------------------------------------------------------------------------------------
# 5. Every member failing, every member not knowing the metric.


def test_all_members_failing_is_503_naming_each(fleet, certs):
    m1 = fleet.member("seed-member1.json", "--status", "500")
    m2 = fleet.member("seed-member2.json", "--garbage")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    status, headers, body = get(a, SEED_QUERY, certs)
    doc = harness.assert_status_body(status, headers, body, 503)
    assert doc["reason"] == "ServiceUnavailable", doc
    assert "member member1:" in doc["message"] and "member member2:" in doc["message"], doc
    assert warnings_of(headers) == []


def test_all_members_not_found_is_404(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    status, headers, body = get(
        a, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/no_such_metric?labelSelector=app%3Dx", certs)
    doc = harness.assert_status_body(status, headers, body, 404)
    assert doc["reason"] == "NotFound" and "no_such_metric" in doc["message"], doc
    assert warnings_of(headers) == []


def test_one_member_not_found_is_not_a_failure(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("dup-beta.json")  # knows nothing of the seed query: 404
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200, body
    assert pod_names(body) == MEMBER1_PODS
    assert warnings_of(headers) == []


# ---------------------------------------------------------------------------------------------------------
# 6. External metrics.


def test_external_metrics_are_merged(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member2", m2), ("member1", m1)])
    status, headers, body = get(a, EXTERNAL_QUERY, certs)
    assert status == 200, body
    assert warnings_of(headers) == []
    assert body == golden("external-merged.json"), body
    for m in (m1, m2):
        assert m.metric_paths() == [EXTERNAL_QUERY], m.requests()


# ---------------------------------------------------------------------------------------------------------
# 7. Cost control.


def test_metric_reads_cost_one_call_per_member_and_discovery_costs_none(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    expected = {"pods/http_requests": True, "jobs.batch/queue_lag": True, "nodes/node_load": False}
    wait_for(lambda: discovery_names(a, certs) == expected, timeout=10, what="union of the members' metrics")
    external = discovery_names(a, certs, "/apis/external.metrics.k8s.io/v1beta1")
    assert set(external) == {"queue_messages_ready", "rabbitmq_queue_depth"}, external
    status, _, _ = get(a, SEED_QUERY, certs)  # warm-up
    assert status == 200
    before = {m: m.metric_paths() for m in (m1, m2)}
    n = 10
    for _ in range(n):
        status, headers, body = get(a, SEED_QUERY, certs)
        assert status == 200 and warnings_of(headers) == [], body
    for m in (m1, m2):
        new = m.metric_paths()[len(before[m]):]
        assert new == [MEMBER_SEED_V2] * n, new
    total_before = {m: len(m.requests()) for m in (m1, m2)}
    for _ in range(20):
        assert discovery_names(a, certs) == expected
    for m in (m1, m2):
        assert len(m.requests()) == total_before[m], m.requests()[total_before[m]:]


# ---------------------------------------------------------------------------------------------------------
# 8. Observability.

SAMPLE_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def scrape(adapter, certs):
    status, _, body = get(adapter, "/metrics", certs)
    assert status == 200
    samples = []
    for line in body.decode().splitlines():
        m = SAMPLE_LINE.match(line)
        if not m or line.startswith("#"):
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def wait_ready(adapter, certs, timeout=10):
    """Until /readyz answers 200 (after the first discovery pass)."""
    wait_for(lambda: get(adapter, "/readyz", certs)[0] == 200, timeout=timeout, what="/readyz 200")


def sample(samples, name, **labels):
    found = [v for n, l, v in samples if n == name and all(l.get(k) == v2 for k, v2 in labels.items())]
    return sum(found) if found else None


def test_metrics_and_readiness_after_a_partial_answer(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json", "--status", "500")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    wait_ready(a, certs)
    status, _, body = get(a, "/readyz?verbose", certs)
    assert status == 200 and "[+]member-discovery ok" in body.decode(), body
    status, headers, body = get(a, SEED_QUERY, certs)
    assert status == 200 and len(warnings_of(headers)) == 1, body
    samples = scrape(a, certs)
    assert sample(samples, "fedmetrics_member_requests_total", cluster="member1", outcome="success") >= 1, samples
    assert sample(samples, "fedmetrics_member_requests_total", cluster="member2", outcome="error") >= 1, samples
    assert sample(samples, "fedmetrics_member_errors_total", cluster="member2", code="Unavailable") >= 1, samples
    assert sample(samples, "fedmetrics_aggregation_partial_answers_total") >= 1, samples
    assert sample(samples, "fedmetrics_member_request_duration_seconds_count", cluster="member1") >= 1, samples
    # One of two members down: still ready.
    status, _, body = get(a, "/readyz", certs)
    assert status == 200, body
    status, _, body = get(a, "/readyz?verbose", certs)
    text = body.decode()
    assert status == 200 and "[+]member-discovery ok" in text, body
    # Each member's health, informational only.
    assert "[+]member:member1 ok" in text and "[~]member:member2 unhealthy (informational)" in text, text


def test_readyz_stays_ready_when_every_member_is_down(fleet, certs):
    """Readiness is this replica's ability to serve, not the members' health (Karmada PR #5378's failure
    mode: a member outage taking every replica out of the Service and the APIService Unavailable)."""
    m1 = fleet.member("seed-member1.json", "--status", "500")
    m2 = fleet.member("seed-member2.json", "--garbage")
    a = fleet.adapter([("member1", m1), ("member2", m2)])
    status, _, body = get(a, SEED_QUERY, certs)
    assert status == 503, body
    st = json.loads(body)
    assert st["kind"] == "Status" and st["code"] == 503, st
    assert "member1" in st["message"] and "member2" in st["message"], st
    wait_ready(a, certs)  # the first discovery pass has finished (both members failed it)
    status, _, body = get(a, "/readyz", certs)
    assert status == 200 and body == b"ok", body
    status, _, body = get(a, "/readyz?verbose", certs)
    text = body.decode()
    assert status == 200 and "[+]member-discovery ok" in text and "readyz check passed" in text, text
    assert "[~]member:member1 unhealthy (informational)" in text, text
    assert "[~]member:member2 unhealthy (informational)" in text, text
    status, _, body = get(a, "/livez", certs)
    assert status == 200, body


# ---------------------------------------------------------------------------------------------------------
# 9. Reload.


def test_members_reload_adds_a_member_without_failing_requests(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    m3 = fleet.member("seed-member3.json")
    a = fleet.adapter([("member1", m1), ("member2", m2)], "--members-reload-interval=200ms")
    status, _, body = get(a, SEED_QUERY, certs)
    assert status == 200 and body == golden("seed-merged-v1beta2.json"), body

    results = []
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                status, headers, body = get(a, SEED_QUERY, certs, timeout=10)
                results.append((time.monotonic(), status, warnings_of(headers), body))
            except Exception as e:  # noqa: BLE001 - a failed request is what this test looks for
                results.append((time.monotonic(), repr(e), [], b""))
            time.sleep(0.02)

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        time.sleep(0.3)
        changed_at = time.monotonic()
        write_atomically(a.members_config, members_yaml([("member1", m1), ("member2", m2), ("member3", m3)], certs))
        wait_for(lambda: any(r[0] > changed_at and r[1] == 200 and MEMBER3_PODS[0] in pod_names(r[3])
                             for r in list(results)), timeout=10, what="answers including member3")
        seen_at = next(r[0] for r in list(results) if r[0] > changed_at and r[1] == 200
                       and MEMBER3_PODS[0] in pod_names(r[3]))
        time.sleep(0.5)
    finally:
        stop.set()
        t.join(timeout=15)
    assert not t.is_alive()
    print(f"\n[fanout] reload: member3 answered {(seen_at - changed_at) * 1000:.0f} ms after the config was "
          f"rewritten (--members-reload-interval=200ms); {len(results)} requests during the test")
    failed = [r[:3] for r in results if r[1] != 200 or r[2]]
    assert not failed, (failed, a.log()[-3000:])
    for _, _, _, body in results:
        names = pod_names(body)
        assert set(MEMBER1_PODS + MEMBER2_PODS) <= set(names), names
    status, _, body = get(a, SEED_QUERY, certs)
    assert status == 200 and body == golden("seed-merged-3-members-v1beta2.json"), body
    assert m3.metric_paths(), m3.requests()
    # The discovery refresh notices the new member (it wakes at least every 5 s when the directory changed).
    wait_for(lambda: "deployments.apps/member3_rps" in discovery_names(a, certs), timeout=10,
             what="member3's metric in discovery")


def test_members_reload_removes_a_member_and_keeps_the_set_on_a_bad_file(fleet, certs):
    m1 = fleet.member("seed-member1.json")
    m2 = fleet.member("seed-member2.json")
    m3 = fleet.member("seed-member3.json")
    a = fleet.adapter([("member1", m1), ("member2", m2), ("member3", m3)], "--members-reload-interval=200ms")
    status, _, body = get(a, SEED_QUERY, certs)
    assert status == 200 and body == golden("seed-merged-3-members-v1beta2.json"), body
    write_atomically(a.members_config, members_yaml([("member1", m1), ("member3", m3)], certs))

    def member2_gone():
        status, headers, body = get(a, SEED_QUERY, certs)
        assert status == 200 and warnings_of(headers) == [], body
        return body == golden("seed-merged-member1-member3-v1beta2.json")

    wait_for(member2_gone, timeout=10, what="answers without member2")
    asked = len(m2.metric_paths())
    # A broken file keeps the previous set (and no request fails meanwhile).
    write_atomically(a.members_config, "members:\n  - name: [member1\n")
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        status, headers, body = get(a, SEED_QUERY, certs)
        assert status == 200 and warnings_of(headers) == [], body
        assert body == golden("seed-merged-member1-member3-v1beta2.json"), body
    assert len(m2.metric_paths()) == asked
    assert "keeping the previous set" in a.log()
    status, _, body = get(a, "/readyz", certs)
    assert status == 200, body
