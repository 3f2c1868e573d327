#!/usr/bin/env python3
"""Registers (or removes) the member simulator's virtual members as Karmada Cluster objects.

usage: karmada_clusters.py register|delete --server https://127.0.0.1:PORT --cacert CA --cert CRT --key KEY
                          [--sim-ready FILE]   (the simulator's JSON line: ports, ca_file, token_file)

register: per member i a Secret karmada-cluster/sim-i (token, caBundle) and a Cluster sim-i
(apiEndpoint https://127.0.0.1:<port i>, syncMode Push), then marks the Cluster Ready through its status
subresource: no karmada-controller-manager runs in the benchmark, and karmada-metrics-adapter only serves
Ready clusters (karmada-reference.md §1.3). delete: removes every Cluster named sim-* and its Secret.
One keep-alive HTTPS connection to the Karmada apiserver; loopback only.
"""
import argparse
import base64
import datetime
import http.client
import json
import ssl
import sys
import urllib.parse


class Api:
    def __init__(self, server, cacert, cert, key):
        u = urllib.parse.urlsplit(server)
        if u.hostname not in ("127.0.0.1", "::1", "localhost"):
            sys.exit("karmada_clusters: loopback servers only, got %s" % u.hostname)
        ctx = ssl.create_default_context(cafile=cacert)
        ctx.load_cert_chain(cert, key)
        self.conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)

    def call(self, method, path, body=None, ctype="application/json", ok=(200, 201)):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = ctype
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        payload = r.read()
        if r.status not in ok:
            raise RuntimeError("%s %s: HTTP %d: %s" % (method, path, r.status, payload[:300].decode(errors="replace")))
        return json.loads(payload) if payload else None


def register(api, sim):
    ca = base64.b64encode(open(sim["ca_file"], "rb").read()).decode()
    token = open(sim["token_file"]).read().strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i, port in enumerate(sim["ports"]):
        name = "sim-%d" % i
        api.call("POST", "/api/v1/namespaces/karmada-cluster/secrets", {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "karmada-cluster"},
            "stringData": {"token": token}, "data": {"caBundle": ca}}, ok=(201, 409))
        api.call("POST", "/apis/cluster.karmada.io/v1alpha1/clusters", {
            "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
            "spec": {"syncMode": "Push", "apiEndpoint": "https://127.0.0.1:%d" % port,
                     "secretRef": {"namespace": "karmada-cluster", "name": name}}}, ok=(201, 409))
        api.call("PATCH", "/apis/cluster.karmada.io/v1alpha1/clusters/%s/status" % name, {
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ClusterReady",
                                       "message": "member simulator", "lastTransitionTime": now}]}},
            ctype="application/merge-patch+json")


def delete(api):
    clusters = api.call("GET", "/apis/cluster.karmada.io/v1alpha1/clusters")["items"]
    for c in clusters:
        name = c["metadata"]["name"]
        if not name.startswith("sim-"):
            continue
        api.call("DELETE", "/apis/cluster.karmada.io/v1alpha1/clusters/" + name, ok=(200, 202, 404))
        api.call("DELETE", "/api/v1/namespaces/karmada-cluster/secrets/" + name, ok=(200, 202, 404))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["register", "delete"])
    p.add_argument("--server", required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--sim-ready")
    a = p.parse_args()
    api = Api(a.server, a.cacert, a.cert, a.key)
    if a.action == "register":
        register(api, json.load(open(a.sim_ready)))
    else:
        delete(api)


if __name__ == "__main__":
    main()
