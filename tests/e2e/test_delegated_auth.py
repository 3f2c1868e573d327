"""TokenReview and SubjectAccessReview against a real kube-apiserver: RBAC allows alice and denies bob;
decisions are cached for their TTL (counted on the apiserver's own request metrics)."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

METRIC = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"
ITEMS = {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2", "metadata": {}, "items": []}
RBAC = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: http-requests-reader, namespace: default}
rules:
- apiGroups: [custom.metrics.k8s.io]
  resources: [pods/http_requests]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: SUBJECT-reads-http-requests, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: http-requests-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: SUBJECT}]
"""


def token_of(control_plane, user):
    with open(os.path.join(control_plane["PKI_DIR"], "tokens.csv")) as f:
        for line in f:
            fields = line.split(",")
            if fields[1] == user:
                return fields[0]
    raise KeyError(user)


def reviews_served(control_plane, resource):
    """How many create requests for `resource` the apiserver has served (its own /metrics)."""
    out = kubectl(control_plane, "get", "--raw", "/metrics").stdout
    total = 0
    for line in out.splitlines():
        if line.startswith("apiserver_request_total{") and f'resource="{resource}"' in line and 'verb="POST"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


@pytest.fixture(scope="module")
def env(control_plane, tmp_path_factory):
    work = tmp_path_factory.mktemp("delegated")
    certs = harness.gen_certs(work / "certs")
    applied = kubectl(control_plane, "apply", "-f", "-", input_text=RBAC.replace("SUBJECT", "alice"))
    assert applied.returncode == 0, applied.stderr
    fixtures = work / "fixtures.json"
    fixtures.write_text(json.dumps({"routes": {METRIC: {"status": 200, "body": ITEMS}}}))
    member = harness.FakeMember(fixtures, certs, work)
    members = harness.members_config(work / "members.yaml", [("member1", member.port)], certs)
    adapter = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                               f"--members-config={members}",
                               f"--authentication-kubeconfig={control_plane['KUBECONFIG']}",
                               f"--authorization-kubeconfig={control_plane['KUBECONFIG']}",
                               "--authorization-webhook-cache-unauthorized-ttl=3s",
                               "--authorization-webhook-cache-authorized-ttl=3s"], work)
    yield {"adapter": adapter, "certs": certs}
    adapter.stop()
    member.stop()


def get(env, token):
    return harness.request(env["adapter"].port, METRIC, env["certs"], client=None,
                           headers={"Authorization": f"Bearer {token}"})


def test_rbac_allows_alice(env, control_plane):
    status, _, body = get(env, token_of(control_plane, "alice"))
    assert status == 200, body


def test_rbac_denies_bob_with_a_status_naming_him(env, control_plane):
    status, headers, body = get(env, token_of(control_plane, "bob"))
    doc = harness.assert_status_body(status, headers, body, 403)
    assert 'User "bob" cannot get resource "pods/http_requests"' in doc["message"]
    assert token_of(control_plane, "bob") not in doc["message"]


def test_unknown_token_is_401(env):
    status, headers, body = get(env, "0123456789abcdef0123456789abcdef")
    doc = harness.assert_status_body(status, headers, body, 401)
    assert doc["message"] == "Unauthorized"


def test_masters_token_needs_no_access_review(env, control_plane):
    before = reviews_served(control_plane, "subjectaccessreviews")
    status, _, body = get(env, token_of(control_plane, "fedmetrics-admin"))
    assert status == 200, body
    assert reviews_served(control_plane, "subjectaccessreviews") == before


def test_a_cached_denial_is_reused_then_refreshed_after_its_ttl(env, control_plane):
    bob = token_of(control_plane, "bob")
    status, _, _ = get(env, bob)
    assert status == 403
    reviews = reviews_served(control_plane, "subjectaccessreviews")
    granted = kubectl(control_plane, "apply", "-f", "-", input_text=RBAC.replace("SUBJECT", "bob"))
    assert granted.returncode == 0, granted.stderr
    status, _, _ = get(env, bob)
    assert status == 403, "the denial should still be cached"
    assert reviews_served(control_plane, "subjectaccessreviews") == reviews, "a cached decision made a call"
    deadline = time.monotonic() + 15
    while True:
        status, _, _ = get(env, bob)
        if status == 200:
            break
        assert time.monotonic() < deadline, "bob still denied 15 s after the grant"
        time.sleep(0.5)
    assert reviews_served(control_plane, "subjectaccessreviews") > reviews


def test_trust_material_is_read_from_the_extension_apiserver_authentication_configmap(control_plane, tmp_path):
    """No --client-ca-file and no --requestheader-client-ca-file: both come from the ConfigMap, as upstream."""
    certs = harness.gen_certs(tmp_path / "certs")
    pki = control_plane["PKI_DIR"]
    sample = os.path.join(harness.SOURCE_DIR, "tests", "data", "sample-metrics.json")
    with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                          f"--cert-dir={tmp_path}/serving", f"--metrics-file={sample}",
                          f"--authentication-kubeconfig={control_plane['KUBECONFIG']}"], tmp_path) as adapter:
        import http.client
        import ssl

        def get(cert, key, headers):
            ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
            ctx.load_cert_chain(cert, key)
            conn = http.client.HTTPSConnection("127.0.0.1", adapter.port, context=ctx, timeout=10)
            conn.request("GET", "/apis/custom.metrics.k8s.io/v1beta2", headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()

        # The control plane's admin client certificate (client CA from the ConfigMap, O=system:masters).
        status, body = get(f"{pki}/admin.crt", f"{pki}/admin.key", {})
        assert status == 200, body
        # The control plane's front-proxy certificate vouching for a system:masters user.
        status, body = get(f"{pki}/front-proxy-client.crt", f"{pki}/front-proxy-client.key",
                           {"X-Remote-User": "system:kube-aggregator", "X-Remote-Group": "system:masters"})
        assert status == 200, body
        assert "read kube-system/extension-apiserver-authentication" in adapter.log()


def test_lookup_failure_stops_startup_unless_tolerated(tmp_path):
    kubeconfig = tmp_path / "unreachable"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', "
                          "insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\n"
                          "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n")
    result = subprocess.run([harness.ADAPTER, "--bind-address=127.0.0.1", "--secure-port=0", "--metrics-bind-address=0",
                             f"--cert-dir={tmp_path}/c", f"--authentication-kubeconfig={kubeconfig}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "extension-apiserver-authentication" in result.stderr
    with harness.Adapter([f"--cert-dir={tmp_path}/c", f"--authentication-kubeconfig={kubeconfig}",
                          "--authentication-tolerate-lookup-failure=true"], tmp_path) as adapter:
        status, _, _ = harness.request(adapter.port, "/healthz", os.path.join(tmp_path, "c"), client=None)
        assert status == 200
