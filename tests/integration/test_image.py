"""The container image (scripts/image, issue #14 item 1): built without a container engine, unpacked with
umoci, and its entrypoint run from the unpacked root file system (chroot in a new mount and PID namespace,
as user 65532): --version prints the version `git describe` gives, and the server answers /healthz over TLS
and /metrics over plain HTTP on 127.0.0.1. The root file system has no shell and no other program.
Needs root (mmdebstrap, chroot) and the packages of scripts/install-deps.sh; label `image`.
"""
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

BUILD_DIR = os.path.dirname(os.path.dirname(harness.ADAPTER))


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the image test needs root (mmdebstrap, chroot); scripts/test.sh image runs it as root")
    out = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    built = subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "image"), "--build-dir", BUILD_DIR,
                            "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    print(f"\nscripts/image: {time.monotonic() - started:.1f} s\n{built.stdout}")
    env = dict(line.split("=", 1) for line in (out / "image.env").read_text().splitlines())
    bundle = out / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{env['OCI_LAYOUT']}:{env['TAG']}", str(bundle)],
                   check=True, capture_output=True, timeout=300)
    env["ROOTFS"] = str(bundle / "rootfs")
    env["CONFIG"] = json.loads((bundle / "config.json").read_text())
    return env


def in_image(env, *args):
    """The image's entrypoint with `args`, as its user, chrooted into its root file system."""
    os.makedirs(os.path.join(env["ROOTFS"], "proc"), exist_ok=True)
    process = env["CONFIG"]["process"]
    user = f"{process['user']['uid']}:{process['user']['gid']}"
    return ["unshare", "--mount", "--pid", "--kill-child=SIGTERM", f"--mount-proc={env['ROOTFS']}/proc",
            "chroot", f"--userspec={user}", env["ROOTFS"], *process["args"], *args]


def test_the_image_runs_as_nonroot_with_the_binary_as_entrypoint(image):
    process = image["CONFIG"]["process"]
    assert process["args"][0] == "/usr/bin/fedmetrics-adapter"
    assert (process["user"]["uid"], process["user"]["gid"]) == (65532, 65532)
    assert process["cwd"] == "/home/nonroot"
    # The docker archive holds the same image.
    archived = json.loads(subprocess.run(["skopeo", "inspect", "--config", f"docker-archive:{image['DOCKER_ARCHIVE']}"],
                                         check=True, capture_output=True, text=True).stdout)
    assert archived["config"]["User"] == "65532:65532"
    assert archived["config"]["Entrypoint"] == ["/usr/bin/fedmetrics-adapter"]


def test_the_root_file_system_has_no_shell_and_no_other_program(image):
    rootfs = image["ROOTFS"]
    executables = []
    for directory, _, files in os.walk(rootfs):
        for f in files:
            path = os.path.join(directory, f)
            if os.path.isfile(path) and not os.path.islink(path) and os.access(path, os.X_OK):
                executables.append(os.path.relpath(path, rootfs))
    # Shared objects carry the x bit too; nothing else may.
    programs = [p for p in executables if ".so" not in os.path.basename(p)]
    assert programs == ["usr/bin/fedmetrics-adapter"], programs
    for shell in ("bin/sh", "bin/bash", "bin/dash", "usr/bin/sh", "usr/bin/bash"):
        assert not os.path.lexists(os.path.join(rootfs, shell)), shell
    # What the binary needs at run time besides its libraries: the CA bundle, IANA zones, the user.
    bundle = open(os.path.join(rootfs, "etc/ssl/certs/ca-certificates.crt")).read()
    assert bundle.count("BEGIN CERTIFICATE") > 100
    assert os.path.exists(os.path.join(rootfs, "usr/share/zoneinfo/Europe/Berlin"))
    assert "nonroot:x:65532:65532" in open(os.path.join(rootfs, "etc/passwd")).read()


def test_version_is_the_one_git_describe_gives(image):
    out = subprocess.run(in_image(image, "--version"), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    # Without --dirty: files edited after the build must not fail this (the build's own state is in the version).
    described = subprocess.run(["git", "-C", harness.SOURCE_DIR, "describe", "--always", "--abbrev=12"],
                               capture_output=True, text=True, check=True).stdout.strip()
    assert described in out.stdout.split()[1], (described, out.stdout)
    assert image["TAG"] == out.stdout.split()[1]


def test_the_entrypoint_serves_healthz_and_metrics(image, tmp_path):
    stderr = open(tmp_path / "stderr", "wb")
    proc = subprocess.Popen(in_image(image, "--bind-address=127.0.0.1", "--secure-port=0", "--cert-dir=/tmp/certs",
                                     "--metrics-bind-address=127.0.0.1:0"),
                            stdout=subprocess.PIPE, stderr=stderr)
    try:
        line = harness.read_line(proc.stdout, timeout=30)
        assert line.startswith("fedmetrics-adapter serving on https://127.0.0.1:"), (line, open(tmp_path / "stderr").read())
        port = int(line.rsplit(":", 1)[1])
        metrics_line = harness.read_line(proc.stdout, timeout=10)
        metrics_port = int(metrics_line.rsplit(":", 1)[1].split("/")[0])
        # The self-signed certificate was written inside the image's /tmp, as user 65532.
        ca = os.path.join(image["ROOTFS"], "tmp/certs/ca.crt")
        assert os.stat(os.path.join(image["ROOTFS"], "tmp/certs")).st_uid == 65532
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=10)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b"ok")
        conn.close()
        plain = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
        plain.request("GET", "/metrics")
        resp = plain.getresponse()
        assert resp.status == 200 and b"fedmetrics_build_info" in resp.read()
        plain.close()
    finally:
        stop_in_image(proc)
        stderr.close()


def stop_in_image(proc):
    """SIGTERM to the adapter itself, then to unshare. The adapter is unshare's child (the PID namespace's
    init); --kill-child does not reach it, because chroot --userspec changes its credentials, which clears the
    parent-death signal."""
    children = []
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            children = [int(p) for p in f.read().split()]
    except OSError:
        pass
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 20
    while any(os.path.exists(f"/proc/{pid}") and not open(f"/proc/{pid}/stat").read().split(") ")[1].startswith("Z")
              for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in children:
        if os.path.exists(f"/proc/{pid}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
