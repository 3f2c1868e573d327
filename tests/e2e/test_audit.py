"""--audit-log-path with --audit-policy-file: the real adapter in front of two fake members, with kube's policy
format (manifests/audit-policy.example.yaml: health checks dropped, metric reads at Metadata, /metrics at
Request without RequestReceived), and every
line decoded strictly by the upstream audit.k8s.io/v1 Event type (tests/e2e/audit_validate, Go, built from the
module proxy against the same k8s.io/apiserver as the kube-apiserver peer). Loopback only."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

MEMBERS = os.path.join(harness.SOURCE_DIR, "tests", "data", "members")
SEED_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dsample-app"

POLICY = os.path.join(harness.SOURCE_DIR, "manifests", "audit-policy.example.yaml")


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def validator():
    out = subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "peers", "build-audit-validate.sh")],
                         capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_audit_log_follows_the_policy_and_decodes_as_upstream_events(tmp_path):
    binary = validator()
    certs = harness.gen_certs(tmp_path / "certs")
    m1 = harness.FakeMember(os.path.join(MEMBERS, "seed-member1.json"), certs, tmp_path)
    m2 = harness.FakeMember(os.path.join(MEMBERS, "seed-member2.json"), certs, tmp_path, "--status", "500")
    policy = POLICY
    audit = tmp_path / "audit.log"
    try:
        members = harness.members_config(tmp_path / "members.yaml", [("member1", m1.port), ("member2", m2.port)], certs)
        with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                              f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members}",
                              f"--audit-log-path={audit}", f"--audit-policy-file={policy}",
                              "--audit-log-maxsize=1", "--audit-log-maxbackup=2"], tmp_path) as adapter:
            deadline = time.monotonic() + 15
            while harness.request(adapter.port, "/readyz", certs)[0] != 200:  # the first discovery pass
                assert time.monotonic() < deadline, adapter.log()[-2000:]
                time.sleep(0.1)
            for path in ("/healthz", "/readyz?verbose", "/livez", "/readyz/ping"):
                assert harness.request(adapter.port, path, certs)[0] == 200
            status, headers, _ = harness.request(adapter.port, SEED_QUERY, certs, headers={"Audit-ID": "fixed-id-1"})
            assert status == 200
            assert header(headers, "Audit-Id") == "fixed-id-1", headers
            status, headers, _ = harness.request(adapter.port, SEED_QUERY, certs, client="alice")
            assert status == 403
            minted = header(headers, "Audit-Id")
            assert minted and len(minted) == 36, headers
            assert harness.request(adapter.port, "/metrics", certs)[0] == 200
            assert harness.request(adapter.port, "/apis", certs)[0] == 200  # no rule: not audited
    finally:
        m1.stop()
        m2.stop()
    lines = [line for line in audit.read_text().splitlines() if line]
    events = [json.loads(line) for line in lines]
    # Health checks dropped; nothing unaudited; /metrics without its RequestReceived stage.
    assert not [e for e in events if e["requestURI"].split("?")[0] in ("/healthz", "/livez", "/readyz", "/readyz/ping")]
    assert not [e for e in events if e["requestURI"] == "/apis"], events
    by_stage = sorted((e["requestURI"].split("?")[0], e["stage"], e["level"]) for e in events)
    read = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests"
    assert by_stage == sorted([(read, "RequestReceived", "Metadata"), (read, "ResponseComplete", "Metadata"),
                               (read, "RequestReceived", "Metadata"), (read, "ResponseComplete", "Metadata"),
                               ("/metrics", "ResponseComplete", "Request")]), by_stage
    done = [e for e in events if e["stage"] == "ResponseComplete" and e["requestURI"].startswith(read)]
    admin = next(e for e in done if e["auditID"] == "fixed-id-1")
    assert admin["responseStatus"]["code"] == 200 and admin["verb"] == "get", admin
    assert admin["objectRef"] == {"resource": "pods", "namespace": "default", "name": "*",
                                  "apiGroup": "custom.metrics.k8s.io", "apiVersion": "v1beta2",
                                  "subresource": "http_requests"}, admin
    assert admin["annotations"]["fedmetrics.io/members"] == "member1", admin  # member2 failed
    assert admin["sourceIPs"] == ["127.0.0.1"] and "responseObject" not in admin, admin
    denied = next(e for e in done if e["auditID"] == minted)
    assert denied["user"]["username"] == "alice" and denied["responseStatus"]["code"] == 403, denied
    assert "alice" in denied["responseStatus"]["message"], denied

    # The upstream type decodes every line strictly.
    checked = subprocess.run([binary], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    summaries = [json.loads(line) for line in checked.stdout.splitlines()]
    assert len(summaries) == len(lines) == 5, checked.stdout
    assert {s["code"] for s in summaries if s["stage"] == "ResponseComplete"} == {200, 403}, summaries
    print(f"\n[audit] {checked.stderr.strip()}")

    # And the validator is not a rubber stamp: an unknown field or a wrong type is refused.
    for bad in (dict(events[0], surprise=1), dict(events[0], level=3), dict(events[0], apiVersion="audit.k8s.io/v2")):
        refused = subprocess.run([binary], input=json.dumps(bad) + "\n", capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1, (bad, refused.stdout, refused.stderr)
