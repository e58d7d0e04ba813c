"""torcpy under SLURM, on the one-node cluster of scripts/slurm.sh (slurm_util.py): a job
step (`srun -n 3 python -m torcpy script.py`), a batch job (`sbatch --wait` of a script that
runs such a step), and rank 0's exit status through srun."""

import os
import subprocess
import sys
import tempfile

import pytest

from checklines import parse
from conftest import PROGRAMS, TIMEOUT, job_env
from slurm_util import slurm_env, srun_cmd


def run(cmd, workers=1, cwd=PROGRAMS):
    try:
        return subprocess.run(cmd, env=slurm_env(job_env(workers)), capture_output=True,
                              text=True, timeout=TIMEOUT, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not end within {TIMEOUT} s\n{e.stdout}\n{e.stderr}")


def assert_all_checks_passed(out, nodes, what):
    checks = parse(out)
    failed = {k: v for k, v in checks.items() if v[0] == "FAIL"}
    assert checks and not failed, f"{what}: failed checks {failed}\n{out}"
    assert f"INFO nodes={nodes} " in out, out
    assert "SUMMARY executor_checks.py: 16 checks, 0 failed" in out, out


def test_srun_step_runs_the_executor_on_every_rank():
    cmd = srun_cmd(3) + [sys.executable, "-m", "torcpy", "executor_checks.py"]
    p = run(cmd)
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert_all_checks_passed(p.stdout, 3, "srun -n 3")


def test_srun_passes_rank_0s_exit_status_on():
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "exit3.py")
        with open(prog, "w") as f:
            f.write("import sys\nfrom torcpy.futures import TorcPoolExecutor\n"
                    "def sq(x):\n    return x * x\n"
                    "if __name__ == '__main__':\n"
                    "    with TorcPoolExecutor() as ex:\n"
                    "        print('sum', sum(ex.map(sq, range(100))))\n"
                    "    sys.exit(3)\n")
        p = run(srun_cmd(2) + [sys.executable, "-m", "torcpy", prog], cwd=d)
    assert p.returncode == 3, f"exit status {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert p.stdout.count("sum 328350") == 1, p.stdout


def test_sbatch_job_runs_a_step_of_the_executor():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "job.out")
        script = os.path.join(d, "job.sh")
        step = " ".join(srun_cmd(2)[:1] + srun_cmd(2)[3:])  # the job gives the task count
        with open(script, "w") as f:
            f.write(f"#!/bin/bash\n#SBATCH --ntasks=2\n#SBATCH --overcommit\n#SBATCH --time=10\n"
                    f"#SBATCH --output={out}\ncd {PROGRAMS}\n"
                    f"{step} {sys.executable} -m torcpy executor_checks.py\n")
        p = run(["sbatch", "--wait", script], cwd=d)
        text = open(out).read() if os.path.exists(out) else ""
    assert p.returncode == 0, f"sbatch --wait exited {p.returncode}\n{p.stdout}\n{p.stderr}\n{text}"
    assert_all_checks_passed(text, 2, "sbatch")
