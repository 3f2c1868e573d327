"""Runs the C++ Kubernetes-client checks (kube_client_e2e.cpp) against a real kube-apiserver."""
import os
import subprocess


def test_kube_client_against_a_real_apiserver(control_plane):
    binary = os.environ.get("FEDMETRICS_KUBE_E2E")
    assert binary and os.path.exists(binary), "build the fedmetrics_kube_e2e target first"
    result = subprocess.run([binary], env={**os.environ, "KUBECONFIG": control_plane["KUBECONFIG"]},
                            capture_output=True, text=True, timeout=300)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "All tests passed" in result.stdout
