"""Sends every body of a JSON-lines file once, in order, to a POST URL (so that each answer is
composed once and cached before a load test): python3 warm.py URL KEY bodies.jsonl"""
import json
import sys
import time
import urllib.request

url, key, path = sys.argv[1:4]
times, hits = [], 0
with open(path, encoding="utf-8") as f:
    for line in f:
        req = urllib.request.Request(url, data=line.strip().encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as r:
            json.loads(r.read())
            hits += r.headers.get("x-fretwise-cache") == "hit"
        times.append(time.perf_counter() - t)
times.sort()
print(f"{len(times)} bodies once ({hits} already cached): composing p50 "
      f"{1000 * times[len(times) // 2]:.1f} ms, p99 {1000 * times[int(len(times) * 0.99)]:.1f} ms, "
      f"max {1000 * times[-1]:.1f} ms")
