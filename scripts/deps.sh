#!/usr/bin/env bash
# Makes sure everything torc's build and tests need is installed (Debian 12 with a Rust
# toolchain): OpenMPI (mpicc, mpicxx, mpirun: the default MPI) and MPICH beside it
# (mpicc.mpich, mpiexec.mpich: the tests run a second time with it), libclang for mpi-sys's
# bindgen, cmake + make, gcc/g++ with OpenMP, gfortran, timeout, pkg-config, patchelf (sets the
# installed libtorc.so's SONAME), valgrind (the leak test), Python 3 with its venv module
# (the torcpy package: scripts/python.sh makes a virtual environment for it), and SLURM
# (slurm-wlm: slurmctld, slurmd, srun, sbatch) with munge, for the one-node test cluster of
# scripts/slurm.sh (tests/slurm.rs).
#
# Quiet when everything is present. Otherwise, as root it installs what is missing with apt-get;
# as another user it prints the exact command to run and exits non-zero.
#
# Usage: bash scripts/deps.sh        (TORC_DEPS_CHECK_ONLY=1: never install, just report)
set -euo pipefail

missing=()   # Debian packages to install
why=()       # what was not found, for the message

need() { # need PACKAGE WHAT: record a missing requirement (once per package)
    local p
    for p in "${missing[@]+"${missing[@]}"}"; do [[ $p == "$1" ]] && return 0; done
    missing+=("$1")
    why+=("$2")
}

have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

check_all() {
    missing=()
    why=()
    # MPI (OpenMPI): runtime + launcher, and the compiler wrappers with headers.
    have_cmd mpirun || need openmpi-bin "mpirun"
    { have_cmd mpicc && have_cmd mpicxx; } || need libopenmpi-dev "mpicc/mpicxx"
    # MPICH, installed beside OpenMPI under its own names (scripts/test.sh's second pass).
    have_cmd mpiexec.mpich || need mpich "mpiexec.mpich"
    { have_cmd mpicc.mpich && have_cmd mpif90.mpich; } || need libmpich-dev "mpicc.mpich/mpif90.mpich"
    # mpirun launches local ranks through its rsh/ssh launcher component, which wants an agent.
    { have_cmd ssh || have_cmd rsh; } || need openssh-client "ssh (OpenMPI's launcher agent)"
    # libclang for bindgen (mpi-sys); LIBCLANG_PATH may point at another installation.
    if ! have_pkg libclang-dev; then
        if [[ -z ${LIBCLANG_PATH:-} ]] || ! compgen -G "${LIBCLANG_PATH}/libclang*.so*" >/dev/null; then
            need libclang-dev "libclang (bindgen, for mpi-sys)"
        fi
    fi
    have_cmd cmake || need cmake "cmake"
    have_cmd make || need make "make (cmake's generator)"
    have_cmd gcc || need gcc "gcc"
    have_cmd g++ || need g++ "g++"
    have_pkg libc6-dev || need libc6-dev "C library headers"
    have_cmd gfortran || need gfortran "gfortran"
    have_cmd timeout || need coreutils "timeout"
    have_cmd pkg-config || need pkg-config "pkg-config"
    have_cmd patchelf || need patchelf "patchelf (SONAME of the installed libtorc.so)"
    { have_cmd readelf && have_cmd nm; } || need binutils "readelf/nm"
    have_cmd valgrind || need valgrind "valgrind (leak test, tests/valgrind.rs)"
    # Python 3 and venv + ensurepip (Debian splits them into python3-venv): torcpy.
    have_cmd python3 || need python3 "python3 (torcpy)"
    if have_cmd python3; then
        # CPython's own concurrent.futures tests (python/tests/conformance) come from the
        # interpreter's `test` package, which Debian ships apart.
        local pyver
        pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if ! python3 -c 'import test.test_concurrent_futures' >/dev/null 2>&1 \
            && [[ ! -e /usr/lib/python$pyver/test/test_concurrent_futures.py ]] \
            && [[ ! -d /usr/lib/python$pyver/test/test_concurrent_futures ]] \
            && apt-cache show "libpython$pyver-testsuite" >/dev/null 2>&1; then
            need "libpython$pyver-testsuite" "CPython's test suite for python$pyver (torcpy's conformance tests)"
        fi
    fi
    if have_cmd python3 && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        need python3-venv "python3 -m venv (torcpy's virtual environment)"
    fi
    # SLURM on one node (scripts/slurm.sh, tests/slurm.rs): the daemons, srun/sbatch/sinfo, and
    # munge (its authentication: munged and the key tool).
    { have_cmd slurmctld && have_cmd slurmd && have_cmd srun && have_cmd sbatch && have_cmd sinfo; } \
        || need slurm-wlm "slurmctld/slurmd/srun/sbatch (slurm-wlm)"
    { have_cmd munged && have_cmd mungekey; } || need munge "munged/mungekey (munge)"
    # OpenMP: gcc's runtime and omp.h (a real compile, only once gcc itself is there).
    if have_cmd gcc && have_pkg libc6-dev; then
        local tmp
        tmp=$(mktemp -d)
        printf '#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n' >"$tmp/omp.c"
        if ! gcc -fopenmp "$tmp/omp.c" -o "$tmp/omp" >/dev/null 2>&1; then
            need libgomp1 "OpenMP (gcc -fopenmp)"
        fi
        rm -rf "$tmp"
    fi
}

# OpenMPI must stay the default `mpicc`/`mpirun` (the `mpi` and `mpirun` alternatives), even
# if installing MPICH switched them.
openmpi_is_default() {
    local show version
    show=$(mpicc -show 2>/dev/null || true)
    version=$(mpirun --version 2>&1 || true)
    [[ $show == *openmpi* && $version == *"Open MPI"* ]]
}
keep_openmpi_default() {
    openmpi_is_default && return 0
    local fix="update-alternatives --set mpi /usr/bin/mpicc.openmpi && update-alternatives --set mpirun /usr/bin/mpirun.openmpi"
    if [[ $(id -u) -ne 0 || ${TORC_DEPS_CHECK_ONLY:-0} == 1 ]]; then
        echo "scripts/deps.sh: mpicc/mpirun are not OpenMPI's; please run: sudo sh -c '$fix'" >&2
        return 1
    fi
    echo "scripts/deps.sh: making OpenMPI the default mpicc/mpirun again" >&2
    update-alternatives --set mpi /usr/bin/mpicc.openmpi >&2
    update-alternatives --set mpirun /usr/bin/mpirun.openmpi >&2
    openmpi_is_default
}

check_all
if [[ ${#missing[@]} -eq 0 ]]; then
    keep_openmpi_default
    exit
fi

echo "scripts/deps.sh: missing: $(IFS=,; echo "${why[*]}" | sed 's/,/, /g')" >&2
if [[ ${TORC_DEPS_CHECK_ONLY:-0} == 1 ]]; then
    echo "scripts/deps.sh: install with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "scripts/deps.sh: not root; please run:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "scripts/deps.sh: installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

check_all
if [[ ${#missing[@]} -ne 0 ]]; then
    echo "scripts/deps.sh: still missing after install: ${why[*]}" >&2
    exit 1
fi
keep_openmpi_default
echo "scripts/deps.sh: all build dependencies are installed" >&2
