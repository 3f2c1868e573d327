"""docs/metrics.md's table and the Prometheus text format, for the tests that hold one against the other
(test_metrics_doc.py against a live /metrics, tests/e2e/test_operations.py against the federation's
Prometheus)."""
import os
import re

ROW = re.compile(r'^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|([^|]*)\|\s*([a-z-]+)\s*\|(.+)\|$')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def documented(source_dir):
    """{family: {"type", "labels" (set), "when", "meaning"}} from docs/metrics.md."""
    out = {}
    with open(os.path.join(source_dir, "docs", "metrics.md")) as f:
        for line in f:
            m = ROW.match(line.rstrip("\n"))
            if m:
                labels = set(re.findall(r'`([a-zA-Z_][a-zA-Z0-9_]*)`', m.group(3)))
                assert m.group(1) not in out, "listed twice: " + m.group(1)
                out[m.group(1)] = {"type": m.group(2), "labels": labels, "when": m.group(4), "meaning": m.group(5)}
    return out


def exposed(text):
    """{family: {"type", "labels" (set of label names over all samples, without le/quantile), "samples"}}
    from Prometheus text format."""
    out = {}
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            out.setdefault(name, {"type": kind, "labels": set(), "samples": 0})
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name = m.group(1)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) in ("histogram", "summary"):
                family = name[:-len(suffix)]
        assert family in types, "sample before its # TYPE line: %r" % line
        entry = out[family]
        entry["samples"] += 1
        entry["labels"] |= {k for k, _ in LABEL.findall(m.group(2) or "")} - {"le", "quantile"}
    return out


def mismatches(doc, live, required_when):
    """Problems between the documented and the exposed families: undocumented families, wrong types or
    labels, and documented families whose `when` is in required_when but that were not exposed."""
    problems = []
    for name, e in sorted(live.items()):
        d = doc.get(name)
        if d is None:
            problems.append("exposed but not in docs/metrics.md: %s %s %s" % (name, e["type"], sorted(e["labels"])))
            continue
        if d["type"] != e["type"]:
            problems.append("%s: documented as %s, exposed as %s" % (name, d["type"], e["type"]))
        if e["samples"] and d["labels"] != e["labels"]:
            problems.append("%s: documented labels %s, exposed %s" % (name, sorted(d["labels"]), sorted(e["labels"])))
    for name, d in sorted(doc.items()):
        if d["when"] in required_when and not live.get(name, {}).get("samples"):
            problems.append("documented (when %s) but not exposed: %s" % (d["when"], name))
    return problems
