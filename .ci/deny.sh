#!/usr/bin/env bash
# `cargo deny check` (licences, bans, sources, advisories; policy in deny.toml) without network: the RustSec
# advisory database comes from .ci/advisory-db.tar.gz (refresh it with .ci/advisory-db-refresh.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

commit=$(awk '$1 == "commit" {print $2}' .ci/advisory-db.txt)
date=$(awk '$1 == "date" {print $2}' .ci/advisory-db.txt)
# cargo-deny keeps each database in db-path (deny.toml) under a name derived from its URL (the default
# RustSec database's name and hash). It opens it as a git repository and takes the database's age from its
# last commit, so the snapshot becomes a one-commit repository dated as the upstream commit.
db=target/advisory-dbs/advisory-db-3157b0e258782691
if [ "$(cat "$db/.git/exportctl-snapshot" 2>/dev/null)" != "$commit" ]; then
  rm -rf "$db"
  mkdir -p "$db"
  tar -xzf .ci/advisory-db.tar.gz -C "$db"
  git -C "$db" init -q
  git -C "$db" add -A
  GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" git -C "$db" \
    -c user.name=exportctl-ci -c user.email=ci@localhost -c commit.gpgsign=false \
    commit -q -m "rustsec/advisory-db $commit"
  echo "$commit" > "$db/.git/exportctl-snapshot"
fi
age_days=$(( ($(date +%s) - $(date -d "$date" +%s)) / 86400 ))
echo "advisory database: rustsec/advisory-db $commit of $date ($age_days days old)"
if [ "$age_days" -gt 90 ]; then
  echo "warning: the vendored advisory database is more than 90 days old; refresh it (.ci/advisory-db-refresh.sh)"
fi

# The crates themselves from crates.io (a no-op once downloaded): cargo-deny reads their manifests offline.
cargo fetch --locked
# --offline: no fetch of the database (vendored) or of anything else; --locked: Cargo.lock as committed.
cargo deny --offline --locked check
