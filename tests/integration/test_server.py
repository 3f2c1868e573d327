"""The foundation, end to end: the real fedmetrics-adapter binary driven by real kubectl (every version
on the machine), curl-independent Python clients and openssl s_client. Issue: foundation."""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

SAMPLE = os.path.join(harness.SOURCE_DIR, "tests", "data", "sample-metrics.json")
SEED_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dsample-app"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return harness.gen_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def adapter(certs, tmp_path_factory):
    work = tmp_path_factory.mktemp("adapter")
    args = [f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
            f"--client-ca-file={certs}/client-ca.crt", f"--requestheader-client-ca-file={certs}/front-proxy-ca.crt",
            f"--metrics-file={SAMPLE}", "--request-read-timeout=1s", "--idle-timeout=2s",
            "--max-request-header-bytes=65536", "--threads=2"]
    with harness.Adapter(args, work) as a:
        yield a


def get_raw(kubectl_bin, kubeconfig, cache, path):
    result = harness.kubectl(kubectl_bin, kubeconfig, cache, "get", "--raw", path)
    return result


ENDPOINTS = [
    ("/healthz", lambda out: out == "ok"),
    ("/livez", lambda out: out == "ok"),
    ("/readyz", lambda out: out == "ok"),
    ("/readyz?verbose", lambda out: "[+]ping ok" in out and "readyz check passed" in out),
    ("/readyz/ping", lambda out: out == "ok"),
    ("/version", lambda out: json.loads(out)["gitVersion"].startswith("v")),
    ("/metrics", lambda out: "fedmetrics_http_requests_total" in out and "fedmetrics_build_info" in out),
    ("/openapi/v2", lambda out: json.loads(out)["swagger"] == "2.0" and json.loads(out)["paths"]),
    ("/openapi/v3", lambda out: "apis/custom.metrics.k8s.io/v1beta2" in json.loads(out)["paths"]),
    ("/openapi/v3/apis/custom.metrics.k8s.io/v1beta2", lambda out: json.loads(out)["openapi"] == "3.0.0"),
    ("/apis", lambda out: [g["name"] for g in json.loads(out)["groups"]] ==
     ["custom.metrics.k8s.io", "external.metrics.k8s.io", "metrics.k8s.io"]),
    ("/apis/custom.metrics.k8s.io", lambda out: json.loads(out)["preferredVersion"]["version"] == "v1beta2"),
    ("/apis/custom.metrics.k8s.io/v1beta2", lambda out: {r["name"] for r in json.loads(out)["resources"]} ==
     {"pods/http_requests", "nodes/node_load", "namespaces/queue_depth"}),
    ("/apis/custom.metrics.k8s.io/v1beta1", lambda out: json.loads(out)["groupVersion"] ==
     "custom.metrics.k8s.io/v1beta1"),
    ("/apis/external.metrics.k8s.io/v1beta1", lambda out: [r["name"] for r in json.loads(out)["resources"]] ==
     ["queue_messages_ready"]),
    (SEED_QUERY, lambda out: sorted(i["describedObject"]["name"] for i in json.loads(out)["items"]) ==
     ["sample-app-9b7d8c9f5-9lw6t", "sample-app-9b7d8c9f5-xrnfx"]),
    ("/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/sample-app-9b7d8c9f5-xrnfx/http_requests",
     lambda out: json.loads(out)["items"][0]["metricName"] == "http_requests"
     and json.loads(out)["items"][0]["value"] == "4300m"),
    ("/apis/custom.metrics.k8s.io/v1beta2/nodes/*/node_load", lambda out: len(json.loads(out)["items"]) == 1),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/queue_depth",
     lambda out: json.loads(out)["items"][0]["describedObject"]["kind"] == "Namespace"),
    ("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready?labelSelector=queue%3Dworker_tasks",
     lambda out: json.loads(out)["items"][0]["value"] == "12"),
    ("/apis/metrics.k8s.io/v1beta1", lambda out: [r["kind"] for r in json.loads(out)["resources"]] ==
     ["NodeMetrics", "PodMetrics"]),
    ("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dsample-app",
     lambda out: [i["metadata"]["annotations"]["resource.karmada.io/query-from-cluster"]
                  for i in json.loads(out)["items"]] == ["member2", "member1"]),
    ("/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Dsample-app-9b7d8c9f5-xrnfx",
     lambda out: [i["containers"][0]["usage"]["cpu"] for i in json.loads(out)["items"]] == ["430m"]),
    ("/apis/metrics.k8s.io/v1beta1/nodes", lambda out: len(json.loads(out)["items"]) == 2),
]


@pytest.mark.parametrize("kubectl_bin", harness.KUBECTLS, ids=[os.path.basename(k) for k in harness.KUBECTLS])
def test_kubectl_get_raw_every_endpoint(adapter, certs, tmp_path, kubectl_bin):
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", adapter.port, certs)
    for path, check in ENDPOINTS:
        result = get_raw(kubectl_bin, kubeconfig, tmp_path / "cache", path)
        assert result.returncode == 0, (path, result.stderr)
        assert check(result.stdout.strip()), (path, result.stdout[:500])


def test_kubectl_finds_the_machine_has_kubectl():
    assert harness.KUBECTLS, "no /usr/lib/google-cloud-sdk/bin/kubectl.1.* on this machine"


@pytest.mark.parametrize("kubectl_bin", harness.KUBECTLS[-1:], ids=["newest"])
def test_kubectl_prints_status_errors(adapter, certs, tmp_path, kubectl_bin):
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", adapter.port, certs)
    result = get_raw(kubectl_bin, kubeconfig, tmp_path / "cache",
                     "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/nope")
    assert result.returncode == 1
    assert "Error from server (NotFound)" in result.stderr and "nope" in result.stderr
    bad = get_raw(kubectl_bin, kubeconfig, tmp_path / "cache",
                  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=a%3D%3D%3Db")
    assert bad.returncode == 1 and "Error from server (BadRequest)" in bad.stderr, bad.stderr


@pytest.mark.parametrize("kubectl_bin", harness.KUBECTLS, ids=[os.path.basename(k) for k in harness.KUBECTLS])
def test_kubectl_api_resources_discovery(adapter, certs, tmp_path, kubectl_bin):
    """api-resources walks /api, /apis and every group version: it must succeed and list the external
    metric (names with '/' are subresources and hidden, toolchain.md §8)."""
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", adapter.port, certs)
    result = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "api-resources")
    assert result.returncode == 0, result.stderr
    assert "queue_messages_ready" in result.stdout and "external.metrics.k8s.io/v1beta1" in result.stdout
    versions = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "api-versions")
    assert versions.returncode == 0, versions.stderr
    assert "custom.metrics.k8s.io/v1beta2" in versions.stdout.split()
    assert "custom.metrics.k8s.io/v1beta1" in versions.stdout.split()
    assert "metrics.k8s.io/v1beta1" in versions.stdout.split()
    assert "PodMetrics" in result.stdout and "NodeMetrics" in result.stdout


@pytest.mark.parametrize("kubectl_bin", harness.KUBECTLS, ids=[os.path.basename(k) for k in harness.KUBECTLS])
def test_kubectl_top_pod_and_get_nodemetrics(adapter, certs, tmp_path, kubectl_bin):
    """kubectl 1.27-1.33 read resource metrics from us; a node name in two clusters is a 409 naming them."""
    kubeconfig = harness.write_kubeconfig(tmp_path / "kubeconfig", adapter.port, certs)
    top = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "top", "pod", "-l", "app=sample-app")
    assert top.returncode == 0, top.stderr
    rows = [line.split() for line in top.stdout.strip().splitlines()]
    assert rows[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"], top.stdout
    assert sorted(rows[1:]) == [["sample-app-9b7d8c9f5-9lw6t", "7m", "20Mi"], ["sample-app-9b7d8c9f5-xrnfx", "430m", "21Mi"]]
    got = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "get", "nodemetrics")
    assert got.returncode == 0, got.stderr
    assert [line.split()[0] for line in got.stdout.strip().splitlines()] == ["NAME", "kwok-node-0", "kwok-node-0"]
    one = harness.kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", "get", "nodemetrics", "kwok-node-0")
    assert one.returncode == 1 and "Error from server (Conflict)" in one.stderr, one.stderr
    assert "member1, member2" in one.stderr, one.stderr


def s_client(port, alpn):
    result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-alpn", alpn,
                             "-servername", "localhost"], input="", capture_output=True, text=True, timeout=20)
    return result.stdout + result.stderr


def test_alpn_offers_http11_and_never_h2(adapter):
    assert "ALPN protocol: http/1.1" in s_client(adapter.port, "h2,http/1.1")
    only_h2 = s_client(adapter.port, "h2")
    assert "No ALPN negotiated" in only_h2
    assert "ALPN protocol: h2" not in only_h2


def test_tls_12_is_the_minimum(adapter):
    result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{adapter.port}", "-tls1_1"],
                            input="", capture_output=True, text=True, timeout=20)
    assert "Cipher is (NONE)" in result.stdout or result.returncode != 0


@pytest.mark.parametrize("path,code", [
    ("/nope", 404),
    ("/api", 404),
    ("/apis/custom.metrics.k8s.io/v1/namespaces/default/pods/*/http_requests", 404),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/http_requests", 404),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/foo", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/Bad_NS/pods/*/http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/../http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/a%2Fb/http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?metricLabelSelector=x%20in", 400),
])
def test_bad_paths_get_status_errors(adapter, certs, path, code):
    status, headers, body = harness.request(adapter.port, path, certs)
    harness.assert_status_body(status, headers, body, code)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(adapter, certs, method):
    status, headers, body = harness.request(adapter.port, SEED_QUERY.replace("*", "%2A"), certs, method=method)
    harness.assert_status_body(status, headers, body, 405)


def test_discovery_profile_only_accept_is_406(adapter, certs):
    status, headers, body = harness.request(
        adapter.port, "/apis", certs,
        headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"})
    harness.assert_status_body(status, headers, body, 406)


def test_one_mib_header_is_rejected_and_others_keep_being_served(adapter, certs):
    raw = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt")).wrap_socket(
        harness.free_tls_connection(adapter.port), server_hostname="localhost")
    started = time.monotonic()
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    answer = b""
    try:
        raw.sendall(head)
    except (ConnectionError, ssl.SSLError, OSError):
        pass  # the server may close before the whole megabyte is sent
    try:
        raw.settimeout(5)
        while chunk := raw.recv(65536):
            answer += chunk
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    # A 431 Status when the client reads it before the reset, otherwise a closed connection.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:200]
    if answer:
        assert b'"kind":"Status"' in answer and b'"code":431' in answer
    status, _, _ = harness.request(adapter.port, "/healthz", certs)
    assert status == 200


def test_garbage_instead_of_tls_is_closed(adapter, certs):
    sock = harness.free_tls_connection(adapter.port)
    started = time.monotonic()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + os.urandom(512))
    sock.settimeout(5)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (ConnectionError, OSError):
        pass
    assert time.monotonic() - started < 3
    assert b"HTTP/1.1 200" not in data
    status, _, _ = harness.request(adapter.port, "/healthz", certs)
    assert status == 200


def test_slowloris_is_closed_within_the_read_limit_while_others_are_served(adapter, certs):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
    slow = ctx.wrap_socket(harness.free_tls_connection(adapter.port), server_hostname="localhost")
    started = time.monotonic()
    slow.sendall(b"GET /healthz HTTP/1.1\r\n")
    closed_after = None
    served = 0
    # One header byte every 200 ms; the server allows 1 s (--request-read-timeout) for the whole request.
    for _ in range(40):
        try:
            slow.sendall(b"X")
            slow.settimeout(0.2)
            if slow.recv(1) == b"":
                closed_after = time.monotonic() - started
                break
        except socket.timeout:
            pass
        except (ConnectionError, ssl.SSLError, OSError):
            closed_after = time.monotonic() - started
            break
        status, _, _ = harness.request(adapter.port, "/healthz", certs, timeout=2)
        assert status == 200
        served += 1
    assert closed_after is not None, "slow connection still open after 8 s"
    assert closed_after < 2.5, closed_after
    assert served >= 2


def test_idle_connection_after_handshake_is_closed(adapter, certs):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
    idle = ctx.wrap_socket(harness.free_tls_connection(adapter.port), server_hostname="localhost")
    started = time.monotonic()
    idle.settimeout(5)
    try:
        data = idle.recv(1)
    except (ConnectionError, ssl.SSLError, OSError):
        data = b""
    assert data == b""
    assert time.monotonic() - started < 3


def test_keep_alive_serves_many_requests_on_one_connection(adapter, certs):
    import http.client
    conn = http.client.HTTPSConnection("127.0.0.1", adapter.port, context=harness.tls_context(certs), timeout=5)
    for _ in range(20):
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"ok"
    conn.close()


def test_client_certificate_is_optional(adapter, certs):
    status, _, body = harness.request(adapter.port, "/healthz", certs, client=None)
    assert status == 200 and body == b"ok"


def test_request_metrics_count_by_route_and_code(adapter, certs):
    harness.request(adapter.port, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/nope", certs)
    _, _, body = harness.request(adapter.port, "/metrics", certs)
    text = body.decode()
    assert 'code="404"' in text and 'route="/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/{resource}/{name}/{metric}"' in text
    assert "fedmetrics_http_request_duration_seconds_bucket" in text
    assert "fedmetrics_http_requests_in_flight" in text
