#!/usr/bin/env python3
"""Latency vs number of members, both adapters and the floor: scripts/bench scenario (e) -> PNG.

usage: plot.py SCALING_TSV OUT_PNG TITLE
SCALING_TSV lines: adapter members pods p50_ms p99_ms rps (tab-separated, header line first).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, out, title = sys.argv[1], sys.argv[2], sys.argv[3]
    series = {}
    with open(src) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            series.setdefault(row["adapter"], []).append(
                (int(row["members"]), float(row["p50_ms"]), float(row["p99_ms"])))
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    colors = {"fedmetrics": "tab:blue", "karmada-metrics-adapter": "tab:red", "floor": "tab:gray"}
    for name, pts in sorted(series.items()):
        pts.sort()
        xs = [p[0] for p in pts]
        c = colors.get(name)
        ax.plot(xs, [p[1] for p in pts], "o-", color=c, label=name + " p50")
        ax.plot(xs, [p[2] for p in pts], "s--", color=c, alpha=0.7, label=name + " p99")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("member clusters (simulated, same process)")
    ax.set_ylabel("latency of one metrics request (ms)")
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()
