"""What a stranger can make fedmetrics hold (issue #12): request bodies and buffered request data against the
real binary, driven by Python's own asyncio TLS client. Every flood is bounded in connections, bytes and
time, and addresses 127.0.0.1 only.

Cost: about 10 s of the integration stage (400 TLS connections, ~100 MB over loopback at most).
"""
import asyncio
import http.client
import json
import multiprocessing
import os
import ssl
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

DISCOVERY = "/apis/custom.metrics.k8s.io/v1beta2"
MIB = 1024 * 1024


def vm_kib(pid, field):
    """VmRSS / VmHWM (peak RSS) of a process, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


async def status_of(reader, timeout):
    """The status code of the answer on `reader` (reads the head only), or None if the connection ended first."""
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (asyncio.TimeoutError, ConnectionError, ssl.SSLError):
        return None
    parts = line.split()
    return int(parts[1]) if len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") else None


async def send_with_body(port, ctx, method, body, deadline_s, expect_continue=False):
    """One request announcing len(body) bytes; returns the answer's status (None: no answer, e.g. lost to the
    reset of a connection closed with unread bytes). Blind (default): the body is written in 64 KiB pieces
    while the answer is awaited, as Go's client does. With expect_continue, as curl does for large bodies:
    "Expect: 100-continue", and the body only if no final answer came within 1 s."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), deadline_s)
    head = (f"{method} {DISCOVERY} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n" + ("Expect: 100-continue\r\n" if expect_continue else "") +
            "\r\n").encode()
    writer.write(head)

    async def write_body():
        if expect_continue:
            await asyncio.sleep(1.0)
        view = memoryview(body)
        for i in range(0, len(view), 65536):
            writer.write(view[i:i + 65536])
            await writer.drain()

    sender = asyncio.ensure_future(write_body())
    try:
        return await status_of(reader, deadline_s)
    finally:
        sender.cancel()
        try:
            await sender
        except (asyncio.CancelledError, ConnectionError, ssl.SSLError, OSError):
            pass
        writer.transport.abort()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return harness.gen_certs(tmp_path_factory.mktemp("certs"))


def serve(certs, workdir, *args):
    return harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                            f"--client-ca-file={certs}/client-ca.crt", "--threads=2", *args], workdir)


@pytest.mark.parametrize("method,client,expected", [
    ("GET", "admin", 400), ("HEAD", "admin", 400),   # before a byte of the body, and before authentication
    ("POST", "admin", 405),                          # authenticated, answered without the body
    ("POST", None, 403),                             # anonymous: refused without the body
])
def test_a_body_is_never_read(certs, tmp_path, method, client, expected):
    """Issue #12 item 6: bodies (up to 1 MiB) were read for every method, before authentication. A client
    that waits for an early answer (Expect: 100-continue) gets it without sending its body."""
    with serve(certs, tmp_path) as adapter:
        ctx = harness.tls_context(certs, client)
        started = time.monotonic()
        status = asyncio.run(send_with_body(adapter.port, ctx, method, b"x" * MIB, 20, expect_continue=True))
        elapsed = time.monotonic() - started
        assert status == expected
        assert elapsed < 1.0, f"answered after {elapsed:.2f} s: the server waited for the body"


def test_a_flood_of_1_mib_bodies_costs_no_memory(certs, tmp_path):
    """Issue #12 item 6: 400 requests with 1 MiB bodies took the RSS from 12 to 323 MB (+200 to +313 MB measured
    here on the old code). Now no body is read: the peak RSS grows by what 400 TLS connections cost without any body (~39 MB
    measured), not by the bodies. Blind senders write their whole body; an answer may then be lost to the
    reset of the closed connection, so only answered statuses are checked."""
    with serve(certs, tmp_path) as adapter:
        # Warm up the allocator and the TLS context with ordinary requests first.
        for _ in range(5):
            assert harness.request(adapter.port, DISCOVERY, certs)[0] == 200
        hwm_before = vm_kib(adapter.proc.pid, "VmHWM")
        body = b"{" + b"x" * (MIB - 2) + b"}"
        ctx = harness.tls_context(certs, "admin")

        async def flood():
            jobs = [send_with_body(adapter.port, ctx, "GET" if i % 2 == 0 else "POST", body, 30) for i in range(400)]
            return await asyncio.gather(*jobs)

        started = time.monotonic()
        statuses = asyncio.run(flood())
        elapsed = time.monotonic() - started
        hwm_after = vm_kib(adapter.proc.pid, "VmHWM")
        gets, posts = statuses[0::2], statuses[1::2]
        growth_mb = (hwm_after - hwm_before) / 1024
        answered = sum(1 for x in statuses if x is not None)
        print(f"\n400 requests with 1 MiB bodies in {elapsed:.1f} s, {answered} answered (GET {set(gets)}, "
              f"POST {set(posts)}); peak RSS {hwm_before / 1024:.0f} -> {hwm_after / 1024:.0f} MB "
              f"(+{growth_mb:.1f} MB)")
        assert set(gets) <= {400, None} and set(posts) <= {405, None}, statuses
        assert answered >= 100, statuses
        assert growth_mb < 64, f"peak RSS grew by {growth_mb:.0f} MB"
        # Still serving.
        assert harness.request(adapter.port, DISCOVERY, certs)[0] == 200


def test_buffered_request_data_is_bounded_in_total(certs, tmp_path):
    """Issue #12 item 6: a total bound for buffered request data. With --max-buffered-request-bytes=1 MiB,
    connections that hold 60 KiB headers (never finished) fill it; further requests get 429 with
    Retry-After instead of more memory, and the server serves again once those connections are gone."""
    with serve(certs, tmp_path, "--max-buffered-request-bytes=1048576") as adapter:
        ctx = harness.tls_context(certs, "admin")
        partial = (f"GET {DISCOVERY} HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "p" * 60 * 1024).encode()

        async def scenario():
            held = []
            codes = []
            for _ in range(24):
                reader, writer = await asyncio.open_connection("127.0.0.1", adapter.port, ssl=ctx,
                                                               server_hostname="localhost")
                writer.write(partial)  # no end of header: the server keeps buffering it
                try:
                    await writer.drain()
                except ConnectionError:
                    pass
                held.append((reader, writer))
            await asyncio.sleep(0.5)
            # Connections rejected by the budget were answered 429 and closed; the others are still waiting.
            for reader, writer in held:
                try:
                    line = await asyncio.wait_for(reader.readline(), 0.2)
                except asyncio.TimeoutError:
                    line = b""  # still waiting for the rest of its header
                except (ConnectionError, ssl.SSLError):
                    line = b"reset"
                codes.append(int(line.split()[1]) if line.startswith(b"HTTP/1.1 ") else
                             "reset" if line == b"reset" else None)
            # The same request, complete, while the budget is full: refused too, with Retry-After.
            reader, writer = await asyncio.open_connection("127.0.0.1", adapter.port, ssl=ctx,
                                                           server_hostname="localhost")
            writer.write(partial + b"\r\n\r\n")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            writer.transport.abort()
            for _, w in held:
                w.transport.abort()
            return codes, head

        codes, head = asyncio.run(scenario())
        rejected = codes.count(429)
        waiting = codes.count(None)
        print(f"\n24 connections with 60 KiB unfinished headers under a 1 MiB budget: {waiting} held, "
              f"{rejected} answered 429")
        assert rejected >= 10 and waiting >= 4, codes
        assert set(codes) <= {429, None}, codes
        assert head.startswith(b"HTTP/1.1 429"), head
        assert b"retry-after: 1" in head.lower(), head
        deadline = time.monotonic() + 10
        while harness.request(adapter.port, DISCOVERY, certs)[0] != 200:
            assert time.monotonic() < deadline, "the budget was not released after the connections closed"
            time.sleep(0.1)


# --- Issue #12 item 2: a flood of reviews --------------------------------------------------------------------

LEGIT_TOKEN = "legit-token"
HANG_TOKEN = "hang-token"


def review_control_plane(work, certs):
    """A fake control plane (fake_member.py) answering TokenReviews (LEGIT_TOKEN is alice, HANG_TOKEN is never
    answered, any other token is invalid) and SubjectAccessReviews (alice allowed, everyone else denied), and a
    kubeconfig for it."""
    fixtures = work / "control-plane.json"
    alice = {"username": "alice", "groups": ["dev"]}
    tokens = {LEGIT_TOKEN: alice, HANG_TOKEN: "hang", **{f"fresh-token-{i}": alice for i in range(5)}}
    fixtures.write_text(json.dumps({"tokens": tokens,
                                    "allowed_users": ["alice"]}))
    plane = harness.FakeMember(fixtures, certs, work)
    kubeconfig = work / "control-plane.kubeconfig"
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters:
- name: plane
  cluster: {{server: "https://127.0.0.1:{plane.port}", certificate-authority: "{certs}/ca.crt"}}
users:
- name: adapter
  user: {{token: adapter-token}}
contexts:
- name: plane
  context: {{cluster: plane, user: adapter}}
current-context: plane
""")
    return plane, str(kubeconfig)


def serve_delegated(certs, work, kubeconfig, *args):
    return harness.Adapter([f"--tls-cert-file={certs}/server.crt", f"--tls-private-key-file={certs}/server.key",
                            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
                            "--authentication-skip-lookup", "--threads=2", *args], work)


async def read_answer(reader, timeout):
    """(status, head bytes, body bytes) of one answer with a Content-Length."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await asyncio.wait_for(reader.readexactly(length), timeout) if length else b""
    return int(head.split()[1]), head, body


async def flood(port, certs, mode, connections, seconds):
    """`connections` keep-alive connections sending requests back to back for `seconds`: each with a new random
    bearer token ("tokens", a TokenReview miss each), or anonymous on a new path ("paths", a SubjectAccessReview
    miss each). Returns the count of answers by status and the first 429's head and body."""
    ctx = harness.tls_context(certs, None)
    until = time.monotonic() + seconds
    counts = {}
    sample = {}

    async def one(i):
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), seconds + 10)
        except (asyncio.TimeoutError, OSError, ssl.SSLError):
            counts["connect-failed"] = counts.get("connect-failed", 0) + 1
            return
        try:
            n = 0
            while time.monotonic() < until:
                n += 1
                if mode == "tokens":
                    target, auth = DISCOVERY, f"Authorization: Bearer {os.urandom(16).hex()}\r\n"
                else:
                    target, auth = f"/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns-{i}-{n}/pods/%2A/m", ""
                writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n".encode())
                status, head, body = await read_answer(reader, until - time.monotonic() + 30)
                counts[status] = counts.get(status, 0) + 1
                if status == 429 and not sample:
                    sample.update(head=head, body=body)
                if b"connection: close" in head.lower():
                    break
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, OSError, ssl.SSLError):
            counts["no-answer"] = counts.get("no-answer", 0) + 1
        finally:
            writer.transport.abort()

    await asyncio.gather(*(one(i) for i in range(connections)))
    return counts, sample


def flood_in_child(port, certs, mode, connections, seconds, out_path):
    """Runs flood() in this (forked) process and writes its result as JSON: the measuring client must not share
    an interpreter (and its GIL) with the flood."""
    counts, sample = asyncio.run(flood(port, certs, mode, connections, seconds))
    with open(out_path, "w") as f:
        json.dump({"counts": {str(k): v for k, v in counts.items()},
                   "head": sample.get("head", b"").decode(errors="replace"),
                   "body": sample.get("body", b"").decode(errors="replace")}, f)


def start_flood(port, certs, mode, connections, seconds, out_path):
    proc = multiprocessing.get_context("fork").Process(
        target=flood_in_child, args=(port, certs, mode, connections, seconds, str(out_path)))
    proc.start()
    return proc


def timed_get(conn, path, token):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    resp.read()
    return resp.status, time.perf_counter() - started


@pytest.mark.parametrize("mode", ["tokens", "paths"])
def test_a_review_flood_is_refused_with_429_and_cached_decisions_answer_at_once(certs, tmp_path, mode):
    """Issue #12 item 2: every TokenReview/SubjectAccessReview queued behind the control-plane client's rate
    limit without bound; 1,000 connections of random tokens made a legitimate request wait 12 s. Now a review
    that cannot start within 1 s is not queued (429 with Retry-After, a kube Status), at most
    --max-requests-inflight requests are handled at once, and a request whose decision is cached answers in
    < 50 ms (median of 40) under the flood."""
    plane, kubeconfig = review_control_plane(tmp_path, certs)
    with plane, serve_delegated(certs, tmp_path, kubeconfig) as adapter:
        conn = http.client.HTTPSConnection("127.0.0.1", adapter.port, context=harness.tls_context(certs, None),
                                           timeout=30)
        status, _ = timed_get(conn, DISCOVERY, LEGIT_TOKEN)  # reviews once: the decisions are cached now
        assert status == 200
        out = tmp_path / "flood.json"
        flooder = start_flood(adapter.port, certs, mode, 1000, 8, out)
        try:
            time.sleep(3)  # the connections are open and the limiter is saturated
            latencies = []
            for _ in range(40):
                status, elapsed = timed_get(conn, DISCOVERY, LEGIT_TOKEN)
                assert status == 200
                latencies.append(elapsed)
                time.sleep(0.05)
            # A valid token not reviewed yet waits for a review slot at most 1 s: then 200, else 429 at once.
            fresh = [timed_get(conn, DISCOVERY, f"fresh-token-{i}") for i in range(5)]
        finally:
            flooder.join(timeout=60)
            if flooder.is_alive():
                flooder.kill()
        conn.close()
        result = json.loads(out.read_text())
        counts = result["counts"]
        reviews = sum(1 for r in plane.requests() if r["method"] == "POST")
        latencies.sort()
        p50, p90, worst = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.9)], latencies[-1]
        print(f"\nflood ({mode}, 1000 connections, 8 s): answers {counts}, {reviews} reviews sent; cached legitimate "
              f"request p50 {p50 * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, max {worst * 1000:.1f} ms; new valid tokens "
              + ", ".join(f"{code} in {t * 1000:.0f} ms" for code, t in fresh))
        refused = counts.get("429", 0)
        assert refused > 0, counts
        expected = {"429", "401"} if mode == "tokens" else {"429", "403", "500"}
        # "500" (paths only): a SubjectAccessReview that failed. The Python control plane cannot complete the
        # TLS handshakes of a burst of 100 new connections within the client's deadline on 2 busy cores (a
        # failed TokenReview is a 401 and looks like the others). Seen with the old code too.
        assert set(counts) <= expected, counts
        head = result["head"].lower()
        assert head.startswith("http/1.1 429") and "\r\nretry-after: 1\r\n" in head, head
        doc = json.loads(result["body"])
        assert doc["kind"] == "Status" and doc["code"] == 429 and doc["reason"] == "TooManyRequests", doc
        assert doc["details"]["retryAfterSeconds"] == 1, doc
        # Reviews sent are bounded by the client's rate limit (50 qps, burst 100) over the flood.
        assert reviews <= 100 + 50 * 12, reviews
        # The median: on a 2-core CI machine that also runs the flood, the control plane and builds, single
        # answers can wait for a core (p90 and max are printed, and recorded in docs/security.md).
        assert p50 < 0.050, latencies
        assert all(code in (200, 429) and t < 1.5 for code, t in fresh), fresh


def test_max_requests_inflight_refuses_requests_beyond_it_but_never_probes(certs, tmp_path):
    """Issue #12 item 2: --max-requests-inflight (kube's name; default 400). Three requests whose TokenReview
    the control plane never answers hold the three slots; the next request is a 429 Status with Retry-After
    at once, before authentication (no review sent for it); /healthz, /livez, /readyz and /metrics are not
    counted."""
    plane, kubeconfig = review_control_plane(tmp_path, certs)
    with plane, serve_delegated(certs, tmp_path, kubeconfig, "--max-requests-inflight=3",
                                "--shutdown-grace-period=1s") as adapter:
        ctx = harness.tls_context(certs, None)
        held = []
        for _ in range(3):
            sock = ctx.wrap_socket(harness.free_tls_connection(adapter.port), server_hostname="localhost")
            sock.sendall(f"GET {DISCOVERY} HTTP/1.1\r\nHost: localhost\r\n"
                         f"Authorization: Bearer {HANG_TOKEN}\r\n\r\n".encode())
            held.append(sock)
        deadline = time.monotonic() + 10
        while sum(1 for r in plane.requests() if r["method"] == "POST") < 3:
            assert time.monotonic() < deadline, plane.requests()
            time.sleep(0.05)
        try:
            started = time.monotonic()
            status, headers, body = harness.request(adapter.port, DISCOVERY, certs, client=None,
                                                    headers={"Authorization": f"Bearer {LEGIT_TOKEN}"})
            elapsed = time.monotonic() - started
            doc = harness.assert_status_body(status, headers, body, 429)
            assert doc["reason"] == "TooManyRequests" and doc["details"]["retryAfterSeconds"] == 1, doc
            assert dict((k.lower(), v) for k, v in headers)["retry-after"] == "1"
            assert elapsed < 1.0, elapsed
            assert sum(1 for r in plane.requests() if r["method"] == "POST") == 3  # refused before its review
            for probe in ("/healthz", "/livez", "/readyz"):
                assert harness.request(adapter.port, probe, certs, client=None)[0] == 200, probe
            # /metrics is not counted either; anonymous is then forbidden by the SubjectAccessReview.
            assert harness.request(adapter.port, "/metrics", certs, client=None)[0] == 403
            print(f"\n--max-requests-inflight=3 with 3 held: 429 in {elapsed * 1000:.0f} ms; probes 200")
        finally:
            for sock in held:
                sock.close()


def test_sigterm_during_a_review_flood_exits_within_the_grace_period(certs, tmp_path):
    """Issue #12 item 2: SIGTERM with a 2 s grace took 15 s while reviews were queued. Now reviews do not
    queue, and after the grace period the requests still being handled are cancelled: here, under a flood of
    random tokens, one whose TokenReview the control plane never answers."""
    plane, kubeconfig = review_control_plane(tmp_path, certs)
    with plane, serve_delegated(certs, tmp_path, kubeconfig, "--shutdown-grace-period=2s") as adapter:
        hanging = harness.tls_context(certs, None).wrap_socket(harness.free_tls_connection(adapter.port),
                                                               server_hostname="localhost")
        hanging.sendall(f"GET {DISCOVERY} HTTP/1.1\r\nHost: localhost\r\n"
                        f"Authorization: Bearer {HANG_TOKEN}\r\n\r\n".encode())
        deadline = time.monotonic() + 10
        while not any(r["method"] == "POST" for r in plane.requests()):
            assert time.monotonic() < deadline, "the TokenReview was not sent"
            time.sleep(0.05)
        out = tmp_path / "flood.json"
        flooder = start_flood(adapter.port, certs, "tokens", 1000, 8, out)
        try:
            time.sleep(3)
            started = time.monotonic()
            adapter.terminate()
            try:
                adapter.wait(timeout=40)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
        finally:
            hanging.close()
            flooder.join(timeout=60)
            if flooder.is_alive():
                flooder.kill()
        print(f"\nSIGTERM with --shutdown-grace-period=2s during a flood and a hanging TokenReview: exit after "
              f"{elapsed:.2f} s, code {adapter.proc.returncode}")
        assert adapter.proc.returncode == 0, adapter.log()[-3000:]
        assert elapsed < 2.6, f"exit after {elapsed:.2f} s"
