"""An in-process HTTPS test member for the FederatedHPA loop: the slice of a member kube-apiserver the loop
reads for one Deployment (its scale subresource, its pods, and the custom metrics API that a
prometheus-adapter would serve through the member apiserver). Pods follow `replicas` (all Running and
Ready); every pod reports http_requests = load / replicas (the load is shared evenly, like a Service).
The test sets replicas (as Karmada's scheduler would after a template change) and load. It also serves
external metrics (external.metrics.k8s.io, as a prometheus-adapter would): `external` maps a metric name to
this member's value in milli, and `fail_external` makes those reads answer 503 (a member whose metrics API
is down). Loopback only."""
import datetime
import http.server
import json
import ssl
import threading
import urllib.parse

NAMESPACE = "default"
APP = "sample-app"


def _quantity(milli):
    return f"{milli}m" if milli % 1000 else str(milli // 1000)


class WorkloadMember:
    def __init__(self, name, certs):
        self.name = name
        self.lock = threading.Lock()
        self.replicas = 1
        self.load_milli = 0  # requests per second over all pods of this member, in milli
        self.started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        self.calls = {"scale": 0, "pods": 0, "metrics": 0, "external": 0}
        self.external = {}  # metric name -> value in milli
        self.fail_external = False
        member = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                code, body = member.route(self.path)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(f"{certs}/server.crt", f"{certs}/server.key")
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set(self, replicas=None, load_milli=None, external=None, fail_external=None):
        with self.lock:
            if replicas is not None:
                self.replicas = replicas
            if load_milli is not None:
                self.load_milli = load_milli
            if external is not None:
                self.external.update(external)
            if fail_external is not None:
                self.fail_external = fail_external

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def pod_names(self):
        return [f"{APP}-{self.name}-{i}" for i in range(self.replicas)]

    def route(self, raw):
        url = urllib.parse.urlsplit(raw)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        start = self.started.strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.lock:
            if path == f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{APP}/scale":
                self.calls["scale"] += 1
                return 200, {"kind": "Scale", "apiVersion": "autoscaling/v1",
                             "metadata": {"name": APP, "namespace": NAMESPACE, "resourceVersion": "1"},
                             "spec": {"replicas": self.replicas},
                             "status": {"replicas": self.replicas, "selector": f"app={APP}"}}
            if path == f"/api/v1/namespaces/{NAMESPACE}/pods":
                self.calls["pods"] += 1
                if query.get("labelSelector", [""])[0] != f"app={APP}":
                    return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}
                items = [{"metadata": {"name": n, "namespace": NAMESPACE, "labels": {"app": APP}},
                          "spec": {"containers": [{"name": "app"}]},
                          "status": {"phase": "Running", "startTime": start,
                                     "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": start}]}}
                         for n in self.pod_names()]
                return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}
            if path == "/apis/custom.metrics.k8s.io":
                return 200, {"kind": "APIGroup", "apiVersion": "v1", "name": "custom.metrics.k8s.io",
                             "versions": [{"groupVersion": "custom.metrics.k8s.io/v1beta2", "version": "v1beta2"}],
                             "preferredVersion": {"groupVersion": "custom.metrics.k8s.io/v1beta2", "version": "v1beta2"}}
            if path == "/apis/custom.metrics.k8s.io/v1beta2":
                return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "custom.metrics.k8s.io/v1beta2",
                             "resources": [{"name": "pods/http_requests", "singularName": "", "namespaced": True,
                                            "kind": "MetricValueList", "verbs": ["get"]}]}
            if path == f"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{NAMESPACE}/pods/*/http_requests" or \
                    path == f"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{NAMESPACE}/pods/%2A/http_requests":
                self.calls["metrics"] += 1
                per_pod = self.load_milli // max(self.replicas, 1)
                items = [{"describedObject": {"kind": "Pod", "namespace": NAMESPACE, "name": n, "apiVersion": "/v1"},
                          "metric": {"name": "http_requests", "selector": None}, "timestamp": now,
                          "windowSeconds": 60, "value": _quantity(per_pod)} for n in self.pod_names()]
                return 200, {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2",
                             "metadata": {}, "items": items}
            if path == "/apis/external.metrics.k8s.io/v1beta1":
                return 200, {"kind": "APIResourceList", "apiVersion": "v1",
                             "groupVersion": "external.metrics.k8s.io/v1beta1",
                             "resources": [{"name": m, "singularName": "", "namespaced": True,
                                            "kind": "ExternalMetricValueList", "verbs": ["get"]}
                                           for m in sorted(self.external)]}
            prefix = f"/apis/external.metrics.k8s.io/v1beta1/namespaces/{NAMESPACE}/"
            if path.startswith(prefix) and path[len(prefix):] in self.external:
                self.calls["external"] += 1
                if self.fail_external:
                    return 503, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "ServiceUnavailable",
                                 "code": 503, "message": "the external metrics adapter is unavailable"}
                name = path[len(prefix):]
                return 200, {"kind": "ExternalMetricValueList", "apiVersion": "external.metrics.k8s.io/v1beta1",
                             "metadata": {}, "items": [{"metricName": name, "metricLabels": {}, "timestamp": now,
                                                        "value": _quantity(self.external[name])}]}
        return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                     "message": f"{path} not found"}
