"""Running torcpy jobs under SLURM in tests: the one-node cluster of ``scripts/slurm.sh``.

``ensure_cluster()`` starts the cluster once per process (``bash scripts/slurm.sh start``, a
no-op when it is already up), sets ``SLURM_CONF`` in ``os.environ`` (srun and sbatch find the
cluster through it; ``conftest.job_env`` copies ``os.environ``) and returns that path; it
raises ``RuntimeError`` with the script's output when the cluster cannot start (the tests then
fail, they do not skip: CI runs as root with slurm-wlm and munge installed).

``srun_cmd(n)`` is the argv prefix of an ``n``-task step, e.g.::

    cmd = srun_cmd(3) + [sys.executable, "-m", "torcpy", script]
    subprocess.run(cmd, env=slurm_env(job_env(1)), timeout=TIMEOUT, ...)

It starts with ``['srun', '-n', str(n), '--mpi=pmix']`` (the ``--mpi=`` plugin
``scripts/slurm.sh mpi`` names for the default MPI: pmix for OpenMPI, pmi2 for MPICH), then
``--overcommit`` (the node has the machine's real CPU count, 2 here: without it ``srun -n 3``
waits forever for CPUs), a SLURM time limit so that no job outlives a killed test, and
``--kill-on-bad-exit=1`` (one failed rank ends the step). Run it under a timeout as every other
job. ``slurm_env(env)`` is ``env`` with ``SLURM_CONF`` set and the variables of any enclosing
allocation (``SLURM_JOB_ID``...) removed.

A helper module, not a test file (pytest collects only ``test_*.py``).
"""

import os
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "scripts", "slurm.sh")
#: Seconds ``scripts/slurm.sh`` may take (it waits up to TORC_SLURM_WAIT, 60 s, by itself).
SCRIPT_TIMEOUT = 300
#: SLURM's time limit of every step started with ``srun_cmd``, in minutes.
JOB_MINUTES = 10

_lock = threading.Lock()
_state = {}  # "conf": SLURM_CONF, "mpi": the --mpi= plugin, "error": why start failed


def _script(*args):
    """(ok, output) of ``bash scripts/slurm.sh ARGS``."""
    try:
        p = subprocess.run(["bash", SCRIPT, *args], capture_output=True, text=True,
                           timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return False, (f"bash {SCRIPT} {' '.join(args)} did not end within {SCRIPT_TIMEOUT} s\n"
                       f"{e.stdout or ''}{e.stderr or ''}")
    except OSError as e:
        return False, f"cannot run bash {SCRIPT}: {e}"
    return p.returncode == 0, p.stdout + p.stderr


def ensure_cluster():
    """Starts the one-node cluster once per process; returns its SLURM_CONF (also set in
    ``os.environ``). Raises RuntimeError with the script's output when it cannot start."""
    with _lock:
        if "error" in _state:
            raise RuntimeError(_state["error"])
        if "conf" not in _state:
            try:
                _state.update(_start())
            except RuntimeError as e:
                _state["error"] = str(e)
                raise
        os.environ["SLURM_CONF"] = _state["conf"]
        return _state["conf"]


def _start():
    ok, out = _script("start")
    if not ok:
        raise RuntimeError(f"the one-node SLURM cluster did not start "
                           f"(bash scripts/slurm.sh start):\n{out}")
    ok, env = _script("env")
    prefix = "export SLURM_CONF="
    if not ok or not env.strip().startswith(prefix):
        raise RuntimeError(f"bash scripts/slurm.sh env printed no SLURM_CONF:\n{env}")
    ok, mpi = _script("mpi")
    if not ok:
        raise RuntimeError(f"bash scripts/slurm.sh mpi failed:\n{mpi}")
    return {"conf": env.strip()[len(prefix):], "mpi": mpi.strip()}


def srun_cmd(n):
    """The argv prefix that runs a program as ``n`` tasks of a step on the test cluster
    (starting the cluster first if this process has not)."""
    ensure_cluster()
    return ["srun", "-n", str(n), f"--mpi={_state['mpi']}", "--overcommit",
            f"--time={JOB_MINUTES}", "--kill-on-bad-exit=1"]


def slurm_env(env=None):
    """A copy of ``env`` (default ``os.environ``) for srun/sbatch on the test cluster:
    ``SLURM_CONF`` set, no ``SLURM_*``/``SBATCH_*``/``SRUN_*``/``SALLOC_*`` left from an
    allocation the tests themselves may run in."""
    conf = ensure_cluster()
    out = {k: v for k, v in (os.environ if env is None else env).items()
           if not k.startswith(("SLURM_", "SBATCH_", "SRUN_", "SALLOC_"))}
    out["SLURM_CONF"] = conf
    out.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    out.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return out
