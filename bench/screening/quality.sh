#!/usr/bin/env bash
# Quality evaluation: cases built from the shipped lists, our matcher and nomenklatura's logic-v2 on the same cases.
# usage (from the repository root): bash bench/screening/quality.sh [OUT_DIR] [ENTRIES_PER_LIST]
# needs: python3 with nomenklatura (pip install nomenklatura; set PYTHON=/path/to/venv/bin/python)
set -euo pipefail
out=${1:-target/screening-quality}; per=${2:-300}; py=${PYTHON:-python3}
cargo run --release -q -p screening --example quality -- "$out" "$per"
"$py" bench/screening/nomenklatura_eval.py "$out" | tee "$out/report.md"
