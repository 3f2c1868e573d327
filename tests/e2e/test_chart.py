"""The Helm chart (charts/fedmetrics-adapter, issue #14 item 2) with the real Helm (scripts/peers/build.sh helm):
helm lint, what helm template renders for each switch, manifests/ current with the chart, and both releases
(target=host, target=karmada) installed, upgraded and uninstalled on a real kube-apiserver. That the rendered
Deployment really serves is proven by scripts/local-up, which runs it (tests/e2e/test_walkthrough.py).
"""
import base64
import json
import os
import subprocess
import sys

import pytest
import yaml

sys.path.insert(0, os.path.dirname(__file__))
from conftest import kubectl  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

CHART = os.path.join(harness.SOURCE_DIR, "charts", "fedmetrics-adapter")


def helm_bin():
    out = subprocess.run(["bash", "-c", ". scripts/lib/peers.sh && fedmetrics_peer_bin helm"], cwd=harness.SOURCE_DIR,
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail("helm is not built: scripts/peers/build.sh helm (scripts/test.sh e2e builds it)")
    return out.stdout.strip()


HELM = helm_bin()


def helm(*args, kubeconfig=None, home=None):
    env = dict(os.environ)
    if home:  # keep Helm's cache and config out of $HOME
        env.update(HELM_CACHE_HOME=f"{home}/cache", HELM_CONFIG_HOME=f"{home}/config", HELM_DATA_HOME=f"{home}/data")
    if kubeconfig:
        env["KUBECONFIG"] = kubeconfig
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("chart")
    certs = harness.gen_certs(d / "certs")
    kubeconfig = harness.write_kubeconfig(d / "karmada.config", 6443, certs)
    return {"certs": certs, "kubeconfig": kubeconfig, "dir": d}


def host_args(files):
    c = files["certs"]
    return ["--set-file", f"karmada.kubeconfig={files['kubeconfig']}", "--set-file", f"tls.cert={c}/server.crt",
            "--set-file", f"tls.key={c}/server.key", "--set-file", f"tls.ca={c}/ca.crt"]


def render(*args):
    out = helm("template", "fedmetrics-adapter", CHART, "--namespace", "karmada-system", *args)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def container_args(docs):
    return by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["args"]


def test_helm_lint_passes_for_both_targets(files):
    for values in ("ci/host-values.yaml", "ci/karmada-values.yaml"):
        out = helm("lint", "--strict", CHART, "-f", os.path.join(CHART, values))
        assert out.returncode == 0, out.stdout + out.stderr
    out = helm("lint", "--strict", CHART, *host_args(files))
    assert out.returncode == 0, out.stdout + out.stderr


def test_manifests_are_what_the_chart_renders():
    out = subprocess.run([os.path.join(harness.SOURCE_DIR, "scripts", "gen-manifests"), "--check"],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ, FEDMETRICS_HELM_BIN=HELM))
    assert out.returncode == 0, out.stderr[-3000:]


def test_host_target_renders_the_adapter(files):
    docs = render(*host_args(files))
    assert sorted(d["kind"] for d in docs) == ["Deployment", "PodDisruptionBudget", "Secret", "Secret", "Service"]
    deploy = by_kind(docs, "Deployment")[0]
    assert deploy["spec"]["replicas"] == 2
    pod = deploy["spec"]["template"]["spec"]
    assert pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert pod["securityContext"]["runAsUser"] == 65532 and pod["automountServiceAccountToken"] is False
    c = pod["containers"][0]
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "https", "scheme": "HTTPS"}
    assert c["resources"]["requests"] == {"cpu": "100m", "memory": "64Mi"}
    args = c["args"]
    for flag in ("--members=karmada", "--kubeconfig=/etc/fedmetrics/karmada/karmada.config",
                 "--authentication-kubeconfig=/etc/fedmetrics/karmada/karmada.config",
                 "--authorization-kubeconfig=/etc/fedmetrics/karmada/karmada.config",
                 "--metrics-bind-address=$(POD_IP):8080", "--enable-federatedhpa-controller=false"):
        assert flag in args, (flag, args)
    assert not any(a.startswith("--leader-elect") for a in args)
    secrets = {s["metadata"]["name"]: s for s in by_kind(docs, "Secret")}
    kubeconfig = base64.b64decode(secrets["fedmetrics-adapter-karmada-kubeconfig"]["data"]["karmada.config"]).decode()
    assert kubeconfig == open(files["kubeconfig"]).read()
    assert secrets["fedmetrics-adapter-serving-cert"]["type"] == "kubernetes.io/tls"
    # Every Secret a volume mounts is rendered (or named by existingSecret).
    volumes = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    assert volumes == set(secrets)


def test_the_embedded_loop_turns_leader_election_on(files):
    args = container_args(render(*host_args(files), "--set", "federatedHPAController.enabled=true",
                                 "--set", "federatedHPAController.syncPeriod=5s"))
    for flag in ("--enable-federatedhpa-controller=true", "--leader-elect", "--horizontal-pod-autoscaler-sync-period=5s",
                 "--leader-elect-resource-namespace=karmada-system"):
        assert flag in args, (flag, args)


def test_switches(files):
    docs = render(*host_args(files), "--set", "serviceMonitor.enabled=true", "--set", "podDisruptionBudget.enabled=false",
                  "--set", "antiAffinity=required", "--set", "audit.enabled=true", "--set-file",
                  f"tls.clientCA={files['certs']}/client-ca.crt", "--set", "extraArgs={--v=4}")
    assert by_kind(docs, "ServiceMonitor")[0]["spec"]["endpoints"][0]["port"] == "metrics"
    assert not by_kind(docs, "PodDisruptionBudget")
    pod = by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    assert pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    args = pod["containers"][0]["args"]
    assert "--audit-log-path=-" in args and args[-1] == "--v=4"
    assert "--client-ca-file=/etc/fedmetrics/client-ca/ca.crt" in args
    assert by_kind(docs, "ConfigMap")[0]["data"]["ca.crt"] == open(f"{files['certs']}/client-ca.crt").read()
    assert not any(a.startswith("--audit-policy-file") for a in args)  # no policy: every request at Metadata
    # An audit Policy: rendered into a ConfigMap, mounted, and passed to the flag; the adapter must accept it.
    policy = os.path.join(harness.SOURCE_DIR, "manifests", "audit-policy.example.yaml")
    docs = render(*host_args(files), "--set", "audit.enabled=true", "--values", policy_values(policy, files))
    pod = by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    assert "--audit-policy-file=/etc/fedmetrics/audit/policy.yaml" in pod["containers"][0]["args"]
    assert {"name": "audit-policy", "mountPath": "/etc/fedmetrics/audit", "readOnly": True} in \
        pod["containers"][0]["volumeMounts"]
    rendered = [c for c in by_kind(docs, "ConfigMap") if c["metadata"]["name"].endswith("-audit-policy")]
    # The same Policy the audit e2e test (test_audit.py) runs the adapter with.
    assert yaml.safe_load(rendered[0]["data"]["policy.yaml"]) == yaml.safe_load(open(policy))
    # Existing Secrets instead of rendered ones.
    docs = render("--set", "karmada.existingSecret=k", "--set", "tls.existingSecret=t")
    assert not by_kind(docs, "Secret")
    names = [v["secret"]["secretName"] for v in by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"]]
    assert names == ["t", "k"]


def policy_values(policy_file, files):
    """A values file that sets audit.policy to the Policy in `policy_file`."""
    path = os.path.join(files["dir"], "audit-values.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"audit": {"policy": yaml.safe_load(open(policy_file))}}, f)
    return path


def test_karmada_target_renders_apiservices_with_the_ca_bundle(files):
    docs = render("--set", "target=karmada", "--set-file", f"tls.ca={files['certs']}/ca.crt")
    apiservices = {a["metadata"]["name"]: a["spec"] for a in by_kind(docs, "APIService")}
    assert sorted(apiservices) == ["v1beta1.custom.metrics.k8s.io", "v1beta1.external.metrics.k8s.io",
                                   "v1beta1.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"]
    assert (apiservices["v1beta1.metrics.k8s.io"]["groupPriorityMinimum"],
            apiservices["v1beta1.metrics.k8s.io"]["versionPriority"]) == (2000, 10)  # Karmada's
    ca = base64.b64encode(open(f"{files['certs']}/ca.crt", "rb").read()).decode()
    for spec in apiservices.values():
        assert spec["caBundle"] == ca and "insecureSkipTLSVerify" not in spec
        assert spec["service"] == {"name": "fedmetrics-adapter", "namespace": "karmada-system", "port": 443}
    service = by_kind(docs, "Service")[0]
    assert service["spec"] == {"type": "ExternalName", "externalName": "fedmetrics-adapter.karmada-system.svc.cluster.local"}
    assert not by_kind(docs, "Deployment") and not by_kind(docs, "Secret")
    rules = by_kind(docs, "ClusterRole")[0]["rules"]
    granted = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    for needed in (("cluster.karmada.io", "clusters"), ("autoscaling.karmada.io", "federatedhpas"),
                   ("autoscaling.karmada.io", "cronfederatedhpas"), ("apps", "deployments/scale"), ("", "events")):
        assert needed in granted, needed
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in by_kind(docs, "Role")}
    assert ("karmada-cluster", "fedmetrics-adapter-cluster-secrets") in roles
    assert ("karmada-system", "fedmetrics-adapter-leader-election") in roles
    bindings = {b["roleRef"]["name"] for b in by_kind(docs, "ClusterRoleBinding")}
    assert "system:auth-delegator" in bindings
    assert any(b["roleRef"]["name"] == "extension-apiserver-authentication-reader" for b in by_kind(docs, "RoleBinding"))
    assert all("annotations" not in a["metadata"] for a in by_kind(docs, "APIService"))
    kept = render("--set", "target=karmada", "--set-file", f"tls.ca={files['certs']}/ca.crt",
                  "--set", "apiServices.keepOnUninstall=true")
    assert all(a["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"} for a in by_kind(kept, "APIService"))
    # The resource metrics APIService is behind a value (false: it stays with karmada-metrics-adapter).
    docs = render("--set", "target=karmada", "--set-file", f"tls.ca={files['certs']}/ca.crt",
                  "--set", "apiServices.resourceMetrics=false")
    assert "v1beta1.metrics.k8s.io" not in {a["metadata"]["name"] for a in by_kind(docs, "APIService")}


def test_member_target_renders_read_only_rbac():
    docs = render("-f", os.path.join(CHART, "ci", "member-values.yaml"))
    assert sorted(d["kind"] for d in docs) == ["ClusterRole", "ClusterRoleBinding"]
    verbs = {v for rule in docs[0]["rules"] for v in rule["verbs"]} if docs[0]["kind"] == "ClusterRole" else set()
    assert verbs and verbs <= {"get", "list", "watch"}, verbs


@pytest.mark.parametrize("args,needle", [
    ([], "karmada.kubeconfig"),
    (["--set", "karmada.existingSecret=k"], "tls.cert"),
    (["--set", "target=karmada"], "tls.ca"),
    (["--set", "target=somewhere"], "target"),
    (["--set", "target=member"], "memberRBAC.subjects"),
    (["--set", "karmada.existingSecret=k", "--set", "tls.existingSecret=t", "--set", "serviceMonitor.enabled=true",
      "--set", "ports.metrics=0"], "ports.metrics"),
])
def test_missing_or_wrong_values_fail_with_a_clear_message(args, needle):
    out = helm("template", "x", CHART, *args)
    assert out.returncode != 0 and needle in out.stderr, out.stderr


def test_both_releases_install_upgrade_and_uninstall_on_a_real_apiserver(control_plane, files):
    home = files["dir"] / "helm"
    kc = control_plane["KUBECONFIG"]
    for ns in ("karmada-cluster",):
        created = kubectl(control_plane, "create", "namespace", ns)
        assert created.returncode == 0 or "AlreadyExists" in created.stderr, created.stderr
    out = helm("install", "fedmetrics-adapter-karmada", CHART, "-n", "karmada-system", "--create-namespace",
               "--set", "target=karmada", "--set-file", f"tls.ca={files['certs']}/ca.crt", kubeconfig=kc, home=home)
    assert out.returncode == 0, out.stderr
    # One apiserver stands for both clusters here: the host release goes to another namespace (in a real
    # installation both use karmada-system, on different clusters).
    out = helm("install", "fedmetrics-adapter", CHART, "-n", "host", "--create-namespace", *host_args(files),
               kubeconfig=kc, home=home)
    assert out.returncode == 0, out.stderr
    got = json.loads(kubectl(control_plane, "get", "apiservice", "v1beta2.custom.metrics.k8s.io", "-o", "json").stdout)
    assert got["spec"]["caBundle"] == base64.b64encode(open(f"{files['certs']}/ca.crt", "rb").read()).decode()
    deploy = json.loads(kubectl(control_plane, "-n", "host", "get", "deploy", "fedmetrics-adapter", "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 2
    # Upgrade: a new value reaches the object.
    out = helm("upgrade", "fedmetrics-adapter", CHART, "-n", "host", *host_args(files), "--set", "replicas=3",
               kubeconfig=kc, home=home)
    assert out.returncode == 0, out.stderr
    deploy = json.loads(kubectl(control_plane, "-n", "host", "get", "deploy", "fedmetrics-adapter", "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 3
    # Uninstall removes what each release created.
    for release, ns in (("fedmetrics-adapter", "host"), ("fedmetrics-adapter-karmada", "karmada-system")):
        out = helm("uninstall", release, "-n", ns, "--wait", kubeconfig=kc, home=home)
        assert out.returncode == 0, out.stderr
    assert "NotFound" in kubectl(control_plane, "get", "apiservice", "v1beta2.custom.metrics.k8s.io").stderr
    assert "NotFound" in kubectl(control_plane, "-n", "host", "get", "deploy", "fedmetrics-adapter").stderr
    assert "NotFound" in kubectl(control_plane, "get", "clusterrole", "fedmetrics-adapter").stderr
