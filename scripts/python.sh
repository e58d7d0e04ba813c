#!/usr/bin/env bash
# torcpy, the Python package (python/): makes a virtual environment (default target/venv),
# installs into it what building and testing torcpy needs (maturin, pytest, numpy, mpi4py,
# Pillow, h5py, dask[distributed], a peer in the benchmark runner, and mypy, for the typing
# check, from PyPI), then `pip install ./python` (maturin builds the extension against this
# checkout's torc, in release mode), then, unless told only to install, runs the pytest suite
# (python/tests: the API at 1 process and under mpirun at 2 and 3 ranks, the examples, the
# benchmark runner's smoke test, the typing check: stubtest and mypy).
#
# mpi4py comes as its binary wheel, which loads the system's MPI library at run time (the
# default libmpi: Open MPI here, the one torc is built with); TORCPY_MPI4PY_SOURCE=1 builds it
# from source against `mpicc` instead (minutes).
#
# `oldest` does the same with the oldest Python torcpy supports (3.9: `python3.9` on the PATH,
# or pyenv's), in target/venv-oldest, and runs a smoke subset (errors and remote
# tracebacks, what crosses ranks, the executor); without a Python 3.9 it says so and succeeds.
#
# Usage: bash scripts/python.sh [install|test|oldest] [pytest arguments]
# Environment: TORCPY_VENV  the virtual environment (default target/venv)
#              TORCPY_PYTEST_TIMEOUT  seconds allowed for pytest (default 1200)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
what=${1:-test}
[[ $# -gt 0 ]] && shift

bash scripts/deps.sh

if [[ $what == oldest ]]; then
    base=
    # (pyenv's shim is on the PATH even when no 3.9 is active: each candidate must run.)
    for cand in $(command -v python3.9 || true) \
            $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python 2>/dev/null || true); do
        if "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9))' >/dev/null 2>&1; then
            base=$cand
            break
        fi
    done
    if [[ -z $base ]]; then
        echo "torcpy on Python 3.9: skipped (no python3.9 on the PATH nor in pyenv; e.g. 'pyenv install 3.9')"
        exit 0
    fi
    venv=$root/target/venv-oldest
    py=$venv/bin/python
    if [[ ! -x $py ]]; then
        echo "==> $base -m venv $venv"
        "$base" -m venv "$venv"
    fi
    pip=("$py" -m pip --disable-pip-version-check -q)
    if ! "$py" -c 'import maturin, pytest, numpy, mpi4py' >/dev/null 2>&1; then
        echo "==> pip install maturin pytest numpy mpi4py (Python $("$py" -V 2>&1))"
        "${pip[@]}" install maturin pytest numpy mpi4py
    fi
    echo "==> pip install ./python (into $venv)"
    "${pip[@]}" install ./python
    if [[ $(id -u) -eq 0 ]]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    echo "==> pytest (smoke subset) with $("$py" -V 2>&1)"
    cd python
    exec timeout --kill-after=30 "${TORCPY_PYTEST_TIMEOUT:-1200}" "$py" -m pytest -q -rfE "$@" \
        tests/test_errors.py tests/test_serialize.py tests/test_executor.py
fi

venv=${TORCPY_VENV:-$root/target/venv}
py=$venv/bin/python
if [[ ! -x $py ]]; then
    echo "==> python3 -m venv $venv"
    python3 -m venv "$venv"
fi
pip=("$py" -m pip --disable-pip-version-check -q)
want=(maturin pytest numpy pillow h5py "dask[distributed]")
if ! "$py" -c 'import maturin, pytest, numpy, PIL, h5py, dask.distributed' >/dev/null 2>&1; then
    echo "==> pip install ${want[*]}"
    "${pip[@]}" install "${want[@]}"
fi
if ! "$py" -c 'import mpi4py' >/dev/null 2>&1; then
    if [[ ${TORCPY_MPI4PY_SOURCE:-0} == 1 ]]; then
        echo "==> pip install --no-binary mpi4py mpi4py (built against $(command -v mpicc))"
        "${pip[@]}" install --no-binary mpi4py mpi4py
    else
        echo "==> pip install mpi4py"
        "${pip[@]}" install mpi4py
    fi
fi
# mypy: tests/test_typing.py (pyproject.toml's `typing` extra); mypy 2 cannot check for
# Python 3.9, the oldest torcpy supports, and stubtest before 1.18 misjudges TorcFuture.
if ! "$py" -c 'import sys, mypy.version as m
sys.exit(not (1, 18) <= tuple(int(x) for x in m.__version__.split("+")[0].split(".")[:2]) < (2,))' \
        >/dev/null 2>&1; then
    echo "==> pip install 'mypy>=1.18,<2'"
    "${pip[@]}" install "mypy>=1.18,<2"
fi
echo "==> pip install ./python (into $venv)"
"${pip[@]}" install ./python

if [[ $what == install ]]; then
    echo "torcpy is installed in $venv: run programs with $py (or: source $venv/bin/activate)"
    exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
echo "==> pytest python/tests"
cd python
exec timeout --kill-after=30 "${TORCPY_PYTEST_TIMEOUT:-1200}" "$py" -m pytest -q -rfE "$@" tests
