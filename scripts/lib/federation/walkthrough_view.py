#!/usr/bin/env python3
"""Live view + bounded load for scripts/walkthrough (stdlib only, loopback only).

Runs `hey` (bounded: -z LOAD_S, and killed after LOAD_S+30 s) against member1's sample-app
(http://127.0.0.1:PORT/ only), and every INTERVAL seconds prints
  * the pods of both members like `karmadactl get pods` (NAME CLUSTER READY STATUS AGE),
  * the FederatedHPA's current/desired replicas, its metric value and the template's replicas,
until the FHPA is back at 1 replica with exactly 1 Running pod in the federation after the load
stopped, or TIMEOUT seconds after the load started. Writes a JSON summary (--summary).
--metric cpu: the FHPA's metric is Resource cpu (average utilization, %); with --kubectl/--kubeconfig/
--top-prefix it also runs `kubectl top pods -A` and `kubectl top nodes` against that kubeconfig (the
Karmada apiserver) 3 s after the poll that first sees both members run >1 pod, into PREFIX-pods.txt /
PREFIX-nodes.txt.
Exit 0 when both members went above 1 Running pod and the federation came back to 1, else 1.
"""
import argparse
import datetime
import json
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.request


def ctx_for(pki):
    c = ssl.create_default_context(cafile=pki + "/ca.crt")
    c.load_cert_chain(pki + "/admin.crt", pki + "/admin.key")
    return c


def get(ctx, base, path):
    with urllib.request.urlopen(base + path, context=ctx, timeout=5) as r:
        return json.load(r)


def parse_ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def age(s, now):
    d = int(now - parse_ts(s))
    return "%ds" % d if d < 120 else "%dm%ds" % (d // 60, d % 60)


def pod_rows(ctx, cluster, base, now):
    items = get(ctx, base, "/api/v1/namespaces/default/pods?labelSelector=app%3Dsample-app")["items"]
    rows = []
    for p in items:
        cs = p.get("status", {}).get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        total = len(p["spec"]["containers"])
        status = "Terminating" if p["metadata"].get("deletionTimestamp") else p.get("status", {}).get("phase", "?")
        rows.append((p["metadata"]["name"], cluster, "%d/%d" % (ready, total), status,
                     age(p["metadata"]["creationTimestamp"], now), ready == total and status == "Running"))
    return rows


def metric_value(st, metric):
    for m in st.get("currentMetrics") or []:
        if metric == "cpu" and m.get("type") == "Resource" and m["resource"].get("name") == "cpu":
            u = m["resource"]["current"].get("averageUtilization")
            return None if u is None else str(u)
        if metric != "cpu" and m.get("type") == "Pods":
            return m["pods"]["current"].get("averageValue")
    return None


def kubectl_top(a, what):
    """kubectl top <what> against --kubeconfig (bounded); returns (rc, output)."""
    args = [a.kubectl, "--kubeconfig", a.kubeconfig, "--request-timeout=10s", "top"] + what
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return -1, "timeout"


def qty(s):
    if s is None:
        return None
    s = str(s)
    mult = {"m": 1e-3, "k": 1e3, "M": 1e6}
    return float(s[:-1]) * mult[s[-1]] if s[-1] in mult else float(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pki", required=True)
    ap.add_argument("--karmada", required=True)
    ap.add_argument("--member", action="append", required=True, help="NAME=https://127.0.0.1:PORT")
    ap.add_argument("--load-url", required=True)
    ap.add_argument("--load-s", type=int, default=60)
    ap.add_argument("--concurrency", type=int, default=10)
    ap.add_argument("--qps", type=float, default=5, help="per hey worker (-q)")
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--timeout", type=int, default=300, help="bound, from the load start")
    ap.add_argument("--fhpa", default="sample-app")
    ap.add_argument("--metric", default="http_requests", choices=["http_requests", "cpu"])
    ap.add_argument("--kubectl")
    ap.add_argument("--kubeconfig")
    ap.add_argument("--top-prefix", help="with --metric cpu: kubectl top outputs into PREFIX-{pods,nodes}.txt")
    ap.add_argument("--summary", required=True)
    a = ap.parse_args()
    if not a.load_url.startswith("http://127.0.0.1:"):
        sys.exit("walkthrough_view: --load-url must be http://127.0.0.1:<port>/ (loopback only)")
    for m in a.member:
        if not m.split("=", 1)[1].startswith("https://127.0.0.1:"):
            sys.exit("walkthrough_view: member URLs must be https://127.0.0.1:<port>")
    members = [m.split("=", 1) for m in a.member]
    ctx = ctx_for(a.pki)
    hey = shutil.which("hey") or sys.exit("walkthrough_view: hey not found")

    hey_cmd = [hey, "-z", "%ds" % a.load_s, "-c", str(a.concurrency), "-q", str(a.qps), a.load_url]
    print("load: " + " ".join(hey_cmd), flush=True)
    t0 = time.time()
    heyp = subprocess.Popen(hey_cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    load_end = None
    hey_out = ""
    hey_done = []   # exact end time of hey (the view polls only every --interval)

    def reap():
        out = heyp.communicate()[0]
        hey_done.append((time.time(), out))
    reaper = threading.Thread(target=reap, daemon=True)
    reaper.start()
    s = {"load_cmd": " ".join(hey_cmd), "samples": []}
    t_fhpa_up = t_both = t_back = t_fhpa_back = None
    start_template = None
    max_per = {m[0]: 0 for m in members}
    max_fhpa = 0
    max_metric = 0.0
    ok = False
    target = "50%" if a.metric == "cpu" else "700m"
    top = None
    while True:
        now = time.time()
        el = now - t0
        if load_end is None and el > a.load_s + 30:       # hard bound on the load
            heyp.kill()
            reaper.join(10)
        if load_end is None and hey_done:
            load_end, hey_out = hey_done[0]
        rows = []
        err = None
        try:
            for name, base in members:
                rows += pod_rows(ctx, name, base, now)
            fh = get(ctx, a.karmada, "/apis/autoscaling.karmada.io/v1alpha1/namespaces/default/federatedhpas/" + a.fhpa)
            dep = get(ctx, a.karmada, "/apis/apps/v1/namespaces/default/deployments/sample-app")
        except Exception as e:  # print and keep polling (bounded by --timeout)
            err = str(e)
        phase = "load" if load_end is None else "after load"
        print("\n--- t=%5.1fs (%s) %s" % (el, phase, time.strftime("%H:%M:%S")), flush=True)
        if err:
            print("  poll error: " + err, flush=True)
        else:
            st = fh.get("status", {})
            cur, des = st.get("currentReplicas"), st.get("desiredReplicas")
            mv = metric_value(st, a.metric)
            running = {n: sum(1 for r in rows if r[1] == n and r[5]) for n, _ in members}
            print("%-34s %-8s %-6s %-12s %s" % ("NAME", "CLUSTER", "READY", "STATUS", "AGE"))
            for r in sorted(rows, key=lambda r: (r[1], r[0])):
                print("%-34s %-8s %-6s %-12s %s" % r[:5])
            conds = ",".join("%s=%s/%s" % (c["type"], c["status"], c.get("reason", ""))
                             for c in st.get("conditions") or [])
            print("FHPA %s: current=%s desired=%s metric %s=%s (target %s)  template=%s  running=%s"
                  % (a.fhpa, cur, des, a.metric, mv, target, dep["spec"].get("replicas"),
                     " ".join("%s:%d" % kv for kv in running.items())), flush=True)
            print("  conditions: " + conds, flush=True)
            s["samples"].append({"t": round(el, 1), "load": load_end is None, "current": cur, "desired": des,
                                 "metric": mv, "template": dep["spec"].get("replicas"), "running": running})
            for n in running:
                max_per[n] = max(max_per[n], running[n])
            max_fhpa = max(max_fhpa, cur or 0, des or 0)
            if mv is not None:
                max_metric = max(max_metric, qty(mv))
            if start_template is None:
                start_template = dep["spec"].get("replicas") or 0
            if t_fhpa_up is None and (dep["spec"].get("replicas") or 0) > max(1, start_template):
                t_fhpa_up = el
            if t_both is None and all(v > 1 for v in running.values()):
                t_both = el
                if a.top_prefix and a.kubectl and a.kubeconfig:
                    time.sleep(3)  # the new pods' first samples (1 s scrapes, irate needs two)
                    top = {"t": round(time.time() - t0, 1),
                           "pods_by_cluster": {n: sorted(r[0] for r in rows if r[1] == n) for n, _ in members}}
                    for what, args in (("pods", ["pods", "-A"]), ("nodes", ["nodes"])):
                        rc, out = kubectl_top(a, args)
                        top[what] = {"rc": rc, "output": out}
                        with open("%s-%s.txt" % (a.top_prefix, what), "w") as f:
                            f.write(out)
                        print("$ kubectl top %s   (Karmada apiserver, rc=%d)\n%s" % (" ".join(args), rc, out.rstrip()),
                              flush=True)
            if load_end is not None and t_both is not None:
                # the template (what the FHPA writes) back at 1 and exactly 1 pod left in the federation
                if t_back is None and dep["spec"].get("replicas") == 1 and sum(running.values()) == 1 \
                        and len(rows) == 1:
                    t_back = el
                # the FHPA's status reports currentReplicas=1 only at its next sync after the rescale
                if t_fhpa_back is None and t_back is not None and cur == 1:
                    t_fhpa_back = el
                if t_back is not None and t_fhpa_back is not None:
                    ok = True
                    break
        if el > a.timeout:
            print("walkthrough_view: timeout (%ds) reached" % a.timeout, flush=True)
            break
        time.sleep(max(0.0, a.interval - (time.time() - now)))
    if load_end is None:
        heyp.kill()
        reaper.join(10)
        load_end, hey_out = hey_done[0] if hey_done else (time.time(), "")
    # Karmada's own record: the controller's SuccessfulRescale events (1 s resolution; identical
    # messages are aggregated into one Event, so use firstTimestamp for scale-ups, lastTimestamp for
    # the final scale-down)
    rescales = []
    try:
        ev = get(ctx, a.karmada, "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DFederatedHPA"
                 "%2CinvolvedObject.name%3D" + a.fhpa)["items"]
        for e in ev:
            if e.get("reason") == "SuccessfulRescale":
                rescales.append({"message": e["message"], "component": e.get("source", {}).get("component"),
                                 "first_s": round(parse_ts(e["firstTimestamp"]) - t0, 1),
                                 "last_s": round(parse_ts(e["lastTimestamp"]) - t0, 1), "count": e.get("count")})
    except Exception as e:
        print("walkthrough_view: events: %s" % e, flush=True)
    ups = [r["first_s"] for r in rescales if "above target" in r["message"] and r["first_s"] >= 0]
    downs = [r["last_s"] for r in rescales if "below target" in r["message"] and r["last_s"] >= load_end - t0]
    s.update({
        "load_start_epoch": round(t0, 3),
        "rescale_events": rescales,
        "event_first_scale_up_s": min(ups) if ups else None,
        "event_scale_down_after_load_end_s": round(min(downs) - (load_end - t0), 1) if downs else None,
        "ok": ok,
        "load_s_actual": round(load_end - t0, 1),
        "start_template_replicas": start_template,
        "t_template_scaled_up_s": t_fhpa_up,
        "t_both_members_above_1_s": t_both,
        "t_fhpa_back_to_1_s": t_fhpa_back,
        "t_pods_back_to_1_s": t_back,
        "back_to_1_after_load_end_s": None if t_back is None else round(t_back - (load_end - t0), 1),
        "max_running_per_cluster": max_per,
        "max_fhpa_replicas": max_fhpa,
        "max_metric": max_metric,
        "metric": a.metric,
        "top": top,
        "hey_summary": "\n".join(l for l in hey_out.splitlines()
                                 if l.strip().startswith(("Total:", "Requests/sec", "[200]", "[503]", "Status code"))
                                 or "responses" in l),
    })
    with open(a.summary, "w") as f:
        json.dump(s, f, indent=1)
    print("\nsummary: " + json.dumps({k: v for k, v in s.items() if k != "samples"}), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
