#!/usr/bin/env python3
"""Write N JSON Lines screening queries cycled from a quality run's cases (list names, perturbed names and
non-listed names), with unique ids.  usage: make_queries.py CASES.jsonl N OUT.jsonl"""
import json
import sys

cases = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
with open(sys.argv[3], "w") as out:
    for i in range(n):
        c = cases[(i * 7919) % len(cases)]
        q = {"id": f"q{i}", "name": c["query"]}
        if c.get("kind"):
            q["kind"] = c["kind"]
        out.write(json.dumps(q, ensure_ascii=False) + "\n")
