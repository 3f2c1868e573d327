"""docs/metrics.md lists every series of a live /metrics with its type and labels, and every family it marks
`always` or `members` is there: the real adapter with two fake members (one failing), after reads."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import metrics_doc  # noqa: E402

MEMBERS = os.path.join(harness.SOURCE_DIR, "tests", "data", "members")
SEED_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dsample-app"


def test_docs_metrics_md_matches_a_live_scrape(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    m1 = harness.FakeMember(os.path.join(MEMBERS, "seed-member1.json"), certs, tmp_path)
    m2 = harness.FakeMember(os.path.join(MEMBERS, "seed-member2.json"), certs, tmp_path, "--status", "500")
    try:
        members = harness.members_config(tmp_path / "members.yaml", [("member1", m1.port), ("member2", m2.port)], certs)
        with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                              f"--client-ca-file={certs}/client-ca.crt",
                              f"--requestheader-client-ca-file={certs}/front-proxy-ca.crt",
                              f"--members-config={members}", "--member-timeout=2s"], tmp_path) as adapter:
            for path in (SEED_QUERY, SEED_QUERY, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/nope",
                         "/healthz"):
                harness.request(adapter.port, path, certs)
            status, _, body = harness.request(adapter.port, "/metrics", certs)
            assert status == 200, body
    finally:
        m1.stop()
        m2.stop()
    text = body.decode()
    live = metrics_doc.exposed(text)
    doc = metrics_doc.documented(harness.SOURCE_DIR)
    assert len(doc) >= 20, doc
    problems = metrics_doc.mismatches(doc, live, {"always", "members"})
    assert not problems, "\n".join(problems)
    # What the run did shows up: the failing member is unreachable, the partial answer counted, the
    # serving certificate's expiry read (gen-test-certs.sh certificates live for years).
    assert 'fedmetrics_members{state="unreachable"} 1' in text, text
    assert 'fedmetrics_member_state{cluster="member2",reason="Unavailable",state="unreachable"} 1' in text, text
    assert 'fedmetrics_member_state{cluster="member1",reason="",state="ready"} 1' in text, text
    expiry = [line for line in text.splitlines()
              if line.startswith('fedmetrics_certificate_expiration_timestamp_seconds{certificate="serving"}')]
    assert expiry and float(expiry[0].split()[-1]) > 1.7e9, expiry
    assert {'certificate="client-ca"', 'certificate="requestheader-client-ca"'} <= set(
        line.split("{")[1].split("}")[0] for line in text.splitlines()
        if line.startswith("fedmetrics_certificate_expiration_timestamp_seconds{")), text


def test_the_check_catches_drift():
    """The comparison fails on an undocumented family, a wrong label set and a missing documented family."""
    doc = {"a_total": {"type": "counter", "labels": {"x"}, "when": "always", "meaning": ""},
           "b": {"type": "gauge", "labels": set(), "when": "always", "meaning": ""}}
    live = metrics_doc.exposed("# TYPE a_total counter\na_total{y=\"1\"} 1\n# TYPE c gauge\nc 1\n")
    problems = metrics_doc.mismatches(doc, live, {"always"})
    assert any("not in docs/metrics.md: c" in p for p in problems), problems
    assert any("a_total: documented labels ['x'], exposed ['y']" in p for p in problems), problems
    assert any("not exposed: b" in p for p in problems), problems
