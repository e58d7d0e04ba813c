#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for running torc programs under `srun`/`sbatch` in
# tests (tests/slurm.rs, python/tests/slurm_util.py). Everything lives in one directory of its
# own (TORC_SLURM_DIR, default /tmp/torc-slurm): a munge key and its own munged (own socket, so
# a system munge is left alone), slurm.conf (this host as the only node, with the CPU count and
# memory `slurmd -C` reports; select/cons_tres, proctrack/linuxproc, task/none: no cgroups, no
# accounting; partition `torc`, jobs may share CPUs), state, spool and logs. The daemons
# (munged, slurmctld, slurmd) run as root (SlurmUser=root) and are started directly, without
# systemd. Needs root and the Debian packages slurm-wlm and munge (bash scripts/deps.sh).
#
# Usage: bash scripts/slurm.sh start    start the daemons not yet running and wait until
#                                       `sinfo` shows the node up (a no-op when it is up)
#        bash scripts/slurm.sh stop     stop the daemons this script started
#        bash scripts/slurm.sh status   exit 0 when the cluster is up (prints one line)
#        bash scripts/slurm.sh env      print `export SLURM_CONF=...` (eval it: srun, sbatch,
#                                       sinfo... find the cluster through SLURM_CONF)
#        bash scripts/slurm.sh mpi [MPICC]   print the srun --mpi= plugin for the MPI of the
#                                       compiler wrapper MPICC (default: TORC_TEST_MPICC, else
#                                       MPICC, else mpicc): pmix for OpenMPI, pmi2 for MPICH
#        bash scripts/slurm.sh exec CMD...   run CMD with SLURM_CONF set, e.g.
#                                       bash scripts/slurm.sh exec srun -n 2 --mpi=pmix hostname
# Environment: TORC_SLURM_DIR    the cluster's directory (default /tmp/torc-slurm)
#              TORC_SLURM_PORT   slurmctld's port (default 6917); slurmd uses the next one
#              TORC_SLURM_WAIT   seconds `start` waits for the node to come up (default 60)
#
# Debian 12's OpenMPI 4.1 must be launched with `srun --mpi=pmix` (it is built against PMIx and
# has no PMI-1/PMI-2 client: under --mpi=pmi2 or none MPI_Init aborts). MPICH 4.0 (mpicc.mpich)
# needs `srun --mpi=pmi2` (Slurm's pmi2 plugin serves its PMI; under pmix or none every rank
# silently starts as a singleton, MPI_COMM_WORLD of size 1). More tasks than CPUs need
# `srun --overcommit` (-O), else srun queues forever: the node has this machine's real CPU count.
set -euo pipefail

dir=${TORC_SLURM_DIR:-/tmp/torc-slurm}
port=${TORC_SLURM_PORT:-6917}
wait_secs=${TORC_SLURM_WAIT:-60}
me="scripts/slurm.sh"

conf=$dir/slurm.conf
munge_dir=$dir/munge      # the socket (munged wants its directory open to everyone)
key_dir=$dir/munge-key    # the key and PRNG seed (root only)
socket=$munge_dir/munge.socket
logs=$dir/log

started=() # daemons this `start` started: a failed start stops them again

die() { # die MESSAGE [LOG]: one-line error, then the end of LOG if given
    echo "$me: error: $1" >&2
    if [[ -n ${2:-} && -s $2 ]]; then
        echo "$me: last lines of $2:" >&2
        tail -n 15 "$2" | sed 's/^/  | /' >&2
    fi
    local d
    for d in "${started[@]+"${started[@]}"}"; do
        stop_daemon "$d" >/dev/null 2>&1 || true
    done
    exit 1
}

export SLURM_CONF=$conf

# alive NAME: whether the pid in $dir/NAME.pid is a running process called NAME (a zombie is
# not: without systemd, a killed daemon may stay one until PID 1 reaps it).
alive() {
    local pid stat
    pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]] || return 1
    # /proc/PID/stat: "PID (COMM) STATE ...".
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != [ZX] ]]
}

# node_state: the node's state as sinfo prints it (idle, mixed, allocated, down*, drained...),
# empty when slurmctld does not answer.
node_state() {
    [[ -f $conf ]] || return 0
    timeout 10 sinfo --noheader --node="$node" --format=%T 2>/dev/null | head -n 1 | tr -d ' ' || true
}

node=$(hostname -s)

# up: the three daemons run and the node can take jobs.
up() {
    alive munged && alive slurmctld && alive slurmd || return 1
    case $(node_state) in
        idle | mixed | allocated | completing) return 0 ;;
        *) return 1 ;;
    esac
}

check_tools() {
    local t missing=()
    for t in munged mungekey slurmctld slurmd sinfo srun sbatch scontrol; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [[ ${#missing[@]} -eq 0 ]] || die "not installed: ${missing[*]} (run bash scripts/deps.sh as root, or apt-get install slurm-wlm munge)"
}

write_conf() {
    local hw
    # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1
    # RealMemory=24105": the real hardware, as slurmd will check it.
    hw=$(slurmd -C 2>/dev/null | head -n 1) || true
    [[ $hw == NodeName=* ]] || die "slurmd -C did not describe this machine: ${hw:-no output}"
    hw=${hw#NodeName=* }
    cat >"$conf.new" <<EOF
# Written by scripts/slurm.sh: a one-node test cluster (rewritten by every start that finds
# neither slurmctld nor slurmd running).
ClusterName=torc
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=10
MinJobAge=30
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
# OverSubscribe=FORCE: several test jobs may share the CPUs at once instead of queueing.
PartitionName=torc Nodes=$node Default=YES MaxTime=60 State=UP OverSubscribe=FORCE:16
EOF
    mv "$conf.new" "$conf"
}

start_munged() {
    alive munged && return 0
    mkdir -p "$munge_dir" "$key_dir"
    chmod 0755 "$munge_dir"
    chmod 0700 "$key_dir"
    if [[ ! -s $key_dir/munge.key ]]; then
        mungekey --create --keyfile="$key_dir/munge.key" >/dev/null 2>&1 \
            || die "mungekey could not create $key_dir/munge.key"
    fi
    rm -f "$socket" "$socket.lock"
    munged --socket="$socket" --key-file="$key_dir/munge.key" --pid-file="$dir/munged.pid" \
        --log-file="$logs/munged.log" --seed-file="$key_dir/munged.seed" </dev/null >>"$logs/munged.log" 2>&1 9>&- \
        || die "munged did not start" "$logs/munged.log"
    started+=(munged)
    local i
    for ((i = 0; i < 50; i++)); do
        if munge --socket="$socket" --no-input 2>/dev/null | unmunge --socket="$socket" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    die "munged does not answer on $socket" "$logs/munged.log"
}

start_slurmctld() {
    alive slurmctld && return 0
    # -c: a test cluster starts empty (no jobs left from an earlier run); -i: ignore state
    # files that an older slurmctld could not read.
    slurmctld -f "$conf" -c -i </dev/null >>"$logs/slurmctld.out" 2>&1 9>&- \
        || die "slurmctld did not start" "$logs/slurmctld.log"
    started+=(slurmctld)
}

start_slurmd() {
    alive slurmd && return 0
    slurmd -f "$conf" </dev/null >>"$logs/slurmd.out" 2>&1 9>&- || die "slurmd did not start" "$logs/slurmd.log"
    started+=(slurmd)
}

# lock: one start or stop at a time (tests of several processes may start the cluster at once).
# The daemons must not inherit fd 9 (they would hold the lock for good): `9>&-` below.
lock() {
    exec 9>>"$dir/lock"
    flock -w 300 9 || die "another scripts/slurm.sh start/stop holds $dir/lock"
}

cmd_start() {
    if up; then
        echo "$me: already up (node $node $(node_state), SLURM_CONF=$conf)"
        return 0
    fi
    check_tools
    [[ $(id -u) -eq 0 ]] || die "must run as root (the daemons run as SlurmUser=root; try sudo bash $me start)"
    if ! mkdir -p "$dir" "$dir/state" "$dir/spool" "$logs" 2>/dev/null || ! chmod 0755 "$dir"; then
        die "cannot make the cluster's directory $dir (TORC_SLURM_DIR)"
    fi
    cd "$dir" # the daemons' working directory: not the caller's
    lock
    # Another `start` may have brought it up while this one waited for the lock.
    if up; then
        echo "$me: already up (node $node $(node_state), SLURM_CONF=$conf)"
        return 0
    fi
    # A configuration change needs both daemons restarted; running ones keep the old file,
    # which is the same unless the machine changed.
    if ! alive slurmctld && ! alive slurmd; then
        write_conf
    fi
    start_munged
    start_slurmctld
    start_slurmd
    local i state=""
    for ((i = 0; i < wait_secs * 2; i++)); do
        alive slurmctld || die "slurmctld exited" "$logs/slurmctld.log"
        alive slurmd || die "slurmd exited" "$logs/slurmd.log"
        state=$(node_state)
        case $state in
            idle | mixed | allocated | completing)
                echo "$me: up: node $node $state ($(grep -o 'CPUs=[0-9]*' "$conf"), SLURM_CONF=$conf)"
                return 0
                ;;
            down* | drain* | fail*)
                # Left down by an earlier run (e.g. a killed slurmd): take it back.
                scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
                ;;
        esac
        sleep 0.5
    done
    die "node $node is not up after ${wait_secs}s (sinfo state: ${state:-no answer from slurmctld})" "$logs/slurmctld.log"
}

# stop_daemon NAME: TERM the daemon of $dir/NAME.pid, wait for it (KILL after 15 s).
stop_daemon() {
    alive "$1" || { rm -f "$dir/$1.pid"; return 0; }
    local pid i
    pid=$(cat "$dir/$1.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        alive "$1" || { rm -f "$dir/$1.pid"; return 0; }
        sleep 0.1
    done
    echo "$me: $1 (pid $pid) ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/$1.pid"
}

cmd_stop() {
    if ! alive slurmd && ! alive slurmctld && ! alive munged; then
        echo "$me: not running"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || die "must run as root (the daemons run as root; try sudo bash $me stop)"
    lock
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged
    echo "$me: stopped"
}

cmd_status() {
    local d down=()
    for d in munged slurmctld slurmd; do
        alive "$d" || down+=("$d")
    done
    if [[ ${#down[@]} -ne 0 ]]; then
        echo "$me: down (not running: ${down[*]})"
        return 1
    fi
    local state
    state=$(node_state)
    case $state in
        idle | mixed | allocated | completing)
            echo "$me: up: node $node $state (SLURM_CONF=$conf)"
            return 0
            ;;
    esac
    echo "$me: down (node $node: ${state:-no answer from slurmctld})"
    return 1
}

# cmd_mpi MPICC: the srun --mpi= plugin for the MPI behind the compiler wrapper MPICC.
cmd_mpi() {
    local show
    show=$("$1" -show 2>/dev/null) || die "cannot run $1 -show (is it an MPI compiler wrapper?)"
    case $show in
        *mpich*) echo pmi2 ;;
        *openmpi*) echo pmix ;;
        *) die "cannot tell which MPI $1 is (its -show names neither openmpi nor mpich): $show" ;;
    esac
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$conf" ;;
    mpi) cmd_mpi "${2:-${TORC_TEST_MPICC:-${MPICC:-mpicc}}}" ;;
    exec)
        shift
        [[ $# -gt 0 ]] || die "exec needs a command, e.g. bash $me exec sinfo"
        exec "$@"
        ;;
    *)
        echo "usage: bash $me start|stop|status|env|mpi|exec CMD..." >&2
        exit 2
        ;;
esac
