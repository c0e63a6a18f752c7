"""Prints one line from an oha JSON report: throughput, latency percentiles, statuses, errors."""
import json
import sys

r = json.load(open(sys.argv[1], encoding="utf-8"))
s = r.get("summary", {})
p = r.get("latencyPercentiles", {})
ms = lambda k: f"{1000 * p[k]:.1f}" if p.get(k) is not None else "-"
print(
    f"{s.get('requestsPerSec', 0):.0f} req/s, success {100 * s.get('successRate', 0):.2f} %, "
    f"p50 {ms('p50')} ms, p90 {ms('p90')} ms, p99 {ms('p99')} ms, p99.9 {ms('p99.9')} ms, "
    f"max {1000 * (s.get('slowest') or 0):.1f} ms; "
    f"statuses {r.get('statusCodeDistribution', {})}; errors {r.get('errorDistribution', {})}"
)
