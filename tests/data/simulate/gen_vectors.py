#!/usr/bin/env python3
"""Generates the simulate test vectors (vectors_6A..6F.jsonl, extra.jsonl, partial_answers.jsonl) from spec/hpa-algorithm.md §6.

Each output line is one scenario (spec/simulate-scenario.md) plus an "expect" object holding the
decision fields the spec pins; tests/unit/aggregation/autoscaler/simulate_vectors_test.cpp strips
"expect", runs the scenario through run_simulate and compares. The expected numbers are copied from the
spec tables by hand, never computed here. Re-run after editing: python3 gen_vectors.py
"""
import json
import os

NOW = 1_000_000          # seconds
LONG_AGO = NOW - 3600    # "cool" pods started an hour ago
INT64_MAX = 2**63 - 1
HERE = os.path.dirname(os.path.abspath(__file__))


def pod(name, req=1000, ready="True", phase="Running", cluster=None, hot=False, deleting=False,
        containers=None, start=None, transition=None, resource="cpu"):
    """A pod. Ready=False pods never became ready (transition == start), so the CPU rules mark them unready.
    hot: still in the CPU initialization period with a recent readiness flip (unready for CPU)."""
    p = {"name": name, "phase": phase}
    if cluster is not None:
        p["cluster"] = cluster
    if hot:
        p.update(ready="True", startTime=NOW - 60, readyTransitionTime=NOW - 10)
    else:
        p["ready"] = ready
        p["startTime"] = LONG_AGO if start is None else start
        if transition is not None:
            p["readyTransitionTime"] = transition
        elif ready == "False":
            p["readyTransitionTime"] = p["startTime"]
        else:
            p["readyTransitionTime"] = LONG_AGO + 10
    if deleting:
        p["deleting"] = True
    p["containers"] = containers if containers is not None else [{"name": "c0", "requests": {resource: req}}]
    return p


def pm(name, usage, cluster=None, resource="cpu", window=30, containers=None):
    m = {"pod": name, "timestamp": NOW, "window": window,
         "containers": containers if containers is not None else [{"name": "c0", "usage": {resource: usage}}]}
    if cluster is not None:
        m["cluster"] = cluster
    return m


def cpu_util(t, resource="cpu"):
    return {"type": "Resource", "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": t}}}


def pods_metric(avg):
    return {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": avg}}}


def object_metric(value=None, avg=None):
    target = {"type": "Value", "value": value} if value is not None else {"type": "AverageValue", "averageValue": avg}
    return {"type": "Object", "object": {"describedObject": {"apiVersion": "v1", "kind": "Service", "name": "svc"},
                                         "metric": {"name": "hits"}, "target": target}}


def external_metric(value=None, avg=None):
    target = {"type": "Value", "value": value} if value is not None else {"type": "AverageValue", "averageValue": avg}
    return {"type": "External", "external": {"metric": {"name": "queue"}, "target": target}}


def scenario(id_, cur, metrics, pods=None, pod_metrics=None, metric_data=None, profile="kube", min_=1, max_=1000,
             status_replicas=None, behavior=None, recs="unset", up_events=None, down_events=None, options=None,
             clusters=None, expect=None, target_extra=None, status=None, faults=None):
    s = {"id": id_, "now": NOW, "options": {"profile": profile, **(options or {})},
         "hpa": {"minReplicas": min_, "maxReplicas": max_, "metrics": metrics},
         "target": {"specReplicas": cur, "statusReplicas": cur if status_replicas is None else status_replicas,
                    **(target_extra or {})}}
    if behavior is not None:
        s["hpa"]["behavior"] = behavior
    if clusters is not None:
        s["clusters"] = clusters
    if pods is not None:
        s["pods"] = pods
    if pod_metrics is not None:
        s["podMetrics"] = pod_metrics
    if metric_data is not None:
        s["metricData"] = metric_data
    hist = {}
    if recs != "unset":
        hist["recommendations"] = recs
    if up_events:
        hist["scaleUpEvents"] = [{"change": c, "timestamp": NOW - age} for c, age in up_events]
    if down_events:
        hist["scaleDownEvents"] = [{"change": c, "timestamp": NOW - age} for c, age in down_events]
    if hist:
        s["history"] = hist
    if status is not None:
        s["status"] = status
    if faults is not None:
        s["faults"] = faults
    s["expect"] = expect
    return s


def write(name, rows):
    with open(os.path.join(HERE, name), "w") as f:
        for r in rows:
            assert r["expect"], r["id"]
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def util_current(util, raw):
    return {"resource": {"current": {"averageUtilization": util, "averageValue": raw}}}


# ---------------------------------------------------------------------------------------------------
# 6.A Resource utilization calculator: metrics[0].replicas and the reported util / raw average.

def resource_row(id_, cur, t, pods, pms, replicas, util, raw, **kw):
    exp = {"metrics": [{"valid": True, "replicas": replicas, "current": util_current(util, raw)}]}
    return scenario(id_, cur, [cpu_util(t)], pods=pods, pod_metrics=pms, expect=exp, **kw)


def three(usages, states=(None, None, None), reqs=(1000, 1000, 1000)):
    ps, ms = [], []
    for i, (u, st, r) in enumerate(zip(usages, states, reqs)):
        ps.append(pod(f"p{i}", req=r, ready="False" if st == "unready" else "True", hot=st == "hot"))
        if u is not None:
            ms.append(pm(f"p{i}", u))
    return ps, ms


A = []
A.append(resource_row("R1", 3, 30, *three([300, 500, 700]), 5, 50, 500))
A.append(resource_row("R2", 3, 30, *three([300, 500, 700], ("unready", None, None)), 4, 60, 600))
A.append(resource_row("R4", 3, 30, *three([400, 500, 700], (None, "unready", "unready")), 3, 40, 400))
r5_pods = [pod("p0"), pod("p1"), pod("p2", phase="Failed"), pod("p3", phase="Failed")]
A.append(resource_row("R5", 2, 30, r5_pods, [pm("p0", 500), pm("p1", 700)], 4, 60, 600))
r7_pods = [pod("p0"), pod("p1"), pod("p2", phase="Succeeded"), pod("p3", phase="Succeeded")]
A.append(resource_row("R7", 2, 30, r7_pods, [pm("p0", 500), pm("p1", 700)], 4, 60, 600))
r8_usage = [100, 300, 500, 250, 250]
r8_pods = [pod(f"p{i}") for i in range(5)]
r8_pms = [pm(f"p{i}", u) for i, u in enumerate(r8_usage)]
A.append(resource_row("R8", 5, 50, r8_pods, r8_pms, 3, 28, 280))
A.append(resource_row("R10", 5, 50, [pod("p0"), pod("p1"), pod("p2"), pod("p3", hot=True), pod("p4", hot=True)],
                      r8_pms, 2, 30, 300))
A.append(resource_row("R11", 5, 50, [pod("p0")] + [pod(f"p{i}", phase="Pending") for i in range(1, 5)],
                      [pm("p0", 100)], 1, 10, 100))
A.append(resource_row("R13", 5, 50, r8_pods + [pod("d0", deleting=True), pod("d1", deleting=True)],
                      r8_pms + [pm("d0", 1000), pm("d1", 1000)], 3, 28, 280))
A.append(resource_row("R14", 3, 100, *three([1010, 1030, 1020], reqs=(900, 1000, 1100)), 3, 102, 1020))
A.append(resource_row("R16", 3, 100, *three([1890, 1910, 1900], reqs=(900, 1000, 1100)), 3, 190, 1900,
                      behavior={"scaleUp": {"tolerance": 2.0}}))
A.append(resource_row("R17", 3, 100, *three([1100, 1080, 1090], reqs=(900, 1000, 1100)), 4, 109, 1090,
                      behavior={"scaleUp": {"tolerance": "0.08"}, "scaleDown": {"tolerance": 2.0}}))
A.append(resource_row("R19", 3, 100, *three([660, 640, 650], reqs=(900, 1000, 1100)), 2, 65, 650,
                      behavior={"scaleDown": {"tolerance": 0.34}}))
r20_pods = [pod(f"p{i}") for i in range(4)]
r20_pms = [pm(f"p{i}", u) for i, u in enumerate([4000, 9500, 3000, 7000])] + [pm("ghost0", 3200), pm("ghost1", 2000)]
A.append(resource_row("R20", 4, 100, r20_pods, r20_pms, 24, 587, 5875))
A.append(resource_row("R22", 2, 100, [pod("p0"), pod("p1")], [pm("p0", 1000)], 2, 100, 1000))
A.append(resource_row("R23", 2, 100, [pod("p0"), pod("p1")], [pm("p0", 1900)], 2, 190, 1900))
A.append(resource_row("R25", 3, 50, [pod("p0", ready="False"), pod("p1"), pod("p2")], [pm("p0", 100), pm("p1", 450)],
                      3, 45, 450))
A.append(resource_row("R26", 3, 50, [pod("p0", hot=True), pod("p1"), pod("p2")], [pm("p0", 100), pm("p1", 450)],
                      3, 45, 450))
A.append(resource_row("R28", 4, 50, [pod("p0", ready="False"), pod("p1"), pod("p2"), pod("p3")],
                      [pm("p0", 100), pm("p1", 100), pm("p2", 100)], 3, 10, 100))
A.append(resource_row("R29", 4, 300, [pod("p0", ready="False"), pod("p1"), pod("p2", req=2000), pod("p3", req=2000)],
                      [pm("p0", 200), pm("p1", 100), pm("p2", 100)], 2, 6, 100))
A.append(scenario("R31", 1, [cpu_util(100)], pods=[pod("p0")], pod_metrics=[pm("other", 500)],
                  expect={"metrics": [{"valid": False, "reason": "FailedGetResourceMetric",
                                       "error": "no metrics returned matched known pods"}],
                          "proposal": -1}))
A.append(scenario("R32", 4, [cpu_util(100)], pods=[pod(f"p{i}") for i in range(4)], pod_metrics=[],
                  expect={"metrics": [{"valid": False, "reason": "FailedGetResourceMetric"}], "proposal": -1}))


def container_pods(usages):
    ps, ms = [], []
    for i, u in enumerate(usages):
        ps.append(pod(f"p{i}", containers=[{"name": "container1", "requests": {"cpu": 1000}},
                                           {"name": "container2", "requests": {"cpu": 1000}}]))
        ms.append(pm(f"p{i}", 0, containers=[{"name": "container1", "usage": {"cpu": 1000}},
                                              {"name": "container2", "usage": {"cpu": u}}]))
    return ps, ms


def container_util(t):
    return {"type": "ContainerResource",
            "containerResource": {"name": "cpu", "container": "container2",
                                  "target": {"type": "Utilization", "averageUtilization": t}}}


for id_, cur, t, usages, rep, util, raw in [("R34", 3, 30, [300, 500, 700], 5, 50, 500),
                                            ("R35", 5, 50, r8_usage, 3, 28, 280)]:
    ps, ms = container_pods(usages)
    A.append(scenario(id_, cur, [container_util(t)], pods=ps, pod_metrics=ms,
                      expect={"metrics": [{"valid": True, "replicas": rep,
                                           "current": {"containerResource": {"current": {
                                               "averageUtilization": util, "averageValue": raw}}}}]}))
r37_reqs = [400, 200, 310, 290, 302, 298, 301, 299, 300, 300]
A.append(resource_row("R37", 10, 55, [pod(f"p{i}", req=r) for i, r in enumerate(r37_reqs)],
                      [pm(f"p{i}", 150) for i in range(10)], 10, 50, 150))
write("vectors_6A.jsonl", A)

# ---------------------------------------------------------------------------------------------------
# 6.B Pods, Object, External calculators.

def samples(values, names=None):
    names = names or [f"p{i}" for i in range(len(values))]
    return {"samples": [{"pod": n, "value": v} for n, v in zip(names, values)]}


def metric_row(id_, cur, metric, data, replicas, current, pods=None, **kw):
    exp = {"metrics": [{"valid": True, "replicas": replicas, "current": current}]}
    return scenario(id_, cur, [metric], pods=pods, metric_data=[data], expect=exp, **kw)


def ready_pods(n, unready=()):
    return [pod(f"p{i}", ready="False" if i in unready else "True") for i in range(n)]


def ready_pods_in(clusters, names=None):
    return [pod(names[i] if names else f"p{i}", cluster=c) for i, c in enumerate(clusters)]


def pods_cur(v):
    return {"pods": {"current": {"averageValue": v}}}


def value_cur(kind, v):
    return {kind: {"current": {"value": v}}}


def avg_cur(kind, v):
    return {kind: {"current": {"averageValue": v}}}


B = []
B.append(metric_row("P1", 3, pods_metric(15000), samples([20000, 10000, 30000]), 4, pods_cur(20000), ready_pods(3)))
B.append(metric_row("P2", 3, pods_metric(15000), samples([50000, 10000, 30000]), 6, pods_cur(30000),
                    [pod("p0"), pod("p1"), pod("p2", ready="False", start=NOW - 60, transition=NOW - 10)]))
B.append(metric_row("P4", 5, pods_metric(20000), samples([12000] * 5), 3, pods_cur(12000), ready_pods(5)))
B.append(metric_row("P5", 3, pods_metric(20000), samples([20000, 21000, 21000]), 3, pods_cur(20666), ready_pods(3)))
B.append(metric_row("P7", 5, pods_metric(20000), samples([20000, 19000, 21000]), 5, pods_cur(20000), ready_pods(5)))
B.append(metric_row("P8", 2, pods_metric(17000), samples([10000, 10000]), 2, pods_cur(10000), ready_pods(3)))
B.append(metric_row("O1", 3, object_metric(value=15000), {"value": 20000}, 4, value_cur("object", 20000), ready_pods(3)))
B.append(metric_row("O2", 3, object_metric(value=10000), {"value": 50000}, 5, value_cur("object", 50000),
                    ready_pods(3, unready=(0, 2))))
B.append(metric_row("O4", 3, object_metric(value=20000), {"value": 20666}, 3, value_cur("object", 20666), ready_pods(3)))
B.append(metric_row("O4-tol", 3, object_metric(value=20000), {"value": 20666}, 4, value_cur("object", 20666),
                    ready_pods(3), behavior={"scaleUp": {"tolerance": 0.01}}))
B.append(metric_row("O5", 3, object_metric(value=1), {"value": INT64_MAX}, 2147483647, value_cur("object", INT64_MAX),
                    ready_pods(3)))
B.append(metric_row("O7", 0, object_metric(value=1000), {"value": 1000}, 1, value_cur("object", 1000), [], min_=0, max_=10))
B.append(metric_row("O8", 5, object_metric(value=20000), {"value": 0}, 0, value_cur("object", 0), ready_pods(5), min_=0))
B.append(metric_row("OA1", 3, object_metric(avg=5000), {"value": 20000}, 4, avg_cur("object", 6667)))
B.append(metric_row("OA2", 5, object_metric(avg=2000), {"value": 6000}, 3, avg_cur("object", 1200)))
B.append(metric_row("OA4", 4, object_metric(avg=5000), {"value": 20208}, 5, avg_cur("object", 5052),
                    behavior={"scaleUp": {"tolerance": 0.01}}))
B.append(metric_row("OA5", 3, object_metric(avg=5000), {"value": 20000}, 4, avg_cur("object", 0), status_replicas=0))
B.append(metric_row("OA7", 3, object_metric(avg=10000), {"value": 40000}, 4, avg_cur("object", 13334)))
B.append(metric_row("OA8", 5, object_metric(avg=20000), {"value": 60000}, 3, avg_cur("object", 12000)))
B.append(metric_row("E1", 3, external_metric(value=4400), {"values": [5000, 3600]}, 2, value_cur("external", 8600),
                    ready_pods(3, unready=(0, 2))))
B.append(metric_row("E2", 5, external_metric(value=14334), {"values": [8600]}, 3, value_cur("external", 8600), ready_pods(5)))
B.append(metric_row("E4", 3, external_metric(value=8800), {"values": [8900]}, 4, value_cur("external", 8900), ready_pods(3),
                    behavior={"scaleUp": {"tolerance": 0.01}}))
B.append(metric_row("E5", 3, external_metric(value=INT64_MAX), {"values": [2**62, 2**62]}, 3,
                    value_cur("external", INT64_MAX), ready_pods(3)))
B.append(metric_row("E7", 5, external_metric(value=14400), {"values": [0]}, 0, value_cur("external", 0), ready_pods(5), min_=0))
B.append(metric_row("E8", 4, external_metric(value=8666), {"values": [8600]}, 4, value_cur("external", 8600), ready_pods(4)))
B.append(metric_row("EA2", 5, external_metric(avg=2867), {"values": [8600]}, 3, avg_cur("external", 1720)))
B.append(metric_row("EA3", 3, external_metric(avg=2900), {"values": [8600]}, 3, avg_cur("external", 2867)))
B.append(metric_row("EA5", 1, external_metric(avg=1), {"values": [INT64_MAX]}, 2147483647, avg_cur("external", INT64_MAX)))
B.append(metric_row("EA6", 1, external_metric(avg=INT64_MAX), {"values": [INT64_MAX]}, 1, avg_cur("external", INT64_MAX)))
B.append(metric_row("EA8", 5, external_metric(avg=3000), {"values": [8600]}, 3, avg_cur("external", 1720)))
write("vectors_6B.jsonl", B)

# ---------------------------------------------------------------------------------------------------
# 6.C Normalization. A metric proposal P is produced by an External AverageValue metric with
# usage P*1000, target 1000 and statusReplicas 10*P+7 (never within tolerance, so the metric yields
# exactly ceil(P*1000/1000) = P).

def proposing(id_, cur, p, expect, **kw):
    kw.setdefault("recs", [])
    return scenario(id_, cur, [external_metric(avg=1000)], metric_data=[{"values": [p * 1000]}],
                    status_replicas=10 * p + 7, expect={"proposal": p, **expect}, **kw)


def recs(pairs):
    return [{"replicas": r, "timestamp": NOW - age} for r, age in pairs]


def windows(up, down):
    return {"scaleUp": {"stabilizationWindowSeconds": up}, "scaleDown": {"stabilizationWindowSeconds": down}}


def rec_list(values, last_now_index=None):
    out = [{"replicas": v} for v in values]
    if last_now_index is not None:
        out[last_now_index]["timestamp"] = NOW
    return out


C = []
C.append(proposing("C1", 100, 5, {"stabilized": 5, "history": {"recommendations": rec_list([5], 0)}},
                   behavior=windows(0, 0)))
C.append(proposing("C2", 100, 3, {"stabilized": 5}, behavior=windows(0, 180), recs=recs([(4, 120), (5, 60)])))
C.append(proposing("C4", 100, 3, {"stabilized": 3}, behavior=windows(300, 0), recs=recs([(1, 120), (2, 60)])))
C.append(proposing("C5", 1, 3, {"stabilized": 3}, behavior=windows(0, 300), recs=recs([(4, 120), (5, 60)])))
C.append(proposing("C7", 100, 3, {"stabilized": 5, "history": {"recommendations": rec_list([10, 4, 5, 3], 3)}},
                   behavior=windows(0, 180), recs=recs([(10, 600), (4, 60), (5, 120), (9, 540)])))
C.append(proposing("C8", 1, 100, {"stabilized": 5, "history": {"recommendations": rec_list([100, 6, 5, 9], 0)}},
                   behavior=windows(300, 0), recs=recs([(10, 6000), (6, 60), (5, 120), (9, 180)])))
C.append(proposing("C10", 2, 3, {"stabilized": 2}, behavior=windows(300, 300), recs=recs([(2, 6000), (1, 180)])))
# Legacy stabilization (behavior nil, 300 s window).
C.append(proposing("C11", 4, 5, {"stabilized": 5, "history": {"recommendations": rec_list([5], 0)}}))
C.append(proposing("C12", 4, 3, {"stabilized": 5, "history": {"recommendations": rec_list([4, 5, 3], 2)}},
                   recs=recs([(4, 120), (5, 60)])))
C.append(proposing("C14", 4, 3, {"stabilized": 3, "history": {"recommendations": rec_list([10, 3], 1)}},
                   recs=recs([(10, 600), (9, 540)])))
C.append(proposing("C15", 4, 3, {"stabilized": 5, "history": {"recommendations": rec_list([10, 4, 5, 3], 3)}},
                   recs=recs([(10, 600), (4, 60), (5, 120), (9, 540)])))

DEF = {}  # behavior set, both directions defaulted


def pods_pol(v, p):
    return {"type": "Pods", "value": v, "periodSeconds": p}


def pct_pol(v, p):
    return {"type": "Percent", "value": v, "periodSeconds": p}


def rules(*policies, select=None):
    r = {"policies": list(policies)}
    if select:
        r["selectPolicy"] = select
    return r


def rate(id_, cur, stab, min_, max_, expected, reason, up=None, down=None, up_ev=None, down_ev=None, behavior="def"):
    b = None
    if behavior == "def":
        b = {}
        if up is not None:
            b["scaleUp"] = up
        if down is not None:
            b["scaleDown"] = down
    exp = {"stabilized": stab, "desiredReplicas": expected, "limitReason": reason, "branch": "metrics"}
    return proposing(id_, cur, stab, exp, min_=min_, max_=max_, behavior=b, up_events=up_ev, down_events=down_ev)


EV = [(1, 100), (5, 60), (9, 20)]
C.append(rate("C16", 5, 7, 3, 8, 7, "DesiredWithinRange"))
C.append(rate("C17", 3, 1, 2, 8, 2, "TooFewReplicas"))
# C19 (cur 20 > max 10): the reconcile clamps before normalization (§1.3 step 5), same number.
C.append(proposing("C19", 20, 1000, {"desiredReplicas": 10, "branch": "aboveMax"}, max_=10, behavior={}))
C[-1]["expect"].pop("proposal")  # no metrics are read in the aboveMax branch
C.append(rate("C20", 100, 1000, 100, 150, 150, "TooManyReplicas"))
C.append(rate("C22", 1000, 3, 3, 2000, 980, "ScaleDownLimit", down=rules(pods_pol(20, 60))))
C.append(rate("C23", 10, 50, 1, 1000, 20, "ScaleUpLimit"))
C.append(rate("C25", 10, 500, 1, 1000, 20, "ScaleUpLimit", up=rules(pods_pol(2, 60), pct_pol(100, 60))))
C.append(rate("C26", 10, 50, 1, 1000, 50, "DesiredWithinRange", up=rules(pods_pol(100, 60))))
C.append(rate("C28", 10, 50, 1, 1000, 30, "ScaleUpLimit", up=rules(pct_pol(200, 60))))
C.append(rate("C29", 100, 2, 1, 1000, 80, "ScaleDownLimit", down=rules(pods_pol(20, 60), pct_pol(1, 60))))
C.append(rate("C31", 10, 0, 1, 1000, 1, "TooFewReplicas", down=rules(pods_pol(100, 60))))
C.append(rate("C32", 10, 2, 5, 1000, 5, "TooFewReplicas", down=rules(pct_pol(100, 60))))
C.append(rate("C34", 10, 5, 1, 1000, 5, "DesiredWithinRange", down=rules(pct_pol(50, 60))))
C.append(rate("C35", 100, 500, 1, 200, 200, "TooManyReplicas", up=rules(pods_pol(300, 60)), up_ev=EV))
C.append(rate("C37", 100, 500, 1, 1000, 235, "ScaleUpLimit", up=rules(pods_pol(150, 120)), up_ev=EV))
C.append(rate("C38", 100, 500, 1, 1000, 255, "ScaleUpLimit", up=rules(pct_pol(200, 120)), up_ev=EV))
C.append(rate("C40", 10, 5, 1, 1000, 5, "DesiredWithinRange", down_ev=EV))
C.append(rate("C41", 100, 0, 1, 1000, 1, "TooFewReplicas", down=rules(pods_pol(115, 120)), down_ev=EV))
C.append(rate("C43", 100, 2, 1, 1000, 100, "ScaleDownLimit", down=rules(pods_pol(5, 120)), down_ev=EV))
C.append(rate("C44", 100, 0, 1, 1000, 56, "ScaleDownLimit", down=rules(pct_pol(50, 120)),
              down_ev=[(2, 100), (4, 60), (6, 20)]))
C.append(rate("C46", 100, 0, 1, 1000, 100, "ScaleDownLimit", down=rules(pct_pol(10, 120)),
              down_ev=[(10, 100), (10, 60), (10, 20)]))
C.append(rate("C47", 10, 5, 1, 1000, 5, "DesiredWithinRange", down=rules(pct_pol(1000, 120)),
              down_ev=[(10, 100), (10, 60), (10, 20)]))
C.append(rate("C51", 10, 50, 1, 1000, 10, "ScaleUpLimit", up={"selectPolicy": "Disabled"}))
C.append(rate("C52", 10, 2, 1, 1000, 10, "ScaleDownLimit", down={"selectPolicy": "Disabled"}))
C.append(rate("C54", 3, 60, 1, 20, 20, "TooManyReplicas", up=rules(pct_pol(700, 60))))
C.append(rate("C49", 1, 100, 1, 1000, 2, "ScaleUpLimit", up=rules(pods_pol(2, 60), pct_pol(50, 60), select="Min")))
C.append(rate("C50", 5, 0, 1, 1000, 3, "ScaleDownLimit", down=rules(pods_pol(2, 60), pct_pol(50, 60), select="Min")))
# Legacy cap, production factor 2.
C.append(rate("C55", 5, 7, 3, 8, 7, "DesiredWithinRange", behavior=None))
C.append(rate("C56", 3, 1, 2, 8, 2, "TooFewReplicas", behavior=None))
C.append(proposing("C58", 20, 1000, {"desiredReplicas": 10, "branch": "aboveMax"}, max_=10))
C[-1]["expect"].pop("proposal")
C.append(rate("C59", 3, 1000, 1, 2000, 6, "ScaleUpLimit", behavior=None))
# Scale-event storage, 10 -> 15. C64/C65 add a "Pods 100/15" policy so that the rate limit lets the
# +5 through; it does not change the longest period (60 s) that decides which events are outdated.
C.append(proposing("C61", 10, 15, {"scaleUpdated": True, "history": {"scaleUpEvents": [], "scaleDownEvents": []}}))
C.append(proposing("C62", 10, 15, {"scaleUpdated": True, "history": {"scaleUpEvents": [
    {"change": 5, "timestamp": NOW, "outdated": False}]}},
    behavior={"scaleUp": rules(pods_pol(10, 60), pct_pol(100, 60))}, up_events=[(7, 61)]))
C.append(proposing("C64", 10, 15, {"scaleUpdated": True, "history": {"scaleUpEvents": [
    {"change": 5, "timestamp": NOW, "outdated": False}, {"change": 6, "timestamp": NOW - 59, "outdated": False}]}},
    behavior={"scaleUp": rules(pods_pol(10, 60), pods_pol(100, 15))}, up_events=[(7, 61), (6, 59)]))
C.append(proposing("C65", 10, 15, {"scaleUpdated": True, "history": {"scaleUpEvents": [
    {"change": 8, "outdated": False}, {"change": 6, "outdated": False}, {"change": 7, "outdated": True},
    {"change": 5, "timestamp": NOW, "outdated": False}]}},
    behavior={"scaleUp": rules(pods_pol(10, 60), pct_pol(100, 30), pods_pol(100, 15))},
    up_events=[(8, 29), (6, 59), (7, 61), (9, 61)]))
write("vectors_6C.jsonl", C)

# ---------------------------------------------------------------------------------------------------
# 6.D Full reconcile (kube profile, legacy path unless noted; history nil unless "h=∅" -> []).

def conds(able=None, active=None, limited=None):
    out = []
    for typ, v in (("AbleToScale", able), ("ScalingActive", active), ("ScalingLimited", limited)):
        if v is None:
            continue
        if v == "absent":
            out.append({"type": typ, "absent": True})
        else:
            status, reason = v
            out.append({"type": typ, "status": status, "reason": reason})
    return out


def full(id_, min_, max_, spec, status_r, metrics, expect, **kw):
    return scenario(id_, spec, metrics, min_=min_, max_=max_, status_replicas=status_r, expect=expect, **kw)


D = []
p, m = three([300, 500, 700])
D.append(full("D1", 2, 6, 3, 3, [cpu_util(30)], {
    "desiredReplicas": 5, "scaleUpdated": True, "replicas": 5,
    "events": [{"type": "Normal", "reason": "SuccessfulRescale",
                "message": "New size: 5; reason: cpu resource utilization (percentage of request) above target"}],
    "status": {"currentMetrics": [util_current(50, 500)], "lastScaleTime": NOW},
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=p, pod_metrics=m))
p, m = three([400, 500, 700], (None, "unready", "unready"))
D.append(full("D2", 2, 6, 3, 3, [cpu_util(30)], {
    "desiredReplicas": 3, "rescale": False, "status": {"currentMetrics": [util_current(40, 400)]},
    "conditions": conds(("True", "ReadyForNewScale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=p, pod_metrics=m))
D.append(full("D4", 2, 6, 5, 5, [cpu_util(50)], {
    "desiredReplicas": 3, "scaleUpdated": True,
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=r8_pods, pod_metrics=r8_pms, recs=[]))
D.append(full("D5", 1, 5, 4, 4, [cpu_util(100)], {
    "desiredReplicas": 4, "rescale": False, "proposal": 2, "stabilized": 4,
    "conditions": conds(("True", "ScaleDownStabilized"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=[pod(f"p{i}", req=100) for i in range(3)], pod_metrics=[pm(f"p{i}", 50) for i in range(3)],
    recs=recs([(10, 600), (4, 60)])))
zero_pods = [pod(f"p{i}") for i in range(3)]
zero_pms = [pm(f"p{i}", 0) for i in range(3)]
D.append(full("D7", 0, 5, 3, 3, [cpu_util(90)], {
    "desiredReplicas": 0, "scaleUpdated": True,
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=zero_pods, pod_metrics=zero_pms, recs=[]))
D.append(full("D8", 2, 5, 3, 3, [cpu_util(90)], {
    "desiredReplicas": 2, "scaleUpdated": True, "conditions": conds(limited=("True", "TooFewReplicas"))},
    pods=zero_pods, pod_metrics=zero_pms, recs=[]))
D.append(full("D10", 3, 5, 2, 2, [cpu_util(50)], {
    "desiredReplicas": 3, "scaleUpdated": True, "branch": "belowMin", "metrics": [],
    "conditions": conds(("True", "SucceededRescale"), "absent", "absent")}))
D.append(full("D11", 3, 5, 10, 10, [cpu_util(50)], {
    "desiredReplicas": 5, "scaleUpdated": True, "branch": "aboveMax", "metrics": [],
    "conditions": conds(("True", "SucceededRescale"), "absent", "absent")}))
D.append(full("D13", 2, 6, 4, 4, [cpu_util(100)], {
    "desiredReplicas": 6, "proposal": 24, "conditions": conds(limited=("True", "TooManyReplicas"))},
    pods=r20_pods, pod_metrics=r20_pms))
D.append(full("D14", 2, 6, 4, 4, [cpu_util(100)], {
    "desiredReplicas": 3, "conditions": conds(limited=("False", "DesiredWithinRange"))},
    pods=[pod(f"p{i}") for i in range(4)], pod_metrics=[pm("p0", 400), pm("p1", 95)], recs=[]))
D.append(full("D16", 1, 5, 1, 1, [cpu_util(100)], {
    "desiredReplicas": 1, "rescale": False, "proposal": -1,
    "events": [{"type": "Warning", "reason": "FailedGetResourceMetric"},
               {"type": "Warning", "reason": "FailedComputeMetricsReplicas"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "FailedGetResourceMetric"))},
    pods=[], pod_metrics=[pm("p0", 200)], status={"currentReplicas": 1, "desiredReplicas": 1}))
D.append(full("D16-norequest", 1, 5, 1, 1, [cpu_util(100)], {
    "desiredReplicas": 1, "rescale": False,
    "conditions": conds(("True", "SucceededGetScale"), ("False", "FailedGetResourceMetric"))},
    pods=[pod("p0", containers=[{"name": "c0", "requests": {}}])], pod_metrics=[pm("p0", 200)],
    status={"currentReplicas": 1, "desiredReplicas": 1}))
D.append(full("D17", 1, 5, 4, 4, [cpu_util(50)], {
    "desiredReplicas": 2, "scaleUpdated": True, "rescaleReason": "All metrics below target",
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=[pod("p0", req=200)], pod_metrics=[pm("p0", 200)], recs=[]))
D.append(full("D19", 1, 20, 3, 3, [cpu_util(10)], {
    "desiredReplicas": 20, "conditions": conds(limited=("True", "TooManyReplicas"))},
    pods=[pod(f"p{i}", req=100) for i in range(3)], pod_metrics=[pm(f"p{i}", u) for i, u in enumerate([100, 200, 300])],
    behavior={"scaleUp": rules(pct_pol(700, 60))}))
D.append(full("D20", 1, 8, 4, 5, [cpu_util(50)], {
    "desiredReplicas": 4, "rescale": False, "statusReplicas": 5,
    "conditions": conds(("True", "ReadyForNewScale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=[pod(f"p{i}") for i in range(5)], pod_metrics=[pm(f"p{i}", 500) for i in range(5)]))
D.append(full("D22", 1, 100, 3, 3, [cpu_util(50)], {
    "desiredReplicas": 3, "rescale": False, "proposal": -1, "events": [{"type": "Warning", "reason": "InvalidSelector"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "InvalidSelector"))},
    target_extra={"selectorState": "unparsable"}, status={"currentReplicas": 3, "desiredReplicas": 3}))
D.append(full("D22-missing", 1, 100, 3, 3, [cpu_util(50)], {
    "desiredReplicas": 3, "rescale": False, "events": [{"type": "Warning", "reason": "SelectorRequired"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "InvalidSelector"))},
    target_extra={"selectorState": "missing"}, status={"currentReplicas": 3, "desiredReplicas": 3}))
D.append(full("D23", 2, 6, 3, 3, [cpu_util(50)], {
    "desiredReplicas": 3, "rescale": False, "events": [{"type": "Warning", "reason": "AmbiguousSelector"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "AmbiguousSelector"))},
    target_extra={"selectorState": "ambiguous"}, status={"currentReplicas": 3, "desiredReplicas": 3}))
D.append(full("D25", 2, 6, 5, 5, [cpu_util(50), {"type": "Bogus"}], {
    "desiredReplicas": 5, "rescale": False, "proposal": -1,
    "metrics": [{"valid": True, "replicas": 3}, {"valid": False, "reason": "InvalidMetricSourceType"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "InvalidMetricSourceType"))},
    pods=r8_pods, pod_metrics=r8_pms, recs=[], status={"currentReplicas": 5, "desiredReplicas": 5}))
D.append(full("D26", 2, 6, 5, 5, [cpu_util(50), external_metric(value=1000)], {
    "desiredReplicas": 5, "rescale": False, "proposal": -1,
    "metrics": [{"valid": True, "replicas": 3}, {"valid": False, "reason": "FailedGetExternalMetric"}],
    "conditions": conds(("True", "SucceededGetScale"), ("False", "FailedGetExternalMetric"))},
    pods=r8_pods, pod_metrics=r8_pms, metric_data=[None, {"error": "connection refused"}], recs=[],
    status={"currentReplicas": 5, "desiredReplicas": 5}))
D.append(full("D28", 2, 6, 3, 3, [{"type": "Bogus"}], {
    "desiredReplicas": 3, "rescale": False, "proposal": -1,
    "conditions": conds(("True", "SucceededGetScale"), ("False", "InvalidMetricSourceType"))},
    status={"currentReplicas": 3, "desiredReplicas": 3}))
D.append(full("D29", 1, 100, 3, 3, [cpu_util(50)], {
    "branch": "failedGetScale", "desiredReplicas": 3, "currentReplicas": None, "replicas": None, "rescale": False,
    "statusChanged": True, "error": "failed to query the scale subresource",
    "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": None},
    "events": [{"type": "Warning", "reason": "FailedGetScale"}],
    "conditions": conds(("False", "FailedGetScale"), "absent", "absent")},
    faults={"getScale": True}, status={"currentReplicas": 3, "desiredReplicas": 3}))
D.append(full("D31", 1, 5, 3, 3, [pods_metric(15000)], {
    "desiredReplicas": 4, "scaleUpdated": True,
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("False", "DesiredWithinRange"))},
    pods=ready_pods(3), metric_data=[samples([20000, 10000, 30000])],
    status={"currentReplicas": 3, "desiredReplicas": 3, "lastScaleTime": NOW}))
D.append(full("D32", 1, 5, 3, 3, [cpu_util(10), pods_metric(15000)], {
    "desiredReplicas": 5, "proposal": 600, "metrics": [{"replicas": 600}, {"replicas": 4}],
    "conditions": conds(limited=("True", "TooManyReplicas"))},
    pods=ready_pods(3), pod_metrics=[pm(f"p{i}", u) for i, u in enumerate([20000, 10000, 30000])],
    metric_data=[None, samples([20000, 10000, 30000])],
    status={"currentReplicas": 3, "desiredReplicas": 3, "lastScaleTime": NOW}))
D.append(full("D34", 0, 6, 5, 5, [external_metric(value=14400)], {
    "desiredReplicas": 0, "scaleUpdated": True, "conditions": conds(("True", "SucceededRescale"))},
    pods=ready_pods(5), metric_data=[{"values": [0]}], recs=[]))
D.append(full("D34-scaledToZero", 0, 6, 5, 5, [external_metric(value=14400)], {
    "desiredReplicas": 0, "scaleUpdated": True,
    "conditions": [{"type": "ScaledToZero", "status": "True", "reason": "ScaledToZero"}]},
    pods=ready_pods(5), metric_data=[{"values": [0]}], recs=[], options={"zeroReplicaRegime": "scaledToZero"}))
D.append(full("D35", 2, 6, 3, 3, [pods_metric(15000)], {
    "desiredReplicas": 6, "proposal": 7,
    "conditions": conds(("True", "SucceededRescale"), ("True", "ValidMetricFound"), ("True", "TooManyReplicas"))},
    pods=[pod("p0", hot=True), pod("p1"), pod("p2", hot=True)], metric_data=[samples([50000, 15000, 30000])]))
write("vectors_6D.jsonl", D)

# ---------------------------------------------------------------------------------------------------
# 6.E groupPods timing: the pod "x" under test next to a plain ready pod "ok"; classes via the trace.

def group_row(id_, x, sample=True, resource="cpu", sample_window=30, klass="ready"):
    pods_ = [pod("ok", resource=resource), x]
    pms = [pm("ok", 500, resource=resource)]
    if sample:
        pms.append(pm("x", 500, resource=resource, window=sample_window))
    trace = {"unready": [], "missing": [], "ignored": []}
    if klass == "ready":
        trace["readyCount"] = 2
    else:
        trace["readyCount"] = 1
        trace[klass] = ["x"]
    return scenario(id_, 2, [cpu_util(50, resource)], pods=pods_, pod_metrics=pms,
                    expect={"metrics": [{"trace": trace}]})


E = []
E.append(group_row("G1", {"name": "x", "phase": "Running", "startTime": NOW - 60,
                          "containers": [{"name": "c0", "requests": {"cpu": 1000}}]}, klass="unready"))
E.append(group_row("G2", pod("x", start=NOW - 60, transition=NOW - 50), sample_window=20, klass="ready"))
E.append(group_row("G4", pod("x", ready="False", start=NOW - 600, transition=NOW - 590), klass="unready"))
E.append(group_row("G5", pod("x", ready="False", start=NOW - 600, transition=NOW - 500), klass="ready"))
E.append(group_row("G7", pod("x", deleting=True), klass="ignored"))
E.append(group_row("G8", pod("x", phase="Failed"), klass="ignored"))
E.append(group_row("G10", pod("x"), sample=False, klass="missing"))
E.append(group_row("G11", pod("x", ready="False", resource="memory"), resource="memory", klass="ready"))
write("vectors_6E.jsonl", E)

# ---------------------------------------------------------------------------------------------------
# 6.F Karmada-specific (karmada profile, federated mode).

def member(name, spec, status=None, ready=True, reachable=True):
    return {"name": name, "ready": ready, "reachable": reachable, "specReplicas": spec,
            "statusReplicas": spec if status is None else status}


F = []
F.append(scenario("K1", 2, [cpu_util(50)], profile="karmada", max_=20, clusters=[member("m1", 1)],
                  pods=[pod("p0", req=100, cluster="m1"), pod("p1", req=100, cluster="m1")],
                  pod_metrics=[pm("p0", 150, cluster="m1"), pm("p1", 150, cluster="m1")],
                  expect={"calibration": 0.5, "metrics": [{"valid": True, "replicas": 12}]}))
F.append(scenario("K2", 2, [object_metric(avg=10)], profile="karmada", max_=20, clusters=[member("m1", 1, 2)],
                  metric_data=[{"value": 30}],
                  expect={"calibration": 0.5, "statusReplicas": 2,
                          "metrics": [{"valid": True, "replicas": 12, "current": avg_cur("object", 15)}]}))
dup_pods = [pod(f"{c}-{i}", req=100, cluster=c) for c in ("m1", "m2") for i in range(2)]
dup_pms = [pm(f"{c}-{i}", 20, cluster=c) for c in ("m1", "m2") for i in range(2)]
F.append(scenario("K4", 2, [cpu_util(10)], profile="karmada", max_=10, clusters=[member("m1", 2), member("m2", 2)],
                  pods=dup_pods, pod_metrics=dup_pms,
                  expect={"calibration": 2.0, "metrics": [{"replicas": 4}], "desiredReplicas": 4, "replicas": 4,
                          "scaleUpdated": True}))
F.append(scenario("K5", 2, [cpu_util(10)], profile="karmada", max_=10, clusters=[member("m1", 1), member("m2", 1)],
                  pods=[pod("m1-0", req=100, cluster="m1"), pod("m2-0", req=100, cluster="m2")],
                  pod_metrics=[pm("m1-0", 20, cluster="m1"), pm("m2-0", 20, cluster="m2")],
                  expect={"calibration": 1.0, "metrics": [{"replicas": 4}], "desiredReplicas": 4}))
k7_pods = [pod(n, cluster="m1", phase=ph) for n, ph in (("p0", "Running"), ("p1", "Running"),
                                                       ("p2", "Succeeded"), ("p3", "Succeeded"))]
F.append(scenario("K7", 2, [cpu_util(30)], profile="karmada", clusters=[member("m1", 2)], pods=k7_pods,
                  pod_metrics=[pm("p0", 500, cluster="m1"), pm("p1", 700, cluster="m1")],
                  expect={"metrics": [{"replicas": 2, "trace": {"missing": ["p2", "p3"]}}]}))
F.append(scenario("K8", 2, [cpu_util(30)], profile="karmada", clusters=[member("m1", 0), member("m2", 0)],
                  status={"currentReplicas": 2, "desiredReplicas": 2},
                  expect={"branch": "failedGetScale", "replicas": None, "rescale": False,
                          "events": [{"type": "Warning", "reason": "FailedGetScale"}],
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedGetScale"},
                                         {"type": "ScalingActive", "absent": True}]}))
F.append(scenario("K10", 3, [cpu_util(50)], profile="karmada", max_=10, clusters=[member("m1", 3)],
                  pods=[pod("p0", req=100, cluster="m1"), pod("p1", req=100, cluster="m1"),
                        pod("p2", req=100, cluster="m1", ready="False")],
                  pod_metrics=[pm("p0", 150, cluster="m1"), pm("p1", 150, cluster="m1")],
                  expect={"metrics": [{"replicas": 6, "trace": {"missing": ["p2"]}}], "desiredReplicas": 6}))
write("vectors_6F.jsonl", F)

# ---------------------------------------------------------------------------------------------------
# Own vectors: tolerance forms, per-HPA tolerance, External, scale to zero, calibration, pod identity.

X = []
p110, m110 = three([1100, 1100, 1100])
for prof, rep in (("kube", 3), ("fedmetrics", 3), ("karmada", 4)):
    X.append(scenario(f"tol-110pct-{prof}", 3, [cpu_util(100)], profile=prof, pods=p110, pod_metrics=m110,
                      expect={"metrics": [{"replicas": rep, "current": util_current(110, 1100)}]}))
X.append(scenario("tol-abs-override", 3, [cpu_util(100)], pods=p110, pod_metrics=m110,
                  options={"toleranceForm": "abs"}, expect={"metrics": [{"replicas": 4}]}))
X.append(scenario("tol-global-0.05", 3, [cpu_util(100)], pods=p110, pod_metrics=m110, options={"tolerance": 0.05},
                  expect={"metrics": [{"replicas": 4}]}))
p16, m16 = three([1890, 1910, 1900], reqs=(900, 1000, 1100))
X.append(scenario("tol-per-hpa-ignored-karmada", 3, [cpu_util(100)], profile="karmada", pods=p16, pod_metrics=m16,
                  behavior={"scaleUp": {"tolerance": 2.0}}, expect={"metrics": [{"replicas": 6}]}))
X.append(scenario("external-fedmetrics", 3, [external_metric(value=4400)], profile="fedmetrics", pods=ready_pods(3),
                  metric_data=[{"values": [4400, 4400]}],
                  expect={"metrics": [{"valid": True, "replicas": 6}], "desiredReplicas": 6,
                          "proposalMetric": "external metric queue(<nil>)"}))
X.append(scenario("external-unsupported-karmada", 3, [external_metric(value=4400)], profile="karmada",
                  pods=ready_pods(3), metric_data=[{"values": [8800]}], status={"currentReplicas": 3, "desiredReplicas": 3},
                  expect={"metrics": [{"valid": False, "reason": "InvalidMetricSourceType"}], "proposal": -1,
                          "desiredReplicas": 3,
                          "conditions": [{"type": "ScalingActive", "status": "False", "reason": "InvalidMetricSourceType"}]}))
X.append(scenario("zero-classic-disabled", 0, [cpu_util(50)], min_=1, max_=10,
                  expect={"branch": "disabled", "desiredReplicas": 0, "rescale": False,
                          "conditions": [{"type": "ScalingActive", "status": "False", "reason": "ScalingDisabled"}]}))
X.append(scenario("zero-scale-from-zero-classic", 0, [external_metric(value=1000)], min_=0, max_=10,
                  metric_data=[{"values": [2500]}], recs=[],
                  expect={"branch": "metrics", "proposal": 3, "desiredReplicas": 3, "scaleUpdated": True}))
X.append(scenario("zero-manual-paused-scaledToZero", 0, [external_metric(value=1000)], min_=0, max_=10,
                  metric_data=[{"values": [2500]}], options={"zeroReplicaRegime": "scaledToZero"},
                  expect={"branch": "disabled", "desiredReplicas": 0, "rescale": False}))
X.append(scenario("zero-resume-scaledToZero", 0, [external_metric(value=1000)], min_=0, max_=10,
                  metric_data=[{"values": [2500]}], options={"zeroReplicaRegime": "scaledToZero"}, recs=[],
                  status={"conditions": [{"type": "ScaledToZero", "status": "True", "reason": "ScaledToZero"}]},
                  expect={"branch": "metrics", "desiredReplicas": 3, "scaleUpdated": True,
                          "conditions": [{"type": "ScaledToZero", "status": "False", "reason": "NotScaledToZero"}]}))
X.append(scenario("zero-classic-drops-condition", 3, [cpu_util(50)], min_=1, max_=10, pods=ready_pods(3),
                  pod_metrics=[pm(f"p{i}", 500) for i in range(3)],
                  status={"conditions": [{"type": "ScaledToZero", "status": "True", "reason": "ScaledToZero"}]},
                  expect={"conditions": [{"type": "ScaledToZero", "absent": True}]}))
# Calibration: fedmetrics applies it once; kube (off) ignores members; K2 in fedmetrics gives 6.
X.append(scenario("calibration-object-avg-single", 2, [object_metric(avg=10)], profile="fedmetrics", max_=20,
                  clusters=[member("m1", 1, 2)], metric_data=[{"value": 30}],
                  expect={"calibration": 0.5, "metrics": [{"replicas": 6}]}))
X.append(scenario("calibration-object-avg-double-override", 2, [object_metric(avg=10)], profile="fedmetrics",
                  max_=20, clusters=[member("m1", 1, 2)], metric_data=[{"value": 30}],
                  options={"objectAverageValueDoubleCalibration": True},
                  expect={"metrics": [{"replicas": 12}]}))
X.append(scenario("calibration-off-kube", 2, [cpu_util(50)], profile="kube", max_=20, clusters=[member("m1", 1)],
                  pods=[pod("p0", req=100, cluster="m1"), pod("p1", req=100, cluster="m1")],
                  pod_metrics=[pm("p0", 150, cluster="m1"), pm("p1", 150, cluster="m1")],
                  expect={"calibration": 1.0, "metrics": [{"replicas": 6}]}))
X.append(scenario("calibration-fedmetrics-resource", 2, [cpu_util(50)], profile="fedmetrics", max_=20,
                  clusters=[member("m1", 1)],
                  pods=[pod("p0", req=100, cluster="m1"), pod("p1", req=100, cluster="m1")],
                  pod_metrics=[pm("p0", 150, cluster="m1"), pm("p1", 150, cluster="m1")],
                  expect={"calibration": 0.5, "metrics": [{"replicas": 12}]}))
# NotReady / unreachable clusters: excluded from calibration, statusReplicas and pods.
X.append(scenario("cluster-notready-excluded", 4, [cpu_util(50)], profile="fedmetrics", max_=20,
                  clusters=[member("m1", 2), member("m2", 2, ready=False), member("m3", 2, reachable=False)],
                  pods=[pod("a", req=100, cluster="m1"), pod("b", req=100, cluster="m1"),
                        pod("c", req=100, cluster="m2"), pod("d", req=100, cluster="m3")],
                  pod_metrics=[pm("a", 100, cluster="m1"), pm("b", 100, cluster="m1"),
                               pm("c", 100, cluster="m2"), pm("d", 100, cluster="m3")],
                  expect={"calibration": 0.5, "statusReplicas": 2,
                          "metrics": [{"replicas": 8, "trace": {"readyCount": 2}}]}))
X.append(scenario("clusters-empty", 2, [cpu_util(50)], profile="karmada", clusters=[],
                  expect={"branch": "failedGetScale", "events": [{"reason": "FailedGetTargetClusters"}],
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedGetTargetClusters"}]}))
X.append(scenario("binding-fault", 2, [cpu_util(50)], profile="karmada", clusters=[member("m1", 2)],
                  faults={"getBinding": True},
                  expect={"branch": "failedGetScale", "events": [{"reason": "FailedGetBindings"}],
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedGetBinding"}]}))
X.append(scenario("target-ref-fault", 2, [cpu_util(50)], profile="karmada", clusters=[member("m1", 2)],
                  faults={"getScaleTargetRef": True},
                  expect={"branch": "failedGetScale",
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedGetScaleTargetRef"}]}))
# Pods identified per cluster: two clusters each run "web-0".
same_name_pods = [pod("web-0", req=100, cluster="m1"), pod("web-0", req=100, cluster="m2")]
same_name_pms = [pm("web-0", 100, cluster="m1"), pm("web-0", 300, cluster="m2")]
X.append(scenario("podkey-cluster-name", 2, [cpu_util(100)], profile="fedmetrics", max_=20,
                  clusters=[member("m1", 1), member("m2", 1)], pods=same_name_pods, pod_metrics=same_name_pms,
                  expect={"metrics": [{"replicas": 4, "current": util_current(200, 200),
                                       "trace": {"readyCount": 2}}]}))
X.append(scenario("podkey-name-karmada-collision", 2, [cpu_util(100)], profile="karmada", max_=20,
                  clusters=[member("m1", 1), member("m2", 1)], pods=same_name_pods, pod_metrics=same_name_pms,
                  expect={"metrics": [{"replicas": 6, "current": util_current(300, 300)}]}))
same_name_samples = {"samples": [{"pod": "web-0", "cluster": "m1", "value": 10000},
                                 {"pod": "web-0", "cluster": "m2", "value": 20000}]}
X.append(scenario("pods-metric-per-cluster", 2, [pods_metric(10000)], profile="fedmetrics", max_=20,
                  clusters=[member("m1", 1), member("m2", 1)], pods=same_name_pods, metric_data=[same_name_samples],
                  expect={"metrics": [{"replicas": 3, "current": pods_cur(15000)}]}))
X.append(scenario("pods-metric-karmada-sum", 2, [pods_metric(10000)], profile="karmada", max_=20,
                  clusters=[member("m1", 1), member("m2", 1)], pods=same_name_pods, metric_data=[same_name_samples],
                  expect={"metrics": [{"replicas": 6, "current": pods_cur(30000)}]}))
# Misc reconcile paths.
p, m = three([300, 500, 700])
X.append(scenario("update-scale-fault", 3, [cpu_util(30)], max_=10, pods=p, pod_metrics=m,
                  faults={"updateScale": True}, status={"currentReplicas": 3, "desiredReplicas": 3},
                  expect={"rescale": True, "scaleUpdated": False, "replicas": 3, "desiredReplicas": 3,
                          "events": [{"type": "Warning", "reason": "FailedRescale"}],
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedUpdateScale"}]}))
X.append(proposing("legacy-factor-8", 3, 1000, {"desiredReplicas": 24, "limitReason": "ScaleUpLimit"}, max_=2000,
                   options={"scaleUpLimitFactor": 8}))
X.append(scenario("quantity-strings", 3, [{"type": "Resource", "resource": {"name": "cpu",
                  "target": {"type": "AverageValue", "averageValue": "250m"}}}],
                  pods=ready_pods(3), pod_metrics=[pm(f"p{i}", "0.5") for i in range(3)],
                  expect={"metrics": [{"replicas": 6, "current": {"resource": {"current": {"averageValue": 500}}}}]}))
X.append(scenario("one-invalid-scale-up-proceeds", 3, [cpu_util(30), external_metric(value=1000)], max_=10,
                  pods=p, pod_metrics=m, metric_data=[None, {"error": "boom"}],
                  expect={"desiredReplicas": 5, "scaleUpdated": True,
                          "error": "invalid metrics (1 invalid out of 2), first error is: unable to get metric queue: boom",
                          "conditions": [{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}]}))
X.append(scenario("partial-statuses-karmada-keeps-old", 2, [{"type": "Bogus"}], profile="karmada",
                  clusters=[member("m1", 2)],
                  status={"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
                      {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": 7}}}]},
                  expect={"status": {"currentMetrics": [{"type": "Pods", "pods": {"current": {"averageValue": 7}}}]}}))
# Resource metrics API failures and the container-specific switches.
X.append(scenario("resource-metrics-call-fails", 3, [cpu_util(50)], pods=ready_pods(3),
                  expect={"metrics": [{"valid": False, "reason": "FailedGetResourceMetric"}], "proposal": -1}))


def two_container_pod(name, with_c2=True):
    cs = [{"name": "container1", "requests": {"cpu": 1000}}]
    if with_c2:
        cs.append({"name": "container2", "requests": {"cpu": 1000}})
    return pod(name, containers=cs)


def c2_metrics(name, usage, with_c2=True):
    cs = [{"name": "container1", "usage": {"cpu": 1000}}]
    if with_c2:
        cs.append({"name": "container2", "usage": {"cpu": usage}})
    return pm(name, 0, containers=cs)


cm_pods = [two_container_pod(f"p{i}") for i in range(3)]
cm_pms = [c2_metrics("p0", 600), c2_metrics("p1", 600), c2_metrics("p2", 0, with_c2=False)]
X.append(scenario("container-metric-missing-skip", 3, [container_util(30)], profile="fedmetrics", pods=cm_pods,
                  pod_metrics=cm_pms, expect={"metrics": [{"valid": True, "replicas": 4, "trace": {"missing": ["p2"]}}]}))
X.append(scenario("container-metric-missing-error-karmada", 3, [container_util(30)], profile="karmada", pods=cm_pods,
                  pod_metrics=cm_pms,
                  expect={"metrics": [{"valid": False, "reason": "FailedGetContainerResourceMetric"}], "proposal": -1}))
cr_pods = [two_container_pod("p0"), two_container_pod("p1"), two_container_pod("p2", with_c2=False)]
cr_pms = [c2_metrics(f"p{i}", 600) for i in range(3)]
X.append(scenario("container-request-missing-error", 3, [container_util(30)], profile="fedmetrics", pods=cr_pods,
                  pod_metrics=cr_pms,
                  expect={"metrics": [{"valid": False, "reason": "FailedGetContainerResourceMetric"}]}))
X.append(scenario("container-request-missing-zero-karmada", 3, [container_util(30)], profile="karmada", pods=cr_pods,
                  pod_metrics=cr_pms,
                  expect={"metrics": [{"valid": True, "replicas": 9,
                                       "current": {"containerResource": {"current": {"averageUtilization": 90}}}}]}))
# Issue #12 item 9: the Object/AverageValue double-calibration switch never touches External AverageValue.
# Calibration 2 (members 2+2 over a template of 2), External average 10 over 120: ceil(120/10/2) = 6, not 3.
X.append(scenario("calibration-external-avg-not-doubled", 2, [external_metric(avg=10)], profile="fedmetrics",
                  max_=20, clusters=[member("m1", 2), member("m2", 2)], metric_data=[{"values": [60, 60]}],
                  options={"objectAverageValueDoubleCalibration": True},
                  expect={"calibration": 2.0, "metrics": [{"valid": True, "replicas": 6}]}))
write("extra.jsonl", X)

# Issue #12 item 1: an Object/External metric summed over members is invalid when a target member failed or
# did not answer: it never scales down (4 -> 2 on the half that answered, before), a scale-up from another
# valid metric proceeds, and the condition names the member. Answers of clusters that are not targets are
# not counted.
def by_cluster(*entries):
    return {"byCluster": [dict(cluster=c, **({"error": v} if isinstance(v, str) else {"values": v}))
                          for c, v in entries]}


PA = []
two = [member("m1", 2), member("m2", 2)]
PA.append(scenario("partial-external-member-failed-no-scale-down", 4, [external_metric(value=1000)],
                  profile="fedmetrics", max_=20, clusters=two, pods=ready_pods_in(["m1", "m1", "m2", "m2"]),
                  metric_data=[by_cluster(("m1", [1000]), ("m2", "HTTP 503: adapter down"))],
                  status={"currentReplicas": 4, "desiredReplicas": 4},
                  expect={"proposal": -1, "desiredReplicas": 4, "rescale": False, "replicas": 4,
                          "metrics": [{"valid": False, "reason": "FailedGetExternalMetric",
                                       "error": "unable to get metric queue: member m2 failed: HTTP 503: adapter down"
                                                " (a metric missing from a target cluster is invalid)"}],
                          "events": [{"type": "Warning", "reason": "FailedGetExternalMetric"},
                                     {"type": "Warning", "reason": "FailedComputeMetricsReplicas"}],
                          "conditions": [{"type": "ScalingActive", "status": "False",
                                          "reason": "FailedGetExternalMetric"}]}))
PA.append(scenario("partial-object-member-missing-no-scale-down", 4, [object_metric(value=1000)],
                  profile="fedmetrics", max_=20, clusters=two, pods=ready_pods_in(["m1", "m1", "m2", "m2"]),
                  metric_data=[by_cluster(("m1", [1000]))], status={"currentReplicas": 4, "desiredReplicas": 4},
                  expect={"proposal": -1, "desiredReplicas": 4, "rescale": False,
                          "metrics": [{"valid": False, "reason": "FailedGetObjectMetric",
                                       "error": "unable to get metric hits: member m2 did not answer"
                                                " (a metric missing from a target cluster is invalid)"}],
                          "conditions": [{"type": "ScalingActive", "status": "False",
                                          "reason": "FailedGetObjectMetric"}]}))
PA.append(scenario("partial-external-all-answered-scales-down", 4, [external_metric(value=1000)],
                  profile="fedmetrics", max_=20, clusters=two, pods=ready_pods_in(["m1", "m1", "m2", "m2"]),
                  metric_data=[by_cluster(("m1", [250]), ("m2", [250]))],
                  behavior={"scaleDown": {"stabilizationWindowSeconds": 0}},
                  expect={"metrics": [{"valid": True, "replicas": 2}], "desiredReplicas": 2, "scaleUpdated": True}))
PA.append(scenario("partial-external-scale-up-from-valid-metric-proceeds", 4,
                  [pods_metric(10000), external_metric(value=1000)], profile="fedmetrics", max_=20, clusters=two,
                  pods=ready_pods_in(["m1", "m1", "m2", "m2"], names=["a", "b", "c", "d"]),
                  metric_data=[{"samples": [{"pod": n, "cluster": c, "value": 20000}
                                            for n, c in [("a", "m1"), ("b", "m1"), ("c", "m2"), ("d", "m2")]]},
                               by_cluster(("m1", [1000]), ("m2", "timeout"))],
                  expect={"metrics": [{"valid": True, "replicas": 8}, {"valid": False}], "desiredReplicas": 8,
                          "scaleUpdated": True,
                          "conditions": [{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}]}))
PA.append(scenario("partial-external-non-target-cluster-ignored", 4, [external_metric(value=1000)],
                  profile="fedmetrics", max_=20, clusters=[member("m1", 2), member("m2", 2), member("m3", 2, ready=False)],
                  pods=ready_pods_in(["m1", "m1", "m2", "m2"]),
                  metric_data=[by_cluster(("m1", [500]), ("m2", [500]), ("m3", "HTTP 503"), ("m4", [99000]))],
                  expect={"metrics": [{"valid": True, "replicas": 4}], "desiredReplicas": 4}))
write("partial_answers.jsonl", PA)
print("ok", len(A), len(B), len(C), len(D), len(E), len(F), len(X))
