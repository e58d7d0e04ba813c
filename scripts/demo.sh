#!/usr/bin/env bash
# Builds libtorc (release) and the C example c_examples/fibonacci.c against it, then runs the
# example under mpirun.
#
# Usage: bash scripts/demo.sh [n [cutoff]]        (defaults: n=30, cutoff=18)
# Environment: NP            MPI ranks (default 2)
#              TORC_WORKERS  workers per rank (default 2)
#              DEMO_TIMEOUT  seconds before the run is stopped (default 120)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

NP=${NP:-2}
TORC_WORKERS=${TORC_WORKERS:-2}
n=${1:-30}
cutoff=${2:-18}
src=c_examples/fibonacci.c
out=target/demo
exe=$out/fibonacci
lib=$root/target/release

bash scripts/deps.sh

if [[ ! -f $src ]]; then
    echo "demo: $src does not exist yet: there is no example program to run." >&2
    exit 1
fi

echo "==> cargo build --release"
cargo build --release --quiet

echo "==> mpicc $src -> $exe"
mkdir -p "$out"
mpicc -O2 -Wall -I include "$src" -o "$exe" -L "$lib" -ltorc -Wl,-rpath,"$lib" -lm

if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export TORC_WORKERS

echo "==> mpirun -np $NP (TORC_WORKERS=$TORC_WORKERS) $exe $n $cutoff"
timeout --kill-after=5 "${DEMO_TIMEOUT:-120}" \
    mpirun --oversubscribe --bind-to none -np "$NP" -x TORC_WORKERS "$exe" "$n" "$cutoff"
