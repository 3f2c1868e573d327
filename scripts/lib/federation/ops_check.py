"""After a walkthrough on the local federation: runs every alert condition and every dashboard query of
manifests/monitoring against the operator's Prometheus (local-up's prometheus-ops, which scraped
fedmetrics-adapter every 2 s during the run) over the run's time range, and renders PNG snapshots of the key
panels with matplotlib.

    python3 scripts/lib/federation/ops_check.py DIR [--png OUTDIR] [--since UNIX_SECONDS]

Prints one JSON object: {"alerts": {name: series_count}, "panels": {"title | legend": series_count},
"missing": [...], "pngs": [...]}. Exit 0 even when something is missing (the test decides). Stdlib only,
except matplotlib for --png (Debian's python3-matplotlib).
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import monitoring  # noqa: E402

# The panels shown in docs/operations.md.
KEY_PANELS = ["API requests per second by route", "Member call latency p50 / p99",
              "FederatedHPA desired vs current replicas", "FederatedHPA decisions by reason (per 5 min)",
              "Members by state", "Partial answers (share of metric reads)"]


def env_of(directory):
    env = {}
    with open(os.path.join(directory, "env")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def query_range(prom, expr, start, end, step):
    url = prom + "/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step}s"})
    with urllib.request.urlopen(url, timeout=30) as r:
        doc = json.load(r)
    assert doc["status"] == "success", doc
    return doc["data"]["result"]


def with_data(result):
    """Series with at least one finite sample."""
    out = []
    for s in result:
        values = [(float(t), float(v)) for t, v in s["values"] if v not in ("NaN", "+Inf", "-Inf")]
        if values:
            out.append((s["metric"], values))
    return out


def legend(fmt, metric):
    text = fmt
    for k, v in metric.items():
        text = text.replace("{{" + k + "}}", v)
    # Route templates are long: keep what tells them apart.
    for long, short in (("/apis/custom.metrics.k8s.io/{version}/", "custom:"),
                        ("/apis/external.metrics.k8s.io/{version}/", "external:"),
                        ("namespaces/{namespace}/", "ns/")):
        text = text.replace(long, short)
    return text


def render(panel_title, queries, prom, start, end, step, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    drawn = 0
    for fmt, expr in queries:
        for metric, values in with_data(query_range(prom, expr, start, end, step)):
            xs = [t - start for t, _ in values]
            ax.plot(xs, [v for _, v in values], label=legend(fmt, metric)[:48], linewidth=1.4)
            drawn += 1
    ax.set_title(panel_title, fontsize=11)
    ax.set_xlabel("seconds since the walkthrough started")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return drawn


def main():
    args = sys.argv[1:]
    directory = args[0]
    png_dir = args[args.index("--png") + 1] if "--png" in args else None
    env = env_of(directory)
    prom = env["OPS_PROM_URL"]
    end = time.time()
    start = float(args[args.index("--since") + 1]) if "--since" in args else end - 900
    step = max(2, int((end - start) / 300))
    report = {"alerts": {}, "panels": {}, "missing": [], "pngs": [], "range_s": round(end - start)}
    for name, expr in monitoring.alert_rules(ROOT):
        n = len(with_data(query_range(prom, monitoring.alert_condition(expr), start, end, step)))
        report["alerts"][name] = n
        if n == 0:
            report["missing"].append("alert " + name + ": " + monitoring.alert_condition(expr))
    by_panel = {}
    for title, fmt, expr in monitoring.dashboard_queries(ROOT):
        n = len(with_data(query_range(prom, expr, start, end, step)))
        report["panels"][title + " | " + fmt] = n
        by_panel.setdefault(title, []).append((fmt, expr))
        if n == 0:
            report["missing"].append("panel " + title + " | " + fmt + ": " + expr)
    if png_dir:
        os.makedirs(png_dir, exist_ok=True)
        for title in KEY_PANELS:
            name = "ops-" + "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
            name = "-".join(p for p in name.split("-") if p) + ".png"
            path = os.path.join(png_dir, name)
            if render(title, by_panel[title], prom, start, end, step, path):
                report["pngs"].append(path)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
