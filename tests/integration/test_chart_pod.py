"""scripts/lib/federation/chart_pod.py, the translator scripts/local-up uses to run the chart's Deployment as a
local process: the kubelet's $(VAR) expansion, fieldRef/secretKeyRef/configMapKeyRef env, Secret and
ConfigMap volumes written under the run directory with the arguments pointing there, the readiness probe;
and a clear refusal for what it cannot translate. (scripts/local-up runs it on the real chart.)"""
import base64
import json
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

CHART_POD = os.path.join(harness.SOURCE_DIR, "scripts", "lib", "federation", "chart_pod.py")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def manifests(container, volumes, *objects):
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "ns"},
              "spec": {"template": {"spec": {"containers": [container], "volumes": volumes}}}}
    return [deploy, *objects]


def run(tmp_path, docs, *extra):
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    out = subprocess.run([sys.executable, CHART_POD, "--manifests", str(path), "--run-dir", str(tmp_path / "run"),
                          "--entrypoint", "/usr/bin/app", "--out", str(tmp_path / "pod"), *extra],
                         capture_output=True, text=True, timeout=30)
    return out


def read(tmp_path):
    argv = (tmp_path / "pod.argv").read_bytes().split(b"\0")[:-1]
    env = dict(e.decode().split("=", 1) for e in (tmp_path / "pod.env").read_bytes().split(b"\0")[:-1])
    return [a.decode() for a in argv], env, json.loads((tmp_path / "pod.probe.json").read_text())


def test_env_args_and_mounted_files_as_a_kubelet_would(tmp_path):
    container = {
        "name": "c", "image": "i",
        "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "ADDR", "value": "$(POD_IP):8080"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}},
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "mode"}}}],
        "args": ["--bind=$(POD_IP)", "--metrics=$(ADDR)", "--literal=$$(POD_IP)", "--unknown=$(NOPE)",
                 "--cert=/etc/app/tls/tls.crt", "--conf=/etc/app/conf/app.yaml", "--other=/etc/app/tlsx"],
        "ports": [{"name": "https", "containerPort": 6443}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"}},
        "volumeMounts": [{"name": "tls", "mountPath": "/etc/app/tls"}, {"name": "conf", "mountPath": "/etc/app/conf"}]}
    volumes = [{"name": "tls", "secret": {"secretName": "s", "items": [{"key": "crt", "path": "tls.crt"}]}},
               {"name": "conf", "configMap": {"name": "cm"}}]
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "data": {"crt": b64("CERT"), "token": b64("t0k")}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"mode": "fast", "app.yaml": "a: 1"}}
    out = run(tmp_path, manifests(container, volumes, secret, cm), "--pod-ip", "127.0.0.9")
    assert out.returncode == 0, out.stderr
    argv, env, probe = read(tmp_path)
    rootfs = str(tmp_path / "run" / "rootfs")
    assert argv == ["/usr/bin/app", "--bind=127.0.0.9", "--metrics=127.0.0.9:8080", "--literal=$(POD_IP)",
                    "--unknown=$(NOPE)", f"--cert={rootfs}/etc/app/tls/tls.crt", f"--conf={rootfs}/etc/app/conf/app.yaml",
                    "--other=/etc/app/tlsx"]
    assert env == {"POD_IP": "127.0.0.9", "ADDR": "127.0.0.9:8080", "TOKEN": "t0k", "MODE": "fast"}
    assert open(f"{rootfs}/etc/app/tls/tls.crt").read() == "CERT"
    assert not os.path.exists(f"{rootfs}/etc/app/tls/token")  # only the listed items
    assert open(f"{rootfs}/etc/app/conf/app.yaml").read() == "a: 1"
    assert probe == {"scheme": "https", "port": 6443, "path": "/readyz"}


def test_what_it_cannot_translate_is_refused_with_a_reason(tmp_path):
    base = {"name": "c", "image": "i", "volumeMounts": [{"name": "v", "mountPath": "/data"}]}
    out = run(tmp_path, manifests(base, [{"name": "v", "emptyDir": {}}]))
    assert out.returncode == 2 and "only secret and configMap volumes" in out.stderr
    out = run(tmp_path, manifests(base, [{"name": "v", "secret": {"secretName": "missing"}}]))
    assert out.returncode == 2 and "Secret ns/missing is not in the manifests" in out.stderr
    env = {"name": "c", "image": "i", "env": [{"name": "X", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]}
    out = run(tmp_path, manifests(env, []))
    assert out.returncode == 2 and "unsupported valueFrom" in out.stderr
