#!/usr/bin/env bash
# Speed: criterion benchmarks, index build / memory / latency mix, and `exportctl screen` over 100,000 queries.
# usage (from the repository root, after bench/screening/quality.sh wrote OUT_DIR/cases.jsonl):
#   bash bench/screening/speed.sh [OUT_DIR]
set -euo pipefail
out=${1:-target/screening-quality}
data=$(cd "$(dirname "$0")/../../../shared/data/sanctions" && pwd)
python3 bench/screening/make_queries.py "$out/cases.jsonl" 100000 "$out/q100k.jsonl"
cargo run --release -q -p screening --example stats
cargo bench -p screening --bench screen -- --noplot 2>&1 | grep -E "time:|^[a-z_]+/" || true
cargo build --release -q --bin exportctl
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/exportctl
/usr/bin/time -f "exportctl screen: %e s wall, %M KiB max RSS" "$bin" screen \
  --list "un-sc-xml:$data/un_sc/UN_consolidated.xml" \
  --list "ofac-csv:$data/us_ofac_sdn_2021-07" --list "ofac-csv:$data/us_ofac_non_sdn_2025-12" \
  --list "ofac-enhanced-xml:$data/us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP" \
  --list "us-csl-csv:$data/us_trade_csl/consolidated.csv.gz" --list "bis-dpl:$data/us_bis_dpl_2023-11/dpl.txt" \
  --input "$out/q100k.jsonl" >/dev/null
