#!/usr/bin/env bash
# Refreshes the vendored RustSec advisory database (.ci/advisory-db.tar.gz) that `cargo deny` reads in CI,
# from a git clone of the RustSec advisory database (rustsec/advisory-db; CI and the developers' machines cannot fetch it
# themselves). Usage: bash .ci/advisory-db-refresh.sh PATH_TO_ADVISORY_DB_CLONE
# Then run `bash .ci/deny.sh`, and commit the tarball and .ci/advisory-db.txt together.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: $0 PATH_TO_ADVISORY_DB_CLONE}
commit=$(git -C "$src" rev-parse HEAD)
date=$(git -C "$src" show -s --format=%cI HEAD)
# Only what cargo-deny reads (crates/) and the database's licence (CC0-1.0): about 0.5 MB packed.
git -C "$src" archive --format=tar HEAD crates LICENSE.txt LICENSES | gzip -9n > .ci/advisory-db.tar.gz
printf 'commit %s\ndate %s\n' "$commit" "$date" > .ci/advisory-db.txt
echo "vendored rustsec/advisory-db $commit ($date): $(du -h .ci/advisory-db.tar.gz | cut -f1)"
