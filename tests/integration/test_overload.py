"""What a stranger can make fedmetrics hold (issue #12): request bodies and buffered request data against the
real binary, driven by Python's own asyncio TLS client. Every flood is bounded in connections, bytes and
time, and addresses 127.0.0.1 only.

Cost: about 10 s of the integration stage (400 TLS connections, ~100 MB over loopback at most).
"""
import asyncio
import os
import ssl
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
