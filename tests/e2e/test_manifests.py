"""Every manifest in manifests/ is accepted by a real kube-apiserver (kubectl apply --dry-run=server)."""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

MANIFESTS = sorted(p for p in glob.glob(os.path.join(harness.SOURCE_DIR, "manifests", "*.yaml"))
                   if not p.endswith(".example.yaml"))


def test_there_are_manifests():
    names = {os.path.basename(p) for p in MANIFESTS}
    assert {"fedmetrics-adapter-host.yaml", "fedmetrics-adapter-karmada.yaml", "fedmetrics-adapter-member.yaml",
            "federatedhpa-crd.yaml"} <= names


def test_every_manifest_is_accepted_by_a_real_apiserver(control_plane):
    # Namespaced objects need their namespaces to exist, even for a server-side dry run.
    for ns in ("karmada-system", "karmada-cluster"):
        created = kubectl(control_plane, "create", "namespace", ns)
        assert created.returncode == 0 or "AlreadyExists" in created.stderr, created.stderr
    for path in MANIFESTS:
        result = kubectl(control_plane, "apply", "--dry-run=server", "-f", path)
        assert result.returncode == 0, (path, result.stderr)
        assert "(server dry run)" in result.stdout, (path, result.stdout)


def test_a_broken_manifest_is_rejected(control_plane, tmp_path):
    """The check above can fail: an invalid object is refused by the same command."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: default}\n"
                      "spec: {replicas: -1, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: c}}, "
                      "spec: {containers: [{name: c, image: i}]}}}\n")
    result = kubectl(control_plane, "apply", "--dry-run=server", "-f", str(broken))
    assert result.returncode != 0
    assert "Invalid" in result.stderr or "invalid" in result.stderr
