#!/usr/bin/env python3
"""A fault-injecting HTTPS imposter of one member cluster's custom/external metrics API.

Serves recorded prometheus-adapter (or member kube-apiserver) answers from a JSON fixtures file, records
every request, and injects faults on demand. Python 3 standard library only. Binds to 127.0.0.1 only.

    fake_member.py --fixtures member-a.json [--port 0] [--cert C --key K | --cert-dir DIR]
                   [--latency-ms N] [--status 500] [--garbage] [--garbage-http] [--truncate] [--hang]
                   [--tls-garbage] [--token T] [--plain-http] [--close] [--status-body-file F]
                   [--client-ca CA]

Stdout protocol (one line each, flushed): "cert <path>" (only when the certificate was generated), then
"listening on 127.0.0.1:<port>". Everything else goes to stderr.

Fixtures file:
    {
      "versions": ["v1beta2", "v1beta1"],            # optional; drives GET /apis/custom.metrics.k8s.io
      "routes": {
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests":
            {"status": 200, "body": {...MetricValueList...}},
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests?labelSelector=app%3Dweb":
            {"status": 200, "body": {...}, "latency_ms": 50}
      }
    }
A route key may carry the raw query string; the exact "path?query" is tried first, then "path?watch" for a
watch request (query watch=1 or watch=true: a kube-apiserver stand-in), then the path alone.
Unknown paths answer 404 with a metav1.Status body. "body" may be a JSON value or a string sent verbatim.

Delegated authentication and authorization (a control-plane stand-in; faults do not apply):
    POST /apis/authentication.k8s.io/v1/tokenreviews        answered from "tokens": {"<token>": {"username": ...,
                                                           "groups": [...]} or "hang"}; other tokens: not
                                                           authenticated
    POST /apis/authorization.k8s.io/v1/subjectaccessreviews  allowed for the users in "allowed_users": [...]

Control endpoints (never faulted, never recorded):
    GET  /_fake/requests   -> [{"method","path","authorization","client_cn","time"}...] in arrival order
                              (time: seconds, monotonic clock of this process)
    POST /_fake/reset      -> clears the request log
"""
import argparse
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def status_body(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Imposter:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = []
        self.fixtures = {"routes": {}}
        if args.fixtures:
            with open(args.fixtures, encoding="utf-8") as f:
                self.fixtures = json.load(f)
        self.routes = self.fixtures.get("routes", {})
        self.versions = self.fixtures.get("versions", ["v1beta2", "v1beta1"])

    def record(self, method, path, headers, client_cn=""):
        with self.lock:
            self.requests.append({"method": method, "path": path,
                                  "authorization": headers.get("Authorization", ""), "client_cn": client_cn,
                                  "time": time.monotonic()})

    def lookup(self, raw_path):
        if raw_path in self.routes:
            return self.routes[raw_path]
        path, _, query = raw_path.partition("?")
        if {"watch=true", "watch=1"} & set(query.split("&")) and path + "?watch" in self.routes:
            return self.routes[path + "?watch"]
        if path in self.routes:
            return self.routes[path]
        if path.rstrip("/") == "/apis/custom.metrics.k8s.io":
            group = "custom.metrics.k8s.io"
            vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in self.versions]
            return {"status": 200, "body": {"kind": "APIGroup", "apiVersion": "v1", "name": group,
                                            "versions": vs, "preferredVersion": vs[0] if vs else {}}}
        return None

    def review(self, obj):
        """The answer to a TokenReview or SubjectAccessReview (a control-plane stand-in for delegated auth):
        a token listed under the fixtures' "tokens" is that user ("hang": never answered, None here), any other
        token is not authenticated; a SubjectAccessReview is allowed for the users in "allowed_users"."""
        spec = obj.get("spec", {}) if isinstance(obj, dict) else {}
        if obj.get("kind") == "TokenReview":
            user = self.fixtures.get("tokens", {}).get(spec.get("token", ""))
            if user == "hang":
                return None
            status = {"authenticated": True, "user": user} if user else {"authenticated": False}
        else:
            status = {"allowed": spec.get("user") in self.fixtures.get("allowed_users", [])}
        return dict(obj, status=status)


REVIEW_PATHS = ("/apis/authentication.k8s.io/v1/tokenreviews", "/apis/authorization.k8s.io/v1/subjectaccessreviews")


def make_handler(imp):
    args = imp.args

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a Go server

        def log_message(self, fmt, *a):  # stderr, terse
            sys.stderr.write("fake_member: " + (fmt % a) + "\n")

        def send_json(self, code, obj, extra=None):
            data = obj if isinstance(obj, (bytes, bytearray)) else (
                obj.encode() if isinstance(obj, str) else json.dumps(obj).encode())
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if args.close:
                self.send_header("Connection", "close")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            if args.close:
                self.close_connection = True

        def client_cn(self):
            """The CommonName of the verified client certificate (--client-ca), or ""."""
            getpeercert = getattr(self.connection, "getpeercert", None)
            cert = getpeercert() if getpeercert else None
            for rdn in (cert or {}).get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return value
            return ""

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.split("?")[0] in REVIEW_PATHS:
                imp.record("POST", self.path, self.headers, self.client_cn())
                answer = imp.review(json.loads(body or b"{}"))
                if answer is None:
                    time.sleep(3600)  # a review that never completes
                    return
                self.send_json(201, answer)
                return
            if self.path == "/_fake/reset":
                with imp.lock:
                    imp.requests.clear()
                self.send_json(200, {})
                return
            self.send_json(405, status_body(405, "MethodNotAllowed", "only GET"))

        def do_GET(self):
            if self.path == "/_fake/requests":
                with imp.lock:
                    snapshot = list(imp.requests)
                self.send_json(200, snapshot)
                return
            imp.record("GET", self.path, self.headers, self.client_cn())
            route = imp.lookup(self.path)
            latency = args.latency_ms + (route or {}).get("latency_ms", 0)
            if latency:
                time.sleep(latency / 1000.0)
            if args.hang:
                # Read nothing more, answer nothing; keep the socket open until the client gives up.
                time.sleep(3600)
                return
            if args.garbage_http:
                self.wfile.write(b"this is not HTTP at all\r\n\r\n")
                self.wfile.flush()
                self.close_connection = True
                return
            if args.client_ca and not self.client_cn():
                self.send_json(401, status_body(401, "Unauthorized", "no client certificate"))
                return
            if args.token and self.headers.get("Authorization", "") != "Bearer " + args.token:
                self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"))
                return
            if args.status:
                if args.status_body_file:
                    with open(args.status_body_file, "rb") as f:
                        self.send_json(args.status, f.read())
                    return
                self.send_json(args.status, status_body(args.status, "InternalError",
                                                        f"injected status {args.status}"))
                return
            if args.garbage:
                self.send_json(200, b"{this is not json")
                return
            if args.truncate:
                body = json.dumps((route or {}).get("body", {"kind": "MetricValueList"})).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) + 100))
                self.end_headers()
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
                self.close_connection = True
                return
            if route is None:
                self.send_json(404, status_body(404, "NotFound",
                                                "the server could not find the requested resource"))
                return
            self.send_json(route.get("status", 200), route.get("body", {}), route.get("headers"))

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, tls_ctx, tls_garbage):
        self.tls_ctx = tls_ctx
        self.tls_garbage = tls_garbage
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS handshake per connection in its own thread, so a stalled client never blocks accept().
        if self.tls_garbage:
            try:
                request.recv(4096)
                request.sendall(b"HTTP/1.1 200 OK but this is plain text where TLS was expected\r\n\r\n")
            except OSError:
                pass
            return
        if self.tls_ctx is not None:
            try:
                request = self.tls_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                sys.stderr.write(f"fake_member: TLS handshake failed: {e}\n")
                return
        self.RequestHandlerClass(request, client_address, self)


def generate_cert(directory):
    cert = os.path.join(directory, "fake-member.crt")
    key = os.path.join(directory, "fake-member.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=fake-member", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fixtures", help="JSON fixtures file (see module doc)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--cert-dir", help="where to generate a self-signed cert when --cert is absent")
    p.add_argument("--plain-http", action="store_true", help="serve plain HTTP (no TLS)")
    p.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
    p.add_argument("--status", type=int, default=0, help="answer every request with this status")
    p.add_argument("--status-body-file", help="with --status: send this file's bytes verbatim as the body")
    p.add_argument("--garbage", action="store_true", help="200 with a body that is not JSON")
    p.add_argument("--garbage-http", action="store_true", help="bytes that are not an HTTP response")
    p.add_argument("--truncate", action="store_true", help="Content-Length larger than the body, then close")
    p.add_argument("--hang", action="store_true", help="read the request, never answer")
    p.add_argument("--tls-garbage", action="store_true", help="answer the TLS ClientHello with plain text")
    p.add_argument("--token", help="require 'Authorization: Bearer <token>' (else 401)")
    p.add_argument("--client-ca", help="accept only client certificates signed by this CA (another one fails the "
                                       "handshake; a metrics request without one is 401)")
    p.add_argument("--close", action="store_true", help="send Connection: close on every answer")
    args = p.parse_args()

    imp = Imposter(args)
    ctx = None
    if not args.plain_http and not args.tls_garbage:
        cert, key = args.cert, args.key
        if not cert:
            directory = args.cert_dir or tempfile.mkdtemp(prefix="fake-member-")
            cert, key = generate_cert(directory)
            print(f"cert {cert}", flush=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])
        if args.client_ca:
            # Optional at the TLS level so that the control endpoints stay reachable without one; a
            # certificate that does not verify fails the handshake, and a metrics request without one is 401.
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(args.client_ca)

    server = Server(("127.0.0.1", args.port), make_handler(imp), ctx, args.tls_garbage)
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
