#!/usr/bin/env python3
"""Sample workload of one member cluster (stdlib only, loopback only).

Plays the part of the seed's sample-app Service + pods:
  * every second it lists the member's pods (REST on the member apiserver,
    labelSelector app=<app>) and keeps those with status.phase == Running;
  * GET /        counts one request for the next Running pod (round-robin, like a Service);
  * GET /metrics serves http_requests_total{namespace="<ns>",pod="<name>"} for every
    Running pod (Prometheus text format; scraped with honor_labels so the series carry
    namespace/pod exactly as kube-prometheus' ServiceMonitor relabelling would);
  * GET /metrics also plays the kubelet's /metrics/resource (what metrics-server and
    prometheus-adapter's resourceRules read): simulated usage that follows the load,
      container_cpu_usage_seconds_total{namespace,pod,container}  counter: --cpu-idle cores
          while the pod runs + --cpu-per-request seconds per request the pod served
      container_memory_working_set_bytes{namespace,pod,container} --mem-idle bytes + in-flight
      node_cpu_usage_seconds_total{node}, node_memory_working_set_bytes{node}  per node
          (spec.nodeName): the sum of its pods plus --node-cpu-idle / --node-mem-idle
    Counters never go backwards: a pod that leaves keeps its (frozen) total in its node's sum;
  * GET /pods    JSON list of the Running pods it currently knows (for tests).

usage: sample_app.py --port P --apiserver https://127.0.0.1:N --cacert ca.crt
                     --cert admin.crt --key admin.key [--namespace default] [--app sample-app]
"""
import argparse
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.pods = []            # Running pod names, sorted
        self.counts = {}          # pod -> requests served (kept after a pod goes away)
        self.info = {}            # pod -> {"container", "node", "first", "last"} (kept after it goes away)
        self.rr = 0
        self.last_ok = 0.0
        self.last_error = ""
        self.t0 = time.time()

    def set_pods(self, pods):
        """pods: {name: (container, node)} of the Running pods."""
        now = time.time()
        with self.lock:
            self.pods = sorted(pods)
            for p, (container, node) in pods.items():
                self.counts.setdefault(p, 0)
                i = self.info.setdefault(p, {"container": container, "node": node, "first": now})
                i["last"] = now
            self.last_ok = now

    def hit(self):
        with self.lock:
            if not self.pods:
                return None
            p = self.pods[self.rr % len(self.pods)]
            self.rr += 1
            self.counts[p] += 1
            return p

    def cpu_seconds(self, p, now):
        """The pod's CPU counter: idle cores while it ran, plus a fixed cost per request served."""
        i = self.info[p]
        until = now if p in self.pods else i["last"]
        return self.args.cpu_idle * max(0.0, until - i["first"]) + self.args.cpu_per_request * self.counts[p]

    def exposition(self, ns):
        a = self.args
        now = time.time()
        with self.lock:
            lines = ["# HELP http_requests_total Requests served by the pod.",
                     "# TYPE http_requests_total counter"]
            for p in self.pods:
                lines.append('http_requests_total{namespace="%s",pod="%s"} %d' % (ns, p, self.counts[p]))
            # kubelet /metrics/resource names (timestamps are the scrape's)
            cpu = ["# TYPE container_cpu_usage_seconds_total counter"]
            mem = ["# TYPE container_memory_working_set_bytes gauge"]
            node_cpu, node_mem = {}, {}
            for p, i in sorted(self.info.items()):
                c = self.cpu_seconds(p, now)
                node_cpu[i["node"]] = node_cpu.get(i["node"], 0.0) + c
                node_mem.setdefault(i["node"], 0)
                if p not in self.pods:
                    continue
                labels = 'container="%s",namespace="%s",pod="%s"' % (i["container"], ns, p)
                cpu.append("container_cpu_usage_seconds_total{%s} %.6f" % (labels, c))
                m = a.mem_idle + a.mem_per_request * self.counts[p] % (4 << 20)
                node_mem[i["node"]] += m
                mem.append("container_memory_working_set_bytes{%s} %d" % (labels, m))
            lines += cpu + mem
            lines.append("# TYPE node_cpu_usage_seconds_total counter")
            for n in sorted(node_cpu):
                lines.append('node_cpu_usage_seconds_total{node="%s"} %.6f'
                             % (n, node_cpu[n] + a.node_cpu_idle * (now - self.t0)))
            lines.append("# TYPE node_memory_working_set_bytes gauge")
            for n in sorted(node_mem):
                lines.append('node_memory_working_set_bytes{node="%s"} %d' % (n, node_mem[n] + a.node_mem_idle))
            return "\n".join(lines) + "\n"


def poll_pods(args, state):
    ctx = ssl.create_default_context(cafile=args.cacert)
    ctx.load_cert_chain(args.cert, args.key)
    q = urllib.parse.urlencode({"labelSelector": "app=" + args.app})
    url = "%s/api/v1/namespaces/%s/pods?%s" % (args.apiserver.rstrip("/"), args.namespace, q)
    while True:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
                items = json.load(r).get("items", [])
            state.set_pods({i["metadata"]["name"]: (i["spec"]["containers"][0]["name"], i["spec"].get("nodeName", ""))
                            for i in items
                            if i.get("status", {}).get("phase") == "Running"
                            and not i["metadata"].get("deletionTimestamp")})
        except Exception as e:  # keep the previous list; report on /pods
            state.last_error = repr(e)
        time.sleep(max(0.0, args.interval - (time.monotonic() - t0)))


def make_handler(args, state):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, code, body, ctype="text/plain; charset=utf-8"):
            b = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, state.exposition(args.namespace), "text/plain; version=0.0.4")
            elif path == "/pods":
                with state.lock:
                    body = json.dumps({"pods": state.pods, "counts": state.counts,
                                       "last_ok": state.last_ok, "last_error": state.last_error})
                self._send(200, body, "application/json")
            elif path == "/healthz":
                self._send(200, "ok\n")
            else:
                p = state.hit()
                if p is None:
                    self._send(503, "no Running pods\n")
                else:
                    self._send(200, "served by %s\n" % p)

        def log_message(self, *a):
            pass

    return H


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--apiserver", required=True)
    ap.add_argument("--cacert", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--namespace", default="default")
    ap.add_argument("--app", default="sample-app")
    ap.add_argument("--interval", type=float, default=1.0)
    # simulated resource usage (kubelet /metrics/resource); with the local-up pods' 100m CPU request,
    # 50 req/s on one pod is 200m = 200 % of its request, an idle pod 2 %
    ap.add_argument("--cpu-per-request", type=float, default=0.004, help="CPU seconds per request served")
    ap.add_argument("--cpu-idle", type=float, default=0.002, help="cores a Running pod uses without load")
    ap.add_argument("--mem-idle", type=int, default=24 << 20, help="working set of an idle pod, bytes")
    ap.add_argument("--mem-per-request", type=int, default=1024, help="bytes added per request (wraps at 4 MiB)")
    ap.add_argument("--node-cpu-idle", type=float, default=0.05, help="cores the node uses besides its pods")
    ap.add_argument("--node-mem-idle", type=int, default=512 << 20, help="node working set besides its pods")
    args = ap.parse_args()
    if not args.apiserver.startswith("https://127.0.0.1:"):
        sys.exit("sample_app: --apiserver must be https://127.0.0.1:<port> (loopback only)")
    state = State(args)
    threading.Thread(target=poll_pods, args=(args, state), daemon=True).start()
    srv = Server(("127.0.0.1", args.port), make_handler(args, state))
    srv.serve_forever()


if __name__ == "__main__":
    main()
