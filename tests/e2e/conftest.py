"""Fixtures for tests against real upstream peers (built by scripts/peers/build.sh into a cache outside
the work tree). Loopback only."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    """A real etcd + kube-apiserver on 127.0.0.1 (scripts/control-plane-up); yields the env it wrote."""
    directory = tmp_path_factory.mktemp("control-plane")
    up = subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "control-plane-up"), str(directory)],
                        capture_output=True, text=True, timeout=300)
    if up.returncode != 0:
        pytest.fail("control-plane-up failed:\n" + up.stdout[-3000:] + up.stderr[-3000:])
    env = {}
    with open(directory / "env") as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                env[key.removeprefix("export ").strip()] = value.strip().strip("'\"")
    env["DIR"] = str(directory)
    yield env
    subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "control-plane-down"), str(directory)],
                   capture_output=True, text=True, timeout=120)


def kubectl(env, *args, input_text=None, timeout=60):
    kubectl_bin = env.get("KUBECTL_BIN") or env.get("FEDMETRICS_KUBECTL_BIN")
    return subprocess.run([kubectl_bin, "--kubeconfig", env["KUBECONFIG"], *args], input=input_text,
                          capture_output=True, text=True, timeout=timeout)
