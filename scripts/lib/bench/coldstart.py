#!/usr/bin/env python3
"""Cold start to ready: the time from exec of an adapter to its first /readyz 200, polled every 2 ms.

usage: coldstart.py --port PORT --cacert CA --cert CRT --key KEY --runs N --log FILE -- CMD [ARGS...]
CMD must serve HTTPS on 127.0.0.1:PORT. Each run starts CMD, polls https://127.0.0.1:PORT/readyz (TLS
with the given client certificate) until it answers 200 (bounded: 30 s), records the elapsed time, then
stops CMD with SIGTERM (SIGKILL after 5 s) and waits for it to exit. Prints one JSON line:
{"runs":[s,...],"median_s":..,"min_s":..,"max_s":..}.
"""
import argparse
import http.client
import json
import ssl
import statistics
import subprocess
import sys
import time


def ready(ctx, port):
    try:
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=1)
        c.request("GET", "/readyz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--log", required=True)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    ctx = ssl.create_default_context(cafile=a.cacert)
    ctx.load_cert_chain(a.cert, a.key)
    runs = []
    with open(a.log, "ab") as log:
        for _ in range(a.runs):
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            elapsed = None
            while time.perf_counter() - t0 < 30:
                if proc.poll() is not None:
                    break
                if ready(ctx, a.port):
                    elapsed = time.perf_counter() - t0
                    break
                time.sleep(0.002)
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if elapsed is None:
                sys.exit("coldstart: %s never answered /readyz 200 (exit %s); see %s" % (cmd[0], proc.returncode, a.log))
            runs.append(round(elapsed, 4))
    print(json.dumps({"runs": runs, "median_s": round(statistics.median(runs), 4), "min_s": min(runs), "max_s": max(runs)}))


if __name__ == "__main__":
    main()
