"""Shared helpers for integration tests: start the real fedmetrics-adapter on 127.0.0.1:0, talk to it
with independent clients (real kubectl, curl, openssl, Python's ssl), and stop it by PID.

Loopback only: every address used here is 127.0.0.1.
"""
import glob
import http.client
import json
import os
import select
import signal
import socket
import ssl
import subprocess
import threading
import time

SOURCE_DIR = os.environ.get("FEDMETRICS_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
ADAPTER = os.environ.get("FEDMETRICS_ADAPTER") or os.path.join(SOURCE_DIR, "build", "server", "fedmetrics-adapter")
KUBECTLS = sorted(glob.glob("/usr/lib/google-cloud-sdk/bin/kubectl.1.*"),
                  key=lambda p: int(p.rsplit(".", 1)[1]))
FAKE_MEMBER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_member.py")
# Debian's python3 starts the imposter faster than a pyenv shim.
FAKE_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


def read_line(stream, timeout):
    """One line from a child's stdout pipe, waiting at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select([stream], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace").strip()


class FakeMember:
    """One fake_member.py process (tests/integration/fake_member.py) serving the fixtures file `fixture_path`
    with the test certificate <certs>/server.crt; `flags` inject faults (--hang, --token T, --port N, ...)."""

    def __init__(self, fixture_path, certs, workdir, *flags):
        self.certs = certs
        self.flags = flags
        self.tls = "--tls-garbage" not in flags
        self.stderr_path = os.path.join(str(workdir), "fake-%s-%d.stderr" % (os.path.basename(fixture_path), id(self)))
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [FAKE_PYTHON, FAKE_MEMBER, "--fixtures", str(fixture_path), "--cert", f"{certs}/server.crt",
             "--key", f"{certs}/server.key", *flags],
            stdout=subprocess.PIPE, stderr=self.stderr)
        line = read_line(self.proc.stdout, timeout=15)
        if not line.startswith("listening on 127.0.0.1:"):
            self.stop()
            raise RuntimeError("fake member did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])
        self.endpoint = f"https://127.0.0.1:{self.port}"

    def requests(self):
        """The member's request log (GET /_fake/requests), in arrival order."""
        assert self.tls, "the request log of a --tls-garbage member is not reachable"
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.crt"))
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=10)
        try:
            conn.request("GET", "/_fake/requests")
            resp = conn.getresponse()
            assert resp.status == 200
            return json.loads(resp.read())
        finally:
            conn.close()

    def reset(self):
        """Clears the member's request log (POST /_fake/reset)."""
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.crt"))
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=10)
        try:
            conn.request("POST", "/_fake/reset")
            assert conn.getresponse().status == 200
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def gen_certs(directory):
    subprocess.run([os.path.join(SOURCE_DIR, "scripts", "gen-test-certs.sh"), str(directory)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(directory)


class Adapter:
    """A running fedmetrics-adapter. Use as a context manager; stops the process on exit. The plain-HTTP
    metrics listener binds 127.0.0.1 on a free port (never the reference's default :8080) unless `args` set
    --metrics-bind-address; its port is `metrics_port` (None when off)."""

    def __init__(self, args, workdir, env=None):
        self.workdir = str(workdir)
        self.stderr_path = os.path.join(self.workdir, "adapter.stderr")
        self.stderr = open(self.stderr_path, "wb")
        if not any(a.startswith("--metrics-bind-address") for a in args):
            args = ["--metrics-bind-address=127.0.0.1:0", *args]
        self.proc = subprocess.Popen([ADAPTER, "--bind-address=127.0.0.1", "--secure-port=0", *args],
                                     stdout=subprocess.PIPE, stderr=self.stderr, cwd=self.workdir,
                                     env=env)
        self.port = self.metrics_port = None
        line = read_line(self.proc.stdout, timeout=15)
        if not line.startswith("fedmetrics-adapter serving on https://127.0.0.1:"):
            self.stop()
            raise RuntimeError("adapter did not start: %r\n%s" % (line, self.log()))
        self.port = int(line.rsplit(":", 1)[1])
        if "--metrics-bind-address=0" not in args:
            line = read_line(self.proc.stdout, timeout=5)
            if line.startswith("fedmetrics-adapter metrics on http://"):
                self.metrics_port = int(line.rsplit(":", 1)[1].split("/")[0])
        # Keep reading stdout (audit lines with --audit-log-path=-), so the pipe never fills up.
        self.stdout_lines = []
        threading.Thread(target=self._drain_stdout, daemon=True).start()

    def _drain_stdout(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.stdout_lines.append(line.decode(errors="replace"))

    def log(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def members_config(path, members, certs, token="t"):
    """Writes a --members-config file: members is [(name, port)], all verified with <certs>/ca.crt."""
    lines = ["members:"]
    for name, port in members:
        lines += [f"- name: {name}", f"  endpoint: https://127.0.0.1:{port}", f"  caFile: {certs}/ca.crt",
                  f"  token: {token}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return str(path)


def tls_context(certs, client="admin"):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
    if client:
        ctx.load_cert_chain(os.path.join(certs, client + ".crt"), os.path.join(certs, client + ".key"))
    return ctx


def request(port, path, certs, method="GET", headers=None, client="admin", timeout=10):
    """One HTTPS request from Python's own client; returns (status, headers, body bytes)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=tls_context(certs, client), timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def assert_status_body(status, headers, body, code):
    """The body of every error must be a metav1.Status with the same code."""
    assert status == code, body
    content_type = dict((k.lower(), v) for k, v in headers)["content-type"]
    assert content_type.startswith("application/json"), content_type
    doc = json.loads(body)
    assert doc["kind"] == "Status" and doc["apiVersion"] == "v1" and doc["status"] == "Failure", doc
    assert doc["code"] == code, doc
    return doc


def write_kubeconfig(path, port, certs, user="admin"):
    with open(path, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- name: fedmetrics
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: {certs}/ca.crt
users:
- name: {user}
  user:
    client-certificate: {certs}/{user}.crt
    client-key: {certs}/{user}.key
contexts:
- name: fedmetrics
  context: {{cluster: fedmetrics, user: {user}}}
current-context: fedmetrics
""")
    return str(path)


def kubectl(binary, kubeconfig, cache_dir, *args, timeout=60):
    return subprocess.run([binary, "--kubeconfig", kubeconfig, "--cache-dir", str(cache_dir), *args],
                          capture_output=True, text=True, timeout=timeout)


def free_tls_connection(port):
    """A raw TCP connection to the server (for garbage and slowloris tests)."""
    return socket.create_connection(("127.0.0.1", port), timeout=10)
