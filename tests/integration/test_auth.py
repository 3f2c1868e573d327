"""Attack matrix for the certificate-based authentication and the authorization gate, against the real
binary. A member imposter counts calls, so a denied request is shown to cost no member call."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

METRIC = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"
ITEMS = {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2", "metadata": {}, "items": []}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("auth")
    certs = harness.gen_certs(work / "certs")
    fixtures = work / "fixtures.json"
    fixtures.write_text(json.dumps({"routes": {METRIC: {"status": 200, "body": ITEMS}}}))
    member = harness.FakeMember(fixtures, certs, work)
    members = harness.members_config(work / "members.yaml", [("member1", member.port)], certs)
    adapter = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                               f"--client-ca-file={certs}/client-ca.crt",
                               f"--requestheader-client-ca-file={certs}/front-proxy-ca.crt",
                               "--requestheader-allowed-names=front-proxy-client",
                               f"--members-config={members}", "--max-request-header-bytes=16384",
                               f"--audit-log-path={work}/audit.log"], work)
    yield {"adapter": adapter, "certs": certs, "member": member, "audit": work / "audit.log"}
    adapter.stop()
    member.stop()


def member_metric_calls(env):
    return sum(1 for c in env["member"].requests() if "http_requests" in c["path"])


CASES = [
    # id, client cert, headers, expected code
    ("admin-cert", "admin", {}, 200),
    ("no-cert-anonymous", None, {}, 403),
    ("spoofed-x-remote-user-without-cert", None, {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}, 403),
    ("spoofed-x-remote-user-with-client-cert", "alice", {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}, 403),
    ("cert-from-wrong-ca", "rogue", {}, 401),
    ("expired-cert", "expired", {}, 401),
    ("front-proxy-cn-not-allowed", "front-proxy-intruder", {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}, 401),
    ("front-proxy-as-masters", "front-proxy-client", {"X-Remote-User": "system:kube-aggregator", "X-Remote-Group": "system:masters"}, 200),
    ("front-proxy-as-plain-user", "front-proxy-client", {"X-Remote-User": "alice", "X-Remote-Group": "dev"}, 403),
    ("non-masters-client-cert", "alice", {}, 403),
    ("bogus-bearer-token", None, {"Authorization": "Bearer not-a-token"}, 403),
    # Issue #12 item 5: "CN=front-proxy-client, CN=intruder" is CN intruder for Go (the last CN), so it is not
    # an allowed front-proxy name; taking the first CN let it vouch for system:masters.
    ("front-proxy-two-cns-last-not-allowed", "front-proxy-two-cn",
     {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}, 401),
]


@pytest.mark.parametrize("case,client,headers,code", CASES, ids=[c[0] for c in CASES])
def test_attack_matrix(env, case, client, headers, code):
    before = member_metric_calls(env)
    status, resp_headers, body = harness.request(env["adapter"].port, METRIC, env["certs"], client=client,
                                                 headers=headers)
    if code == 200:
        assert status == 200, body
        assert member_metric_calls(env) >= before + 1
        return
    doc = harness.assert_status_body(status, resp_headers, body, code)
    if code == 401:
        assert doc["reason"] == "Unauthorized" and doc["message"] == "Unauthorized"
    else:
        assert doc["reason"] == "Forbidden"
        assert "cannot get resource \"pods/http_requests\"" in doc["message"]
        # The message names the user, never a credential.
        assert "not-a-token" not in doc["message"]
    assert member_metric_calls(env) == before, "a denied request reached a member"


def test_forbidden_message_names_the_user_and_attribute(env):
    status, headers, body = harness.request(env["adapter"].port, METRIC, env["certs"], client="front-proxy-client",
                                            headers={"X-Remote-User": "alice"})
    doc = harness.assert_status_body(status, headers, body, 403)
    assert doc["message"] == ('pods.custom.metrics.k8s.io "*" is forbidden: User "alice" cannot get resource '
                              '"pods/http_requests" in API group "custom.metrics.k8s.io" in the namespace "default"')
    assert doc["details"] == {"name": "*", "group": "custom.metrics.k8s.io", "kind": "pods"}


@pytest.mark.parametrize("client", [None, "rogue", "front-proxy-intruder"])
def test_health_paths_stay_open_to_everyone_with_valid_or_no_credentials(env, client):
    status, _, body = harness.request(env["adapter"].port, "/readyz", env["certs"], client=client)
    # Invalid certificates are still a 401: credentials that fail are never downgraded to anonymous.
    expected = 200 if client is None else 401
    assert status == expected, body


def test_oversized_and_malformed_auth_headers(env):
    big = "Bearer " + "x" * 20000
    status, headers, body = harness.request(env["adapter"].port, METRIC, env["certs"], client=None,
                                            headers={"Authorization": big})
    harness.assert_status_body(status, headers, body, 431)
    status, headers, body = harness.request(env["adapter"].port, METRIC, env["certs"], client="front-proxy-client",
                                            headers={"X-Remote-User": "", "X-Remote-Group": "system:masters"})
    # An empty user header is no identity, and the proxy certificate is not a client-CA certificate: 401,
    # as upstream (the x509 authenticator's failure wins over anonymous).
    harness.assert_status_body(status, headers, body, 401)


@pytest.mark.parametrize("path,code", [
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2e%2e/http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/%2e%2e/pods/%2A/http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/..%2Fsecrets", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%252A/http_requests", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests%00", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/../../healthz", 400),
    ("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%ZZ/http_requests", 400),
])
def test_path_traversal_and_percent_encoding_variants(env, path, code):
    before = member_metric_calls(env)
    status, headers, body = harness.request(env["adapter"].port, path, env["certs"])
    harness.assert_status_body(status, headers, body, code)
    assert member_metric_calls(env) == before


def audit_events(env, suffix):
    """The ResponseComplete audit.k8s.io/v1 Events of requests whose URI ends with `suffix` (no policy file:
    every request at Metadata, RequestReceived and ResponseComplete)."""
    events = [json.loads(line) for line in env["audit"].read_text().splitlines()]
    mine = [e for e in events if e["requestURI"].endswith(suffix)]
    assert sorted(e["stage"] for e in mine) == ["RequestReceived", "ResponseComplete"] * (len(mine) // 2), mine
    return [e for e in mine if e["stage"] == "ResponseComplete"]


def test_audit_log_records_who_what_outcome_and_members(env):
    harness.request(env["adapter"].port, METRIC + "?labelSelector=app%3Daudit", env["certs"], client="admin")
    harness.request(env["adapter"].port, METRIC + "?labelSelector=app%3Ddenied", env["certs"], client="alice")
    allowed = audit_events(env, "app%3Daudit")
    denied = audit_events(env, "app%3Ddenied")
    assert len(allowed) == 1 and len(denied) == 1
    a = allowed[0]
    assert a["kind"] == "Event" and a["apiVersion"] == "audit.k8s.io/v1" and a["level"] == "Metadata", a
    assert a["user"]["username"] == "fedmetrics-test-admin" and a["annotations"]["fedmetrics.io/authentication"] == "x509"
    assert "system:masters" in a["user"]["groups"] and "system:authenticated" in a["user"]["groups"]
    assert a["responseStatus"]["code"] == 200 and a["annotations"]["fedmetrics.io/members"] == "member1"
    assert a["verb"] == "get" and a["stageTimestamp"] >= a["requestReceivedTimestamp"], a
    assert a["stageTimestamp"].endswith("Z") and a["sourceIPs"] == ["127.0.0.1"], a
    d = denied[0]
    assert d["user"]["username"] == "alice" and d["responseStatus"]["code"] == 403, d
    assert "fedmetrics.io/members" not in d.get("annotations", {}), d


def test_a_client_certificate_with_two_cns_is_the_user_of_the_last(env):
    """Issue #12 item 5: "O=dev, CN=alice, CN=bob" is user bob in kube-apiserver (Go's crypto/x509 keeps the
    last CN), so it must be bob here too: the audit log and the 403 message name bob."""
    path = METRIC + "?labelSelector=app%3Dtwo-cns"
    status, headers, body = harness.request(env["adapter"].port, path, env["certs"], client="two-cn")
    doc = harness.assert_status_body(status, headers, body, 403)
    assert 'User "bob"' in doc["message"], doc["message"]
    mine = audit_events(env, "app%3Dtwo-cns")
    assert len(mine) == 1 and mine[0]["user"]["username"] == "bob", mine
    assert mine[0]["annotations"]["fedmetrics.io/authentication"] == "x509", mine


def test_resumed_tls_sessions_keep_the_client_identity(env, tmp_path):
    """Session resumption (tickets) must neither fail (session id context) nor lose the client certificate."""
    certs, port = env["certs"], env["adapter"].port
    session = tmp_path / "session.pem"
    request = f"GET {METRIC} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

    def connect(*extra):
        return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                               "-CAfile", f"{certs}/ca.crt", "-cert", f"{certs}/admin.crt", "-key",
                               f"{certs}/admin.key", "-tls1_2", "-ign_eof", *extra],
                              input=request, capture_output=True, text=True, timeout=20).stdout

    first = connect("-sess_out", str(session))
    assert "HTTP/1.1 200" in first, first[-1500:]
    resumed = connect("-sess_in", str(session))
    assert "Reused, TLSv1.2" in resumed, resumed[-1500:]
    assert "HTTP/1.1 200" in resumed, resumed[-1500:]  # still authenticated as the admin certificate


def test_a_client_ca_removed_from_the_bundle_no_longer_admits_open_connections(tmp_path):
    """Issue #12 item 7: the client certificate was verified once per connection, so a keep-alive connection
    opened before the client CA was replaced kept answering 200 as system:masters. Now every request is
    checked against the current bundle (as kube-apiserver verifies per request)."""
    import http.client
    import shutil
    import time

    certs = harness.gen_certs(tmp_path / "certs")
    bundle = tmp_path / "client-ca.crt"
    shutil.copy(f"{certs}/client-ca.crt", bundle)
    path = "/apis/custom.metrics.k8s.io/v1beta2"
    with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                          f"--client-ca-file={bundle}", "--tls-reload-interval=100ms"], tmp_path) as adapter:
        old = http.client.HTTPSConnection("127.0.0.1", adapter.port, context=harness.tls_context(certs, "admin"),
                                          timeout=10)
        old.request("GET", path)
        resp = old.getresponse()
        assert resp.status == 200, resp.read()
        resp.read()
        socket_before = old.sock

        # Replace the trusted client CA by an unrelated one, atomically, and wait until new connections see it.
        tmp = tmp_path / "client-ca.crt.new"
        shutil.copy(f"{certs}/rogue-ca.crt", tmp)
        os.replace(tmp, bundle)
        deadline = time.monotonic() + 10
        while harness.request(adapter.port, path, certs, client="admin")[0] != 401:
            assert time.monotonic() < deadline, "the new client CA bundle was not loaded within 10 s"
            time.sleep(0.05)

        old.request("GET", path)
        resp = old.getresponse()
        body = resp.read()
        assert old.sock is socket_before, "the keep-alive connection was not reused"
        harness.assert_status_body(resp.status, resp.getheaders(), body, 401)
        old.close()
        # The CA now trusted admits its certificates, on new connections.
        assert harness.request(adapter.port, path, certs, client="rogue")[0] == 200
