"""Two fedmetrics replicas against a real kube-apiserver: exactly one leads; killing it hands the Lease to
the other within the lease duration; a graceful stop hands it over at once. Failover times are printed."""
import os
import re
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

SAMPLE = os.path.join(harness.SOURCE_DIR, "tests", "data", "sample-metrics.json")
LEASE = ["--leader-elect-lease-duration=3s", "--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=500ms"]


def replica(control_plane, certs, work):
    return harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                            f"--client-ca-file={certs}/client-ca.crt", f"--metrics-file={SAMPLE}",
                            f"--kubeconfig={control_plane['KUBECONFIG']}", "--leader-elect=true",
                            "--leader-elect-resource-namespace=default", *LEASE], work)


def leading(adapter, certs):
    try:
        _, _, body = harness.request(adapter.port, "/metrics", certs, timeout=2)
    except OSError:
        return None
    m = re.search(r'^fedmetrics_leader_election_master_status\{name="fedmetrics-adapter"\} (\d)', body.decode(), re.M)
    return m is not None and m.group(1) == "1"


def wait_for(predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def certs(tmp_path):
    return harness.gen_certs(tmp_path / "certs")


def test_exactly_one_leader_and_failover_after_the_leader_is_killed(control_plane, certs, tmp_path):
    a = replica(control_plane, certs, tmp_path)
    b = replica(control_plane, certs, tmp_path)
    try:
        assert wait_for(lambda: [leading(a, certs), leading(b, certs)].count(True) == 1, 15), "no single leader"
        # Stays exactly one over several renewals.
        for _ in range(20):
            assert [leading(a, certs), leading(b, certs)].count(True) == 1
            time.sleep(0.1)
        leader, follower = (a, b) if leading(a, certs) else (b, a)
        holder = kubectl(control_plane, "get", "lease", "-n", "default", "fedmetrics-adapter",
                         "-o", "jsonpath={.spec.holderIdentity}").stdout
        assert holder, "the Lease names no holder"
        killed = time.monotonic()
        leader.terminate(signal.SIGKILL)
        assert wait_for(lambda: leading(follower, certs), 10), "follower never took over"
        failover = time.monotonic() - killed
        print(f"\nfailover after SIGKILL: {failover:.2f} s (lease duration 3 s, retry period 0.5 s)")
        assert failover < 3 + 3, failover  # the lease duration, plus jittered retries (up to 2.2 x 0.5 s) and latency
        new_holder = kubectl(control_plane, "get", "lease", "-n", "default", "fedmetrics-adapter",
                             "-o", "jsonpath={.spec.holderIdentity}").stdout
        assert new_holder and new_holder != holder
    finally:
        a.stop()
        b.stop()


def test_graceful_stop_hands_the_lease_over_at_once(control_plane, certs, tmp_path):
    a = replica(control_plane, certs, tmp_path)
    b = replica(control_plane, certs, tmp_path)
    try:
        assert wait_for(lambda: [leading(a, certs), leading(b, certs)].count(True) == 1, 15)
        leader, follower = (a, b) if leading(a, certs) else (b, a)
        stopped = time.monotonic()
        leader.terminate(signal.SIGTERM)
        assert leader.wait(timeout=15) == 0
        assert wait_for(lambda: leading(follower, certs), 10)
        handover = time.monotonic() - stopped
        print(f"\nhand-over after SIGTERM: {handover:.2f} s")
        assert "released the leader lease" in leader.log()
        assert handover < 3, handover
    finally:
        a.stop()
        b.stop()
