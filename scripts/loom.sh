#!/usr/bin/env bash
# Model-checks the synchronisation protocols of src/sync with loom: the `loom_tests` modules of
# queue.rs (owner and thieves, ring growth, slot reuse, private mode), latch.rs (completions
# against the sleeping owner) and sleep.rs (idle workers against `notify_one`: no lost
# wake-up). `--cfg loom` swaps src/sync/shim.rs's std / parking_lot / once_cell types for
# loom's in the lib's test build only, into its own target directory (target/loom); the normal
# build is not affected. Release profile: loom runs each model many thousands of times.
#
# Usage: bash scripts/loom.sh [test-binary arguments: a test name filter (default sync::), or
#        options in --name=value form, e.g. --nocapture to see each model's count of executions]
# Environment: LOOM_MAX_PREEMPTIONS  bound on preemptions per execution (default 3, set in
#              src/sync/shim.rs; each step up multiplies the run time by about 5)
#              LOOM_LOG=1, LOOM_LOCATION=1, LOOM_CHECKPOINT_FILE=...  loom's own debugging aids
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Only the loom tests can run in this build (the others would use loom's types outside a model):
# filter on `sync::` unless the arguments name a filter of their own.
args=("$@")
filter=sync::
for a in "$@"; do
    if [[ $a != -* ]]; then
        filter=
    fi
done
args+=($filter)
start=$SECONDS
RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg loom" \
    cargo test --release --lib --target-dir target/loom -- --test-threads=2 "${args[@]}"
echo "==> loom: model checks passed in $((SECONDS - start)) s (build included)"
