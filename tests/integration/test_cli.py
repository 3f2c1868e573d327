"""Command-line behaviour of the real binary: --help, bad flags, unreadable certificates, JSON logs,
self-signed certificates and graceful shutdown."""
import http.client
import json
import ssl
import os
import re
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


# klog's text header: Lmmdd hh:mm:ss.uuuuuu, the pid in 7 columns, file:line] (k8s.io/klog/v2).
KLOG_LINE = re.compile(r'^([IWE])\d{4} \d{2}:\d{2}:\d{2}\.\d{6} {1,7}\d+ [a-z_]+\.(?:cpp|hpp):\d+\] "')
KLOG_ERROR = re.compile(r'^E\d{4} \d{2}:\d{2}:\d{2}\.\d{6} {1,7}\d+ options\.cpp:\d+\] "invalid (?:flag|command line)" err="')


def run(*args, timeout=10):
    return subprocess.run([harness.ADAPTER, *args], capture_output=True, text=True, timeout=timeout)


def test_help_documents_every_flag():
    result = run("--help")
    assert result.returncode == 0
    for flag in ["--secure-port", "--bind-address", "--cert-dir", "--tls-cert-file", "--tls-private-key-file",
                 "--tls-min-version", "--client-ca-file", "--requestheader-client-ca-file", "--threads",
                 "--shutdown-grace-period", "--logging-format", "--v", "--max-request-header-bytes",
                 "--max-request-body-bytes", "--request-read-timeout", "--idle-timeout", "--members-config",
                 "--member-timeout", "--metrics-cache-ttl", "--metrics-file", "--enable-federatedhpa-controller",
                 "--horizontal-pod-autoscaler-sync-period", "--horizontal-pod-autoscaler-tolerance",
                 "--horizontal-pod-autoscaler-cpu-initialization-period",
                 "--horizontal-pod-autoscaler-initial-readiness-delay",
                 "--horizontal-pod-autoscaler-downscale-stabilization",
                 "--concurrent-horizontal-pod-autoscaler-syncs", "--federatedhpa-profile", "--member-max-in-flight"]:
        assert flag in result.stdout, flag


@pytest.mark.parametrize("args,needle", [
    (["--no-such-flag"], "no-such-flag"),
    (["--secure-port=abc"], "secure-port"),
    (["--secure-port=70000"], "--secure-port"),
    (["--tls-min-version=VersionTLS10"], "--tls-min-version"),
    (["--shutdown-grace-period=soon"], "--shutdown-grace-period"),
    (["--logging-format=xml"], "--logging-format"),
    (["--tls-cert-file=/nonexistent.crt", "--tls-private-key-file=/nonexistent.key"], "/nonexistent.crt"),
    (["--tls-cert-file=/etc/hostname"], "must be given together"),
    (["--enable-federatedhpa-controller=true"], "needs member clusters"),
    (["--federatedhpa-profile=openshift"], "--federatedhpa-profile"),
    (["--horizontal-pod-autoscaler-tolerance=-0.5"], "--horizontal-pod-autoscaler-tolerance"),
    (["--horizontal-pod-autoscaler-sync-period=0s"], "--horizontal-pod-autoscaler-sync-period"),
    (["--horizontal-pod-autoscaler-downscale-stabilization=later"], "--horizontal-pod-autoscaler-downscale-stabilization"),
    (["--concurrent-horizontal-pod-autoscaler-syncs=0"], "--concurrent-horizontal-pod-autoscaler-syncs"),
    (["--member-max-in-flight=0"], "--member-max-in-flight"),
])
def test_bad_flags_exit_2_with_a_clear_error(args, needle):
    result = run("--secure-port=0", "--bind-address=127.0.0.1", *args)
    assert result.returncode == 2, result
    # Flag errors go through the logger: klog error lines naming the flag, then the usage hint.
    assert KLOG_ERROR.match(result.stderr) and needle in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("Run 'fedmetrics-adapter --help' for usage.") or \
        "invalid flag" in result.stderr, result.stderr


def test_flag_errors_in_json_when_asked():
    result = run("--secure-port=0", "--logging-format=json", "--member-timeout=soon")
    assert result.returncode == 2, result
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines and lines[0]["msg"] == "invalid flag" and "--member-timeout" in lines[0]["err"], result.stderr
    assert "v" not in lines[0] and lines[0]["caller"].startswith("app/options.cpp:"), lines


def test_unparseable_certificate_exits_2(tmp_path):
    bad = tmp_path / "bad.crt"
    bad.write_text("not a certificate\n")
    result = run("--secure-port=0", "--bind-address=127.0.0.1", f"--tls-cert-file={bad}",
                 f"--tls-private-key-file={bad}")
    assert result.returncode == 2
    assert "--tls-cert-file" in result.stderr and str(bad) in result.stderr


def test_self_signed_certificate_covers_requested_names(tmp_path):
    with harness.Adapter([f"--cert-dir={tmp_path}/certs", "--self-signed-cert-names=fedmetrics.karmada-system.svc"],
                         tmp_path) as adapter:
        text = subprocess.run(["openssl", "x509", "-in", f"{tmp_path}/certs/apiserver.crt", "-noout", "-ext",
                               "subjectAltName"], capture_output=True, text=True).stdout
        assert "DNS:fedmetrics.karmada-system.svc" in text and "IP Address:127.0.0.1" in text
        ctx_certs = tmp_path / "certs"
        # Verifies against the generated CA under the service name.
        out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{adapter.port}", "-verify_return_error",
                              "-CAfile", f"{ctx_certs}/ca.crt", "-servername", "fedmetrics.karmada-system.svc",
                              "-verify_hostname", "fedmetrics.karmada-system.svc"],
                             input="", capture_output=True, text=True, timeout=20)
        assert "Verify return code: 0 (ok)" in out.stdout, out.stdout[-800:]


def test_json_logging(tmp_path):
    """component-base's JSON: ts, caller, msg, v on info lines, values typed."""
    with harness.Adapter([f"--cert-dir={tmp_path}/certs", "--logging-format=json"], tmp_path) as adapter:
        pass
    lines = [json.loads(line) for line in adapter.log().splitlines() if line.strip()]
    serving = [line for line in lines if line.get("msg") == "serving"]
    assert serving, lines
    line = serving[0]
    assert list(line)[:4] == ["ts", "caller", "msg", "v"], line
    assert isinstance(line["ts"], float) and line["v"] == 0 and line["caller"].startswith("app/application.cpp:")
    assert isinstance(line["threads"], int) and line["url"].startswith("https://127.0.0.1:"), line


def test_text_logging_is_klog_and_vmodule_raises_one_file(tmp_path):
    """klog text lines with file:line; --vmodule=api_handler=3 shows that file's -v=3 request lines only."""
    with harness.Adapter([f"--cert-dir={tmp_path}/certs", "--vmodule=api_handler=3"], tmp_path) as adapter:
        conn = http.client.HTTPSConnection("127.0.0.1", adapter.port, context=ssl._create_unverified_context(),
                                           timeout=10)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()
    lines = [line for line in adapter.log().splitlines() if line.strip()]
    assert lines and all(KLOG_LINE.match(line) for line in lines), lines
    assert any(re.search(r' api_handler\.cpp:\d+\] "request" verb="GET" target="/healthz" code=200 ', line)
               for line in lines), lines
    assert any(re.search(r' application\.cpp:\d+\] "serving" url="https://', line) for line in lines), lines


def test_sigterm_drains_in_flight_requests(tmp_path):
    """A request in flight when SIGTERM arrives still gets its answer; then the process exits 0 and stops
    accepting connections. The slow request comes from a member that answers after 1.5 s."""
    certs = harness.gen_certs(tmp_path / "certs")
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"routes": {
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests": {
            "status": 200, "body": {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2",
                                    "metadata": {}, "items": []}}}}))
    member = harness.FakeMember(fixtures, certs, tmp_path, "--latency-ms", "1500")
    try:
        members = harness.members_config(tmp_path / "members.yaml", [("member1", member.port)], certs)
        adapter = harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                                   f"--client-ca-file={certs}/client-ca.crt", f"--members-config={members}",
                                   "--member-timeout=5s", "--shutdown-grace-period=10s"], tmp_path)
        try:
            result = {}

            def slow_request():
                result["answer"] = harness.request(
                    adapter.port, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests",
                    certs, timeout=20)

            thread = threading.Thread(target=slow_request)
            thread.start()
            time.sleep(0.5)  # the request is now waiting on the member
            sent = time.monotonic()
            adapter.terminate()
            thread.join(timeout=15)
            status, _, body = result["answer"]
            assert status == 200, body
            assert json.loads(body)["kind"] == "MetricValueList"
            assert adapter.wait(timeout=10) == 0
            assert time.monotonic() - sent < 5
            with pytest.raises(OSError):
                harness.request(adapter.port, "/healthz", certs, timeout=2)
        finally:
            adapter.stop()
    finally:
        member.stop()


def test_tls_cipher_suites_use_kube_names(tmp_path):
    certs = harness.gen_certs(tmp_path / "certs")
    bad = run("--secure-port=0", "--tls-cipher-suites=TLS_NOT_A_SUITE")
    assert bad.returncode == 2 and "TLS_NOT_A_SUITE" in bad.stderr
    with harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                          "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"], tmp_path) as adapter:
        def negotiate(cipher):
            out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{adapter.port}", "-tls1_2",
                                  "-cipher", cipher], input="", capture_output=True, text=True, timeout=20)
            return out.stdout
        assert "Cipher is ECDHE-ECDSA-AES256-GCM-SHA384" in negotiate("ECDHE-ECDSA-AES256-GCM-SHA384")
        assert "Cipher is (NONE)" in negotiate("ECDHE-ECDSA-AES128-GCM-SHA256")


def test_serving_certificate_is_reloaded_without_a_restart(tmp_path):
    first = harness.gen_certs(tmp_path / "first")
    second = harness.gen_certs(tmp_path / "second")
    live = tmp_path / "live"
    live.mkdir()
    import shutil
    for name in ("server.crt", "server.key"):
        shutil.copy(f"{first}/{name}", live / name)
    with harness.Adapter([f"--tls-cert-file={live}/server.crt", f"--tls-private-key-file={live}/server.key",
                          "--tls-reload-interval=200ms"], tmp_path) as adapter:
        status, _, _ = harness.request(adapter.port, "/healthz", first, client=None)
        assert status == 200
        # Replace key first, then certificate, each atomically (as kubelet's secret volumes do).
        for name in ("server.key", "server.crt"):
            shutil.copy(f"{second}/{name}", live / (name + ".tmp"))
            os.replace(live / (name + ".tmp"), live / name)
        deadline = time.monotonic() + 10
        while True:
            try:
                status, _, _ = harness.request(adapter.port, "/healthz", second, client=None, timeout=2)
                break
            except ssl.SSLError:
                assert time.monotonic() < deadline, "new certificate not served within 10 s"
                time.sleep(0.1)
        assert status == 200
        with pytest.raises(ssl.SSLError):
            harness.request(adapter.port, "/healthz", first, client=None, timeout=2)
        assert "serving certificate reloaded" in adapter.log()


def _replay(name):
    """simulate over docs/examples/NAME.jsonl (scenarios a real loop logged at -v=3) must print exactly the
    decisions in NAME.decisions.jsonl (what the loop logged at -v=2); returns them."""
    examples = os.path.join(harness.SOURCE_DIR, "docs", "examples")
    result = run("simulate", "--scenario", os.path.join(examples, name + ".jsonl"))
    assert result.returncode == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    with open(os.path.join(examples, name + ".decisions.jsonl")) as f:
        want = [json.loads(line) for line in f if line.strip()]
    assert want and got == want
    return got


def test_simulate_replays_real_loop_decisions():
    """docs/examples/seed-walkthrough-replay.jsonl holds the -v=3 scenarios the FederatedHPA loop logged for
    its three rescales during the seed walkthrough (2 -> 6 -> 10 -> 1); the .decisions file holds the
    decisions it logged at -v=2. simulate must reproduce them exactly: the loop and simulate are one path."""
    got = _replay("seed-walkthrough-replay")
    assert [(d["currentReplicas"], d["desiredReplicas"]) for d in got] == [(2, 6), (6, 10), (10, 1)]


def test_simulate_replays_real_cpu_loop_decisions():
    """docs/examples/cpu-walkthrough-replay.jsonl: the -v=3 scenarios fedmetrics' loop logged for its two
    rescales in the CPU walkthrough on the local federation (`scripts/walkthrough --metric cpu`: Resource cpu
    Utilization 50 %, PodMetrics from both members' prometheus-adapter resourceRules, pod requests and
    Ready/start times from the member pods, 2 -> 5 -> 1); simulate reproduces the logged decisions exactly."""
    got = _replay("cpu-walkthrough-replay")
    assert [(d["currentReplicas"], d["desiredReplicas"]) for d in got] == [(2, 5), (5, 1)]
    assert all(m["type"] == "Resource" for d in got for m in d["metrics"])


def test_simulate_lists_cron_executions_across_dst():
    """docs/examples/cron-scenario.jsonl (docs/cron.md): weekday rules in New York across the March 2024
    change, and a 02:30 rule in the skipped (New York) and the repeated (Berlin) hour; mixed with a
    FederatedHPA scenario in one JSON Lines input, each line answered in order."""
    examples = os.path.join(harness.SOURCE_DIR, "docs", "examples")
    result = run("simulate", "--scenario", os.path.join(examples, "cron-scenario.jsonl"))
    assert result.returncode == 0, result.stderr
    got = {d["id"]: d for d in map(json.loads, result.stdout.splitlines())}
    local = {k: [(e["rule"], e["localTime"]) for e in d["executions"]] for k, d in got.items()}
    assert local["weekday-peak"] == [
        ("scale-down", "2024-03-07T20:00:00-05:00"), ("scale-up", "2024-03-08T08:00:00-05:00"),
        ("scale-down", "2024-03-08T20:00:00-05:00"), ("scale-up", "2024-03-11T08:00:00-04:00"),
        ("scale-down", "2024-03-11T20:00:00-04:00"), ("scale-up", "2024-03-12T08:00:00-04:00")]
    assert local["new-york-dst"] == [("nightly", "2024-03-09T02:30:00-05:00"), ("nightly", "2024-03-11T02:30:00-04:00")]
    assert local["berlin-dst"] == [("nightly", "2024-10-26T02:30:00+02:00"), ("nightly", "2024-10-27T02:30:00+02:00"),
                                   ("nightly", "2024-10-27T02:30:00+01:00")]
    assert all(d["valid"] and d["kind"] == "cron" for d in got.values())

    with open(os.path.join(examples, "seed-walkthrough-replay.jsonl")) as f:
        fhpa_line = f.readline().strip()
    mixed = "\n".join([fhpa_line,
                       '{"id": "bad", "cron": {"from": 0, "to": 60, "rules": '
                       '[{"name": "x", "schedule": "@every 1h", "targetReplicas": 1}]}}',
                       '{"cron": {"to": 0}}'])
    result = subprocess.run([harness.ADAPTER, "simulate", "--scenario", "-"], input=mixed, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1  # the third line is malformed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and "desiredReplicas" in lines[0]
    assert lines[1]["valid"] is False and "@every 1h" in lines[1]["errors"][0]
    assert "error: line 3: cron.from is required" in result.stderr
