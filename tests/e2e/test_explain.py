"""`fedmetrics-adapter explain` against a real kube-apiserver (the control plane) and the two test members of
test_federatedhpa_loop.py: explain, run before the loop, predicts the scale the loop then writes (same
replicas, same condition reasons); `-o json`'s scenario replayed by `simulate` gives explain's decision
exactly; explain writes nothing; after the loop's scale-up it says the scale-up policy holds the next step;
a missing FederatedHPA exits 1, a bad argument 2; and `kubectl fedmetrics explain` works as a plugin
(a symlink named kubectl-fedmetrics on PATH). The transcripts are printed."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402
from test_federatedhpa_loop import federation, fhpa, get_fhpa, ok, template_replicas, wait_for  # noqa: E402,F401

ADAPTER = os.environ["FEDMETRICS_ADAPTER"]
POLICY = "{stabilizationWindowSeconds: 0, policies: [{type: Pods, value: 2, periodSeconds: 60}]}"


def run(args, env=None, input_text=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, input=input_text)


def explain(cp, members_yaml, *args):
    return run([ADAPTER, "explain", *args, f"--kubeconfig={cp['KUBECONFIG']}", f"--members-config={members_yaml}"])


def explained(cp, members_yaml, *args):
    """explain's stdout, which it must have printed with exit code 0."""
    r = explain(cp, members_yaml, "default/sample-app", *args)
    assert r.returncode == 0, r.stderr
    return r


def assert_contains(out, *parts):
    for part in parts:
        assert part in out, f"{part!r} not in:\n{out}"


def shown(cp, members_yaml, note, *expected):
    """explain's text, printed (the transcript) and checked for each of `expected`."""
    r = explained(cp, members_yaml)
    print(f"\n$ fedmetrics-adapter explain default/sample-app ...{note}\n" + r.stdout)
    assert_contains(r.stdout, *expected)
    return r


def rescale_messages(cp):
    events = ok(kubectl(cp, "get", "events", "-n", "default", "--field-selector",
                        "involvedObject.kind=FederatedHPA,reason=SuccessfulRescale", "-o", "json"))
    return [e["message"] for e in json.loads(events)["items"]]


def conditions(status):
    return {c["type"]: (c["status"], c["reason"]) for c in status.get("conditions", [])}


def test_explain_predicts_the_loop_and_replays_in_simulate(federation, tmp_path):
    cp, scheduler = federation["cp"], federation["scheduler"]
    members_yaml = tmp_path / "members.yaml"
    ok(kubectl(cp, "apply", "-f", "-", input_text=fhpa(POLICY)))
    scheduler.load = 5600  # 5.6 req/s on one pod, target 0.7 per pod: 8 replicas, +2 pods per 60 s allows 3
    assert wait_for(lambda: federation["members"][0].load_milli == 5600, 5)
    before = get_fhpa(cp)

    text = shown(cp, members_yaml, "",
                 "SCALE 1 -> 3: pods metric http_requests above target (limited: ScaleUpLimit)",
                 "member1: 1 sample, average 5600m (sample-app-member1-0 5600m)",
                 "member2: 0 desired, 0 running, 0 pods listed",
                 "proposes 8 replicas",
                 "+2 pods per 60s allows up to 3",
                 "Limited by: the scale-up policies (ScaleUpLimit) -> 3 replicas")
    assert text.stderr == "", text.stderr  # no info lines without -v

    both = json.loads(explained(cp, members_yaml, "-o", "json").stdout)
    decision = both["decision"]
    assert decision["desiredReplicas"] == 3 and decision["limitReason"] == "ScaleUpLimit", decision
    replay = run([ADAPTER, "simulate", "--scenario", "-"], input_text=json.dumps(both["scenario"]))
    assert replay.returncode == 0, replay.stderr
    assert json.loads(replay.stdout) == decision

    # Read-only: no scale, no status, no history annotation, not even a resourceVersion bump.
    after = get_fhpa(cp)
    assert template_replicas(cp) == 1
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert "status" not in after or not after["status"].get("conditions"), after

    with federation["adapter"]() as adapter:
        assert wait_for(lambda: template_replicas(cp) == 3, 15), adapter.log()[-3000:]
        status = wait_for(lambda: (s := get_fhpa(cp).get("status", {})).get("desiredReplicas") == 3 and s, 10)
        assert status, get_fhpa(cp)
        # The loop's next evaluations may already have moved AbleToScale on; these two it keeps.
        got, want = conditions(status), conditions(decision["status"])
        assert [got["ScalingActive"], got["ScalingLimited"]] == [want["ScalingActive"], want["ScalingLimited"]], \
            (status, decision["status"])
        predicted = [e["message"] for e in decision["events"] if e["reason"] == "SuccessfulRescale"]
        assert predicted == ["New size: 3; reason: pods metric http_requests above target"], decision["events"]
        assert wait_for(lambda: predicted[0] in rescale_messages(cp), 10), rescale_messages(cp)
        time.sleep(2)  # two more periods: the loop holds 3 (the policy period is 60 s)
        assert template_replicas(cp) == 3

        shown(cp, members_yaml, "   (after the loop's scale-up)",
              "NO CHANGE (stays at 3 replicas): the metrics propose ",
              ", but the scale-up policies allow no change now",
              "earlier scale up by 2 at ",
              "as the loop last stored it")
        again = json.loads(explained(cp, members_yaml, "-o", "json").stdout)
        replay = run([ADAPTER, "simulate", "--scenario", "-"], input_text=json.dumps(again["scenario"]))
        assert json.loads(replay.stdout) == again["decision"]
        assert again["decision"]["desiredReplicas"] == 3 and not again["decision"]["rescale"], again["decision"]


def test_explain_errors_and_the_kubectl_plugin(federation, tmp_path):
    cp = federation["cp"]
    members_yaml = tmp_path / "members.yaml"
    ok(kubectl(cp, "apply", "-f", "-", input_text=fhpa(POLICY)))

    missing = explain(cp, members_yaml, "default/nope")
    assert missing.returncode == 1, missing
    assert "FederatedHPA not found" in missing.stderr and "default/nope" in missing.stderr, missing.stderr
    print("\n$ fedmetrics-adapter explain default/nope ...   (exit 1)\n" + missing.stderr)
    for bad in (["default/"], ["a/b/c"], [], ["default/sample-app", "-o", "yaml"]):
        r = explain(cp, members_yaml, *bad)
        assert r.returncode == 2, (bad, r)
        assert "Usage: fedmetrics-adapter explain NAMESPACE/NAME" in r.stderr, (bad, r.stderr)

    # kubectl's plugin mechanism: an executable named kubectl-fedmetrics on PATH; the kubeconfig as kubectl
    # passes it on (KUBECONFIG), members from the loop's own --members-config.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(ADAPTER, bin_dir / "kubectl-fedmetrics")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBECONFIG": cp["KUBECONFIG"]}
    kubectl_bin = cp.get("KUBECTL_BIN") or cp.get("FEDMETRICS_KUBECTL_BIN")
    plugins = run([kubectl_bin, "plugin", "list"], env=env)
    assert str(bin_dir / "kubectl-fedmetrics") in plugins.stdout, plugins
    r = run([kubectl_bin, "fedmetrics", "explain", "sample-app", "-n", "default", f"--members-config={members_yaml}"],
            env=env)
    assert r.returncode == 0, r.stderr
    assert "FederatedHPA default/sample-app at " in r.stdout and "Limited by:" in r.stdout, r.stdout
    print("$ kubectl fedmetrics explain sample-app -n default --members-config=...\n" + r.stdout)
    usage = run([kubectl_bin, "fedmetrics"], env=env)
    assert usage.returncode == 2 and "kubectl fedmetrics explain NAMESPACE/NAME" in usage.stderr, usage
    bad = run([kubectl_bin, "fedmetrics", "explain", "x/y/z"], env=env)
    assert bad.returncode == 2 and "Usage: kubectl fedmetrics explain NAMESPACE/NAME" in bad.stderr, bad
