#!/usr/bin/env python3
"""Sample workload of one member cluster (stdlib only, loopback only).

Plays the part of the seed's sample-app Service + pods:
  * every second it lists the member's pods (REST on the member apiserver,
    labelSelector app=<app>) and keeps those with status.phase == Running;
  * GET /        counts one request for the next Running pod (round-robin, like a Service);
  * GET /metrics serves http_requests_total{namespace="<ns>",pod="<name>"} for every
    Running pod (Prometheus text format; scraped with honor_labels so the series carry
    namespace/pod exactly as kube-prometheus' ServiceMonitor relabelling would);
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
    def __init__(self):
        self.lock = threading.Lock()
        self.pods = []            # Running pod names, sorted
        self.counts = {}          # pod -> requests served (kept after a pod goes away)
        self.rr = 0
        self.last_ok = 0.0
        self.last_error = ""

    def set_pods(self, pods):
        with self.lock:
            self.pods = sorted(pods)
            for p in self.pods:
                self.counts.setdefault(p, 0)
            self.last_ok = time.time()

    def hit(self):
        with self.lock:
            if not self.pods:
                return None
            p = self.pods[self.rr % len(self.pods)]
            self.rr += 1
            self.counts[p] += 1
            return p

    def exposition(self, ns):
        with self.lock:
            lines = ["# HELP http_requests_total Requests served by the pod.",
                     "# TYPE http_requests_total counter"]
            for p in self.pods:
                lines.append('http_requests_total{namespace="%s",pod="%s"} %d' % (ns, p, self.counts[p]))
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
            state.set_pods([i["metadata"]["name"] for i in items
                            if i.get("status", {}).get("phase") == "Running"
                            and not i["metadata"].get("deletionTimestamp")])
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
    args = ap.parse_args()
    if not args.apiserver.startswith("https://127.0.0.1:"):
        sys.exit("sample_app: --apiserver must be https://127.0.0.1:<port> (loopback only)")
    state = State()
    threading.Thread(target=poll_pods, args=(args, state), daemon=True).start()
    srv = Server(("127.0.0.1", args.port), make_handler(args, state))
    srv.serve_forever()


if __name__ == "__main__":
    main()
