"""Shared by torcpy's tests: running a Python program as a torcpy job.

``run_job(script, ranks, workers)`` runs ``python script`` directly (ranks == 0: no mpirun,
a singleton MPI process) or under ``mpirun -np ranks`` (``--oversubscribe``: the machine may
have fewer cores), with ``TORCPY_WORKERS=workers``, under a timeout, and returns the finished
process (text output). OpenMPI's run-as-root switches are set here, so tests pass as root.
"""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
EXAMPLES = os.path.join(PYTHON_DIR, "examples")
PROGRAMS = os.path.join(HERE, "programs")
MPIRUN = os.environ.get("TORCPY_TEST_MPIRUN", "mpirun")
# Seconds any one job may take before it is killed (a hang fails the test, never the suite).
TIMEOUT = float(os.environ.get("TORCPY_TEST_TIMEOUT", "180"))


def job_env(workers, extra=None):
    env = dict(os.environ)
    env["TORCPY_WORKERS"] = str(workers)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    # Several ranks on few cores: let OpenMPI oversubscribe without asking.
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def job_command(script, ranks, args=(), launcher=False):
    """``python script args`` (``python -m torcpy script args`` with ``launcher``), under
    ``mpirun -np ranks`` unless ``ranks`` is 0."""
    cmd = [sys.executable, *(["-m", "torcpy"] if launcher else []), script, *map(str, args)]
    if ranks == 0:
        return cmd
    return [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]


def run_job(script, ranks=1, workers=1, args=(), env=None, timeout=TIMEOUT, check=True,
            launcher=False):
    """Runs ``script`` as a torcpy job (through ``python -m torcpy`` with ``launcher``); with
    ``check``, fails the test unless it exits 0."""
    if not os.path.isabs(script):
        for d in (PROGRAMS, EXAMPLES):
            if os.path.exists(os.path.join(d, script)):
                script = os.path.join(d, script)
                break
    cmd = job_command(script, ranks, args, launcher)
    try:
        p = subprocess.run(cmd, env=job_env(workers, env), capture_output=True, text=True,
                           timeout=timeout, cwd=os.path.dirname(script))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not end within {timeout} s\n"
                    f"stdout:\n{e.stdout}\nstderr:\n{e.stderr}")
    if check and p.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} (TORCPY_WORKERS={workers}) exited {p.returncode}\n"
                    f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def session_processes(sid):
    """Processes of session ``sid`` still alive (zombies excluded)."""
    alive = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(pid))
    return alive


@pytest.fixture
def job():
    """The ``run_job`` function."""
    return run_job


def pytest_report_header(config):
    return f"torcpy tests: mpirun = {shutil.which(MPIRUN)}, python = {sys.executable}"
