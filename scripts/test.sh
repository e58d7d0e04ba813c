#!/usr/bin/env bash
# Runs torc's whole test suite: checks the build dependencies (scripts/deps.sh), then
# `cargo fmt --check` and `cargo clippy` (when those rustup components are installed), rustdoc
# with warnings as errors, the doc tests, the loom model checks of src/sync's protocols
# (scripts/loom.sh, into target/loom), the `serde` feature (into target/serde), the sanitizer runs (scripts/sanitize.sh: TSan and ASan
# with a nightly toolchain), and `cargo test --all-targets` (debug profile: unit tests,
# integration tests, and the benchmark runner's smoke test), all against OpenMPI (the default
# `mpicc`/`mpirun`); the Python package torcpy (scripts/python.sh: a virtual environment in
# target/venv, `pip install ./python`, pytest of python/tests), clippy on its crate, and a
# smoke subset of python/tests on the oldest Python torcpy supports (3.9, in
# target/venv-oldest; skipped with a message where there is none). Then the same library
# built against MPICH (`mpicc.mpich`) into
# target/mpich, and with it the unit tests, the C examples (tests/c_examples.rs) and extensions
# (tests/c_extensions.rs), the
# multi-node C tests (tests/multinode.rs) and the bad-input cases (tests/bad_input.rs) again,
# launched by MPICH's `mpiexec.mpich`. Every step runs even after a failure; the script exits
# non-zero when any step failed.
#
# The quick tier, `bash scripts/test.sh quick` (a few minutes once built, for the edit-test
# loop; CI runs the whole suite): the build dependencies, `cargo fmt --check`, `cargo clippy
# --all-targets -D warnings`, the unit tests (`cargo test --lib`), the layer check
# (tests/layers.rs), the documentation test (tests/docs.rs) and the C examples
# (tests/c_examples.rs) at 1 and 2 ranks: TORC_TEST_MAX_RANKS=2 drops the runs of more ranks
# from each test (tests/common), and the tests of only 3 or 4 ranks are skipped by name.
# OpenMPI only; as in the whole suite, every step runs and the script exits non-zero when any
# step failed.
#
# Usage: bash scripts/test.sh [extra cargo test arguments, e.g. a test name filter]
#        bash scripts/test.sh quick
# Environment: TORC_TEST_TIMEOUT  seconds allowed for `cargo test --all-targets` (default 4500)
#              TORC_TEST_MPICH_TIMEOUT  seconds allowed for the MPICH tests (default 900)
#              TORC_TEST_QUICK_TIMEOUT  seconds allowed for the quick tier's C examples
#                                       (default 600)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

failed=()
run_step() { # run_step NAME COMMAND...: run a step, remember it when it fails
    local name=$1
    shift
    step "$name: $*"
    local rc=0
    "$@" || rc=$?
    if [[ $rc -eq 0 ]]; then
        return 0
    fi
    echo "==> FAILED ($rc): $name"
    failed+=("$name")
    return 0
}

step "build dependencies: bash scripts/deps.sh"
if ! bash scripts/deps.sh; then
    echo "==> FAILED: build dependencies are missing (see above)"
    exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
    # OpenMPI refuses to start as root without these.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The format and clippy steps (with `full`, clippy of tools/trace's torc-trace too).
lint_steps() {
    if cargo fmt --version >/dev/null 2>&1; then
        run_step "format" cargo fmt --all -- --check
    else
        step "format: skipped (rustfmt is not installed: rustup component add rustfmt)"
    fi
    if cargo clippy --version >/dev/null 2>&1; then
        run_step "clippy" cargo clippy --all-targets -- -D warnings
        if [[ ${1:-} == full ]]; then
            run_step "clippy (torc-trace)" cargo clippy -p torc-trace --all-targets -- -D warnings
        fi
    else
        step "clippy: skipped (clippy is not installed: rustup component add clippy)"
    fi
}

if [[ ${1:-} == quick ]]; then
    if [[ $# -ne 1 ]]; then
        echo "scripts/test.sh: quick takes no further arguments"
        exit 2
    fi
    lint_steps
    # The C examples link target/debug/libtorc.so (see the build step of the whole suite).
    run_step "build libtorc.so" cargo build --lib
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    run_step "unit tests" bash -o pipefail -c 'cargo test --lib 2>&1 | tee -a "$0"' "$log"
    run_step "layers" bash -o pipefail -c 'cargo test --test layers 2>&1 | tee -a "$0"' "$log"
    run_step "docs" bash -o pipefail -c 'cargo test --test docs 2>&1 | tee -a "$0"' "$log"
    # Every test's runs of more than 2 ranks dropped; the tests with none left skipped.
    run_step "C examples at 1 and 2 ranks" env TORC_TEST_MAX_RANKS=2 bash -o pipefail -c \
        'timeout --kill-after=30 "$0" cargo test --test c_examples -- \
            --skip on_3_ranks --skip on_4_ranks 2>&1 | tee -a "$1"' \
        "${TORC_TEST_QUICK_TIMEOUT:-600}" "$log"
    passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
    failed_tests=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s += $1} END {print s + 0}')
    echo
    if [[ ${#failed[@]} -ne 0 ]]; then
        echo "==> scripts/test.sh quick: FAILED steps: ${failed[*]}"
        echo "tests: $passed passed, $failed_tests failed"
        exit 1
    fi
    echo "==> scripts/test.sh quick: all steps passed (the whole suite: bash scripts/test.sh)"
    echo "tests: $passed passed, $failed_tests failed"
    exit 0
fi

lint_steps full

# The C programs of the integration tests link target/debug/libtorc.so, which `cargo test` alone
# builds only under target/debug/deps: build the library target itself first.
run_step "build libtorc.so" cargo build --lib
# The trace tool (tools/trace): tests/trace.rs and the install test run target/debug/torc-trace.
run_step "build torc-trace" cargo build -p torc-trace
run_step "rustdoc" env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
run_step "doc tests" cargo test --doc
run_step "loom" bash scripts/loom.sh
# The `serde` feature (torc::api::Serde) in its own target directory: its codec's unit tests,
# and a job at 2 ranks x 2 workers moving serde values into tasks and back.
run_step "serde feature" bash -c 'cargo test --features serde --target-dir target/serde --lib api::codec \
    && cargo build --features serde --target-dir target/serde --example serde_values \
    && TORC_WORKERS=2 timeout --kill-after=10 120 mpirun --oversubscribe -np 2 target/serde/debug/examples/serde_values'
# ThreadSanitizer and AddressSanitizer builds of libtorc (target/tsan, target/asan) running the C
# examples at 1 and 2 ranks; prints that it skipped them when no nightly toolchain is installed.
run_step "sanitizers" bash scripts/sanitize.sh
# Last (with the MPICH pass below), so that the suites' own summaries close the output.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_step "tests" bash -o pipefail -c 'timeout --kill-after=30 "$0" cargo test --all-targets --no-fail-fast -- "${@:2}" 2>&1 | tee "$1"' \
    "${TORC_TEST_TIMEOUT:-4500}" "$log" "$@"
run_step "torc-trace tests" bash -o pipefail -c 'cargo test -p torc-trace 2>&1 | tee -a "$0"' "$log"

# torcpy, the Python package: a virtual environment (target/venv) with maturin, pytest, numpy,
# mpi4py, Pillow and h5py; `pip install ./python`; its pytest suite (python/tests), against
# OpenMPI. Then clippy on its Rust crate, which needs that environment's interpreter.
run_step "torcpy (Python)" bash -o pipefail -c 'bash scripts/python.sh test 2>&1 | tee -a "$0"' "$log"
run_step "clippy (torcpy)" env PYO3_PYTHON="$PWD/target/venv/bin/python" cargo clippy -p torcpy --all-targets -- -D warnings
run_step "torcpy on Python 3.9" bash -o pipefail -c 'bash scripts/python.sh oldest 2>&1 | tee -a "$0"' "$log"

# The MPICH pass: its own target directory (mpi-sys and the C shims see MPICH's mpi.h), the
# tests' compiler, launcher and library from TORC_TEST_* (tests/common/mod.rs).
mpich_env=(env MPICC=mpicc.mpich TORC_TEST_MPICC=mpicc.mpich TORC_TEST_MPIFC=mpif90.mpich
    TORC_TEST_MPIRUN=mpiexec.mpich TORC_TEST_LIBDIR="$PWD/target/mpich/debug")
run_step "build libtorc.so against MPICH" "${mpich_env[@]}" cargo build --lib --target-dir target/mpich
run_step "build torc-trace beside it" cargo build -p torc-trace --target-dir target/mpich
run_step "tests with MPICH" "${mpich_env[@]}" bash -o pipefail -c \
    'timeout --kill-after=30 "$0" cargo test --target-dir target/mpich --no-fail-fast --lib --test c_examples --test c_extensions --test multinode --test bad_input --test diagnosis --test trace --test slurm -- "${@:2}" 2>&1 | tee -a "$1"' \
    "${TORC_TEST_MPICH_TIMEOUT:-900}" "$log" "$@"

# One closing line over all test binaries (cargo prints one summary per binary).
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed_tests=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s += $1} END {print s + 0}')
# pytest's closing line: "12 passed, 1 failed in 3.4s" (or "... passed in").
py_passed=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | grep -Eo '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')
py_failed=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | grep -Eo '[0-9]+ failed' | awk '{s += $1} END {print s + 0}')
passed=$((passed + py_passed))
failed_tests=$((failed_tests + py_failed))
echo
if [[ ${#failed[@]} -ne 0 ]]; then
    echo "==> scripts/test.sh: FAILED steps: ${failed[*]}"
    echo "tests: $passed passed, $failed_tests failed"
    exit 1
fi
echo "==> scripts/test.sh: all steps passed"
echo "tests: $passed passed, $failed_tests failed"
