#!/usr/bin/env python3
"""Run the nomenklatura logic-v2 matcher on the cases written by `cargo run --example quality` and print both
systems' recall / false-positive rate / F1 side by side (Markdown).

usage: nomenklatura_eval.py OUT_DIR [--threshold 0.7] [--our-threshold 0.8]

Peer protocol (stated in BENCHMARKS.md):
- positive cases: logic-v2 compares the query entity with the *expected* list entity only (no retrieval step,
  so it cannot miss through retrieval); a hit is score >= threshold (0.7, yente's default cut-off).
- negative cases: candidates come from a token-overlap blocking (entries sharing a name token of >= 3 letters,
  best 20 by summed IDF); a false positive is any candidate scoring >= threshold.
Ours is reported twice: the full system (index retrieval over all lists, default threshold), and pairwise against
the expected entry (like the peer's positives).
"""
import json
import math
import sys
import time
import unicodedata
from collections import defaultdict

from followthemoney import model
from nomenklatura.matching import LogicV2
from nomenklatura.matching.types import ScoringConfig

SCHEMA = {"person": "Person", "organization": "Organization", "vessel": "Vessel", "aircraft": "Airplane"}


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c if c.isalnum() else " " for c in s if not unicodedata.combining(c))


def make(eid, schema, names, low=None, dates=(), countries=()):
    e = model.make_entity(schema)
    e.id = eid
    for i, n in enumerate(names):
        if i == 0:
            e.add("name", n)
        elif low and low[i]:
            e.add("weakAlias", n)
        else:
            e.add("alias", n)
    if schema == "Person":
        for d in dates:
            e.add("birthDate", d, quiet=True)
    for c in countries:
        e.add("country", c.lower(), quiet=True)
    return e


def main():
    out = sys.argv[1]
    thr = 0.7
    ours_thr = 0.8
    args = sys.argv[2:]
    if "--threshold" in args:
        thr = float(args[args.index("--threshold") + 1])
    if "--our-threshold" in args:
        ours_thr = float(args[args.index("--our-threshold") + 1])
    cfg = ScoringConfig.defaults()
    entities = {}
    postings = defaultdict(list)
    for line in open(f"{out}/entries.jsonl"):
        r = json.loads(line)
        key = (r["list"], r["source_id"])
        schema = SCHEMA.get(r["kind"], "LegalEntity")
        ent = make(f"{r['list']}|{r['source_id']}", schema, r["names"], r["low"], r["birth_dates"], r["countries"])
        entities[key] = ent
        toks = set()
        for n in r["names"]:
            toks.update(t for t in fold(n).split() if len(t) >= 3)
        for t in toks:
            postings[t].append(key)
    n_ent = len(entities)
    idf = {t: math.log(n_ent / len(p)) for t, p in postings.items()}
    cases = [json.loads(l) for l in open(f"{out}/cases.jsonl")]
    ours = [json.loads(l) for l in open(f"{out}/ours.jsonl")]
    # The peer's per-case outcomes are cached in OUT_DIR/nk.jsonl (keyed by the case line) so that re-running
    # after a change on our side does not redo the slow part; delete the file to measure the peer again.
    cache = {}
    try:
        for l in open(f"{out}/nk.jsonl"):
            r = json.loads(l)
            cache[r["case"]] = r
    except FileNotFoundError:
        pass
    nk_out = open(f"{out}/nk.jsonl", "a")
    rows = []
    compares = 0
    t_pos = t_neg = 0.0
    n_neg = n_pos_timed = 0
    for i, (c, o) in enumerate(zip(cases, ours)):
        ckey = json.dumps(c, sort_keys=True, ensure_ascii=False)
        if ckey in cache:
            nk_hit, nk_any = cache[ckey]["hit"], cache[ckey]["any"]
        else:
            schema = SCHEMA.get(c.get("kind") or "", "LegalEntity")
            q = make(f"q{i}", schema, [c["query"]])
            if c["expected"]:
                key = (c["expected"]["list"], c["expected"]["source_id"])
                t0 = time.perf_counter()
                s = LogicV2.compare(q, entities[key], cfg).score if key in entities else 0.0
                t_pos += time.perf_counter() - t0
                n_pos_timed += 1
                compares += 1
                nk_hit = s >= thr
                nk_any = nk_hit
            else:
                t0 = time.perf_counter()
                score = defaultdict(float)
                for t in set(fold(c["query"]).split()):
                    if len(t) >= 3 and t in postings and len(postings[t]) < 5000:
                        for k in postings[t]:
                            score[k] += idf[t]
                cands = sorted(score, key=score.get, reverse=True)[:20]
                best = 0.0
                for k in cands:
                    best = max(best, LogicV2.compare(q, entities[k], cfg).score)
                    compares += 1
                t_neg += time.perf_counter() - t0
                n_neg += 1
                nk_hit = False
                nk_any = best >= thr
            nk_out.write(json.dumps({"case": ckey, "hit": nk_hit, "any": nk_any}, ensure_ascii=False) + "\n")
        rows.append(
            {
                "type": c["type"],
                "list": c["expected"]["list"] if c["expected"] else "(none)",
                "kind": c.get("kind") or "other",
                "pos": bool(c["expected"]),
                "ours_hit": o.get("hit", False),
                "ours_any": o.get("any", False),
                "ours_pair": (o.get("pair_score") or 0.0) >= ours_thr,
                "nk_hit": nk_hit,
                "nk_any": nk_any,
            }
        )
    nk_out.close()

    def metrics(rs, sys_hit, sys_any):
        pos = [r for r in rs if r["pos"]]
        neg = [r for r in rs if not r["pos"]]
        tp = sum(r[sys_hit] for r in pos)
        fp = sum(r[sys_any] for r in neg)
        rec = tp / len(pos) if pos else float("nan")
        fpr = fp / len(neg) if neg else float("nan")
        prec = tp / (tp + fp) if tp + fp else float("nan")
        f1 = 2 * prec * rec / (prec + rec) if pos and tp else 0.0
        return rec, fpr, f1, len(pos), len(neg)

    def fmt(x):
        return "—" if x != x else f"{x:.3f}"

    negs = [r for r in rows if not r["pos"]]

    def table(title, keyf):
        print(f"\n#### {title}\n")
        print("| group | positives | ours recall | ours recall (pairwise) | logic-v2 recall (pairwise) | ours FP rate | logic-v2 FP rate | ours F1 | logic-v2 F1 |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        groups = defaultdict(list)
        for r in rows:
            if r["pos"]:
                groups[keyf(r)].append(r)
        for g in sorted(groups):
            rs = groups[g]
            # negatives are shared across list groups; per kind they are split by kind
            neg = [r for r in negs if keyf.__name__ != "by_kind" or r["kind"] == g]
            o = metrics(rs + neg, "ours_hit", "ours_any")
            op = metrics(rs, "ours_pair", "ours_any")
            n = metrics(rs + neg, "nk_hit", "nk_any")
            print(f"| {g} | {o[3]} | {fmt(o[0])} | {fmt(op[0])} | {fmt(n[0])} | {fmt(o[1])} | {fmt(n[1])} | {fmt(o[2])} | {fmt(n[2])} |")
        o = metrics(rows, "ours_hit", "ours_any")
        op = metrics(rows, "ours_pair", "ours_any")
        n = metrics(rows, "nk_hit", "nk_any")
        print(f"| **all** | {o[3]} | {fmt(o[0])} | {fmt(op[0])} | {fmt(n[0])} | {fmt(o[1])} | {fmt(n[1])} | {fmt(o[2])} | {fmt(n[2])} |")

    def by_type(r):
        return r["type"]

    def by_list(r):
        return r["list"]

    def by_kind(r):
        return r["kind"]

    print(f"cases: {len(rows)} ({len(rows) - len(negs)} positive, {len(negs)} negative); entries: {n_ent}; "
          f"ours threshold {ours_thr}, logic-v2 threshold {thr}")
    table("By case type", by_type)
    table("By list", by_list)
    table("By kind", by_kind)
    if compares:
        print(f"\nlogic-v2 timing (this run): {compares} comparisons; positives {t_pos / max(1, n_pos_timed) * 1e6:.0f} us "
              f"per pairwise comparison; negatives {t_neg / max(1, n_neg) * 1e3:.2f} ms per query (blocking + up to 20 "
              f"comparisons)")
    else:
        print("\nlogic-v2 outcomes reused from nk.jsonl (no timing in this run)")


if __name__ == "__main__":
    main()
