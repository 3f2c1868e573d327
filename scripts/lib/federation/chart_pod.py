#!/usr/bin/env python3
"""Turns the Deployment of rendered Kubernetes manifests (helm template) into a local process, the way a
kubelet would start its first container, so that scripts/local-up runs exactly what the chart deploys:

  * the Secrets and ConfigMaps its volumes mount (from the same rendering, or --extra files) are written
    under RUN_DIR/rootfs/<mountPath>/<key> (items honoured), and every argument naming a path under a
    mountPath names that file instead;
  * its environment is exactly the container's env: value, fieldRef (status.podIP -> --pod-ip,
    metadata.name/namespace, spec.nodeName), secretKeyRef and configMapKeyRef; $(VAR) references in args
    and env are expanded as the kubelet does ($$ escapes, unknown references stay as written);
  * the argv is the container's command, or the image's entrypoint (--entrypoint) followed by its args.

usage: chart_pod.py --manifests FILE [--extra FILE...] --run-dir DIR --entrypoint BIN [--pod-ip IP]
                    [--deployment NAME] --out PREFIX
writes PREFIX.argv and PREFIX.env (NUL-separated, for `env -i` + exec) and PREFIX.probe.json (the readiness
probe: scheme, port number, path). Exits 2 with a message for anything it cannot translate (a volume
type, a reference to an object that is not there) rather than guessing.
"""
import argparse
import base64
import json
import os
import re
import sys

import yaml

REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\$")


def fail(msg):
    print(f"chart_pod: {msg}", file=sys.stderr)
    sys.exit(2)


def expand(text, env):
    """kubelet's expansion (third_party/forked/golang/expansion): $(VAR) from env, $$ -> $, else as is."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return REF.sub(sub, text)


def object_data(obj):
    """key -> bytes of a Secret or ConfigMap."""
    out = {}
    for k, v in (obj.get("data") or {}).items():
        out[k] = base64.b64decode(v) if obj["kind"] == "Secret" else str(v).encode()
    for k, v in (obj.get("stringData") or {}).items():
        out[k] = str(v).encode()
    for k, v in (obj.get("binaryData") or {}).items():
        out[k] = base64.b64decode(v)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--manifests", required=True)
    p.add_argument("--extra", action="append", default=[], help="more manifests (Secrets made outside the chart)")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--entrypoint", required=True, help="the image's ENTRYPOINT, as a local binary")
    p.add_argument("--pod-ip", default="127.0.0.1")
    p.add_argument("--deployment")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    docs = []
    for path in [a.manifests, *a.extra]:
        with open(path) as f:
            docs += [d for d in yaml.safe_load_all(f) if d]
    deployments = [d for d in docs if d.get("kind") == "Deployment" and
                   (a.deployment is None or d["metadata"]["name"] == a.deployment)]
    if len(deployments) != 1:
        fail(f"expected one Deployment, found {len(deployments)}")
    deploy = deployments[0]
    namespace = deploy["metadata"].get("namespace", "default")
    objects = {(d["kind"], d["metadata"]["name"]): d for d in docs if d.get("kind") in ("Secret", "ConfigMap")}
    pod = deploy["spec"]["template"]["spec"]
    container = pod["containers"][0]

    def lookup(kind, name, key, optional=False):
        obj = objects.get((kind, name))
        if obj is None or key not in object_data(obj):
            if optional:
                return None
            fail(f"{kind} {namespace}/{name} key {key!r} is not in the manifests")
        return object_data(obj)[key].decode()

    # Environment, in order (a later entry may refer to an earlier one).
    field_values = {"status.podIP": a.pod_ip, "metadata.name": deploy["metadata"]["name"] + "-local",
                    "metadata.namespace": namespace, "spec.nodeName": "localhost"}
    env = {}
    for e in container.get("env") or []:
        if "value" in e:
            env[e["name"]] = expand(str(e["value"]), env)
            continue
        src = e.get("valueFrom") or {}
        if "fieldRef" in src:
            path = src["fieldRef"]["fieldPath"]
            if path not in field_values:
                fail(f"env {e['name']}: fieldRef {path} is not supported")
            env[e["name"]] = field_values[path]
        elif "secretKeyRef" in src or "configMapKeyRef" in src:
            kind, ref = ("Secret", src["secretKeyRef"]) if "secretKeyRef" in src else ("ConfigMap", src["configMapKeyRef"])
            value = lookup(kind, ref["name"], ref["key"], ref.get("optional", False))
            if value is not None:
                env[e["name"]] = value
        else:
            fail(f"env {e['name']}: unsupported valueFrom {sorted(src)}")

    # Volumes -> files under RUN_DIR/rootfs.
    rootfs = os.path.join(os.path.abspath(a.run_dir), "rootfs")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = []
    for m in container.get("volumeMounts") or []:
        vol = volumes.get(m["name"]) or fail(f"volumeMount {m['name']} has no volume")
        if "secret" in vol:
            kind, name, spec = "Secret", vol["secret"]["secretName"], vol["secret"]
        elif "configMap" in vol:
            kind, name, spec = "ConfigMap", vol["configMap"]["name"], vol["configMap"]
        else:
            fail(f"volume {m['name']}: only secret and configMap volumes are supported")
        obj = objects.get((kind, name))
        if obj is None:
            if spec.get("optional"):
                continue
            fail(f"volume {m['name']}: {kind} {namespace}/{name} is not in the manifests")
        data = object_data(obj)
        items = spec.get("items") or [{"key": k, "path": k} for k in sorted(data)]
        target = os.path.join(rootfs, m["mountPath"].lstrip("/"))
        if m.get("subPath"):
            fail(f"volumeMount {m['name']}: subPath is not supported")
        os.makedirs(target, exist_ok=True)
        for item in items:
            if item["key"] not in data:
                fail(f"volume {m['name']}: key {item['key']!r} not in {kind} {name}")
            path = os.path.join(target, item["path"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data[item["key"]])
            os.chmod(path, 0o600 if kind == "Secret" else 0o644)
        mounts.append(m["mountPath"].rstrip("/"))

    def relocate(arg):
        # Longest mount first, and only as a path prefix ("/etc/x" must not match "/etc/xy").
        for mount in sorted(mounts, key=len, reverse=True):
            arg = re.sub(re.escape(mount) + r"(?=/|$|,|:)", os.path.join(rootfs, mount.lstrip("/")), arg)
        return arg

    command = [expand(c, env) for c in container.get("command") or [a.entrypoint]]
    args = [relocate(expand(str(x), env)) for x in container.get("args") or []]
    argv = command + args

    probe = container.get("readinessProbe", {}).get("httpGet")
    probe_out = None
    if probe:
        port = probe["port"]
        if isinstance(port, str):
            port = next((p["containerPort"] for p in container.get("ports") or [] if p.get("name") == port), None)
            port or fail(f"readinessProbe port {probe['port']!r} names no container port")
        probe_out = {"scheme": probe.get("scheme", "HTTP").lower(), "port": port, "path": probe.get("path", "/")}

    with open(a.out + ".argv", "wb") as f:
        f.write(b"\0".join(x.encode() for x in argv) + b"\0")
    with open(a.out + ".env", "wb") as f:
        f.write(b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items()))
    with open(a.out + ".probe.json", "w") as f:
        json.dump(probe_out, f)


if __name__ == "__main__":
    main()
