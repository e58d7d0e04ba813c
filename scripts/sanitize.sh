#!/usr/bin/env bash
# Runs the C examples (c_examples/*.c) against libtorc built with ThreadSanitizer and with
# AddressSanitizer, at 1 and 2 MPI ranks of 2 workers each (inter-node stealing on at 2); fails on any sanitizer report that
# the checked-in suppressions (scripts/sanitizers/*.supp, each entry saying why it is not
# torc's bug) do not cover, and on any run that does not exit 0.
#
# Needs a nightly toolchain (`cargo +nightly`: -Zsanitizer is unstable); without one it prints
# that it skipped and exits 0. Called by scripts/test.sh as one step.
#
# The runs set TORC_SUSPEND=0: a wait does not switch to a fiber (src/fiber/), because the
# switches carry no sanitizer annotations (__sanitizer_start_switch_fiber, __tsan_switch_to_fiber)
# and either sanitizer would misread the other stacks. The fiber code is not covered here; the
# test suite (tests/suspend.rs, every multi-node test) runs it.
#
# How it is put together:
#  * libtorc: `cargo +nightly build --lib` with RUSTFLAGS=-Zsanitizer=S for the target only
#    (`--target <host>`, so build scripts stay uninstrumented), into target/tsan or target/asan.
#    The standard library is the toolchain's precompiled, uninstrumented one (no rust-src, so no
#    -Zbuild-std): -Cunsafe-allow-abi-mismatch=sanitizer accepts that. Generic std code (atomics,
#    Arc, Vec, ...) is instantiated in torc's crate and instrumented there; what stays invisible
#    is std's non-generic code (e.g. the futex behind std's Mutex/park). The C shims of the
#    crate (src/ffi/*.c, compiled through the cc crate) get CFLAGS=-fsanitize=S.
#  * The sanitizer runtime: rustc links it into executables only, not into a cdylib, so the
#    examples carry it. They are compiled with `mpicc -fsanitize=S` but linked with rustc's own
#    runtime (librustc-nightly_rt.{tsan,asan}.a from the nightly sysroot, whole archive, symbols
#    exported with -rdynamic) instead of gcc's libtsan/libasan: gcc 12's libtsan.so.2 lacks
#    __tsan_memcpy/__tsan_memmove/__tsan_memset, which the nightly's LLVM emits, and the runtime
#    matching the instrumentation of libtorc is the one to trust. gcc's instrumentation of the
#    examples' own code uses entry points the newer runtime still has.
#  * Options: TSan halt_on_error=0 (every report printed), ASan detect_leaks=0 (OpenMPI leaks
#    at exit by design; leaks are checked with valgrind instead, tests/valgrind.rs).
#  * OpenMPI runs with its usual transports (self, vader shared memory, tcp): OpenMPI is not
#    instrumented, so TSan sees none of its memory accesses, only the mutexes it takes through
#    pthread (two lock-order cycles inside the tcp and vader modules, suppressed). No
#    `setarch -R` is needed here: the nightly's TSan runtime copes with this kernel's ASLR (recent
#    runtimes re-execute themselves without randomisation when the layout does not fit).
#
# Usage: bash scripts/sanitize.sh        (TORC_SANITIZERS="thread address" picks the sanitizers;
#                                          TORC_SAN_EXAMPLES="fibonacci ..." picks the examples;
#                                          TORC_SAN_TIMEOUT seconds per run, default 120)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

if ! cargo +nightly --version >/dev/null 2>&1 || ! rustc +nightly --version >/dev/null 2>&1; then
    echo "sanitizers: skipped (no nightly toolchain: 'cargo +nightly' does not work; install one with 'rustup toolchain install nightly' to run them)"
    exit 0
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
rtdir=$(rustc +nightly --print sysroot)/lib/rustlib/$host/lib

if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# As tests/common/mod.rs: share two cores between many ranks, no CMA single-copy (needs ptrace
# rights inside containers).
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none \
    OMPI_MCA_btl_vader_single_copy_mechanism=none

# Example -> arguments: smaller than the functional tests' (sanitized runs are 5-20x slower),
# large enough that tasks cross ranks, steal, nest and use every call-way.
declare -A args=(
    [async_detached]="40 8"
    [broadcast]="7"
    [create_overhead]="2000 1"
    [fibonacci]="18 8"
    [pipeline]="2000 250"
    [sqrt_mw]="200"
    [struct_ref]="100"
    [varargs_len]="32"
)
timeout_s=${TORC_SAN_TIMEOUT:-120}
failures=()

# build_lib S DIR: libtorc.so instrumented with -Zsanitizer=S into target/DIR.
build_lib() {
    RUSTFLAGS="-Zsanitizer=$1 -Cunsafe-allow-abi-mismatch=sanitizer -Cforce-frame-pointers=yes" \
        CFLAGS="-fsanitize=$1 -g -O1 -fno-omit-frame-pointer" \
        cargo +nightly build --quiet --lib --target "$host" --target-dir "target/$2"
}

# run_one S EXE NP ARGS...: one run under mpirun (output in $logs); returns non-zero on a
# sanitizer report, a failed run or a FAIL line, showing the output.
run_one() {
    local san=$1 exe=$2 np=$3
    shift 3
    local log=$logs/$(basename "$exe").np$np.log rc=0
    # On 2 ranks with inter-node stealing on, so that steal requests and answers run too.
    local stealing=0
    [[ $np -gt 1 ]] && stealing=1
    timeout --kill-after=10 "$timeout_s" mpirun --oversubscribe --bind-to none -np "$np" \
        -x TORC_WORKERS=2 -x TORC_STEALING=$stealing -x TORC_SUSPEND=0 -x TSAN_OPTIONS -x ASAN_OPTIONS \
        "$exe" "$@" >"$log" 2>&1 || rc=$?
    local reports
    reports=$(grep -cE '^SUMMARY: [A-Za-z]+Sanitizer' "$log")
    # Also whatever a sanitizer prints without a summary (fatal errors of the runtime).
    if [[ $rc -ne 0 || $reports -ne 0 ]] || grep -qE 'FAIL|^(WARNING|ERROR): [A-Za-z]+Sanitizer|[A-Za-z]+Sanitizer: (unexpected|CHECK failed|FATAL)|==[0-9]+==ERROR' "$log"; then
        echo "    FAILED: $san: mpirun -np $np $(basename "$exe") $* (exit $rc, $reports sanitizer reports; whole output in $log):"
        grep -E '^SUMMARY: ' "$log" | sort | uniq -c | sed 's/^/    | /'
        echo "    | first 200 lines:"
        sed 's/^/    | /' "$log" | head -200
        return 1
    fi
    return 0
}

for san in ${TORC_SANITIZERS:-thread address}; do
    case $san in
    thread) dir=tsan ;;
    address) dir=asan ;;
    *)
        echo "sanitizers: unknown sanitizer '$san' (thread or address)"
        exit 2
        ;;
    esac
    start=$SECONDS
    echo "--- $san sanitizer: building libtorc into target/$dir"
    if ! build_lib "$san" "$dir"; then
        failures+=("$san: building libtorc")
        continue
    fi
    lib=$root/target/$dir/$host/debug
    rt=$rtdir/librustc-nightly_rt.$dir.a
    if [[ ! -f $rt ]]; then
        failures+=("$san: no sanitizer runtime $rt in the nightly toolchain")
        continue
    fi
    bin=$root/target/$dir/c_examples
    logs=$root/target/$dir/logs
    rm -rf "$logs"
    mkdir -p "$bin" "$logs"
    supp=$root/scripts/sanitizers/$dir.supp
    export TSAN_OPTIONS="suppressions=$supp halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4 print_suppressions=1"
    export ASAN_OPTIONS="suppressions=$supp detect_leaks=0 halt_on_error=1 exitcode=66 detect_stack_use_after_return=0 strict_init_order=1 check_initialization_order=1"
    for name in ${TORC_SAN_EXAMPLES:-$(cd c_examples && ls -- *.c | sed 's/\.c$//')}; do
        src=c_examples/$name.c
        if [[ $san == thread && $name == spmd_bcast && -z ${TORC_SAN_EXAMPLES:-} ]]; then
            # Its spmd functions call MPI collectives on the application's thread while torc's
            # communication thread calls MPI too (MPI_THREAD_MULTIPLE). OpenMPI is not
            # instrumented, so TSan sees the data MPI moves between those threads (into torc's
            # posted receive buffers, into the collectives' buffers, OpenMPI's own request
            # objects) without the synchronisation inside OpenMPI that orders it, and reports
            # races in every run. AddressSanitizer still runs it.
            echo "    skipped: thread: spmd_bcast (MPI called from two threads; see scripts/sanitize.sh)"
            continue
        fi
        if ! mpicc -fsanitize="$san" -fno-omit-frame-pointer -g -O1 -Wall -Werror -I include \
            -c "$src" -o "$bin/$name.o" ||
            ! mpicc "$bin/$name.o" -o "$bin/$name" -L"$lib" -ltorc -Wl,-rpath,"$lib" \
                -Wl,--whole-archive "$rt" -Wl,--no-whole-archive -rdynamic \
                -lpthread -ldl -lm -lrt; then
            failures+=("$san: building $name")
            continue
        fi
        read -r -a a <<<"${args[$name]:-}"
        for np in 1 2; do
            if run_one "$san" "$bin/$name" "$np" "${a[@]}"; then
                echo "    ok: $san: mpirun -np $np $name ${a[*]}"
            else
                failures+=("$san: $name at $np ranks")
            fi
        done
    done
    echo "--- $san sanitizer: $((SECONDS - start)) s"
done

if [[ ${#failures[@]} -ne 0 ]]; then
    echo "sanitizers: FAILED:"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
echo "sanitizers: no reports (${TORC_SANITIZERS:-thread address})"
