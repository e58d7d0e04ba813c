"""Smoke test of the benchmark runner (python/bench/runner.py): ``--quick`` restricted to the
cheap round-trip row runs its jobs (torcpy under mpirun, ProcessPoolExecutor,
mpi4py.futures) and prints the table with that row and a figure for each; the figures
themselves are not judged."""

import os
import re
import subprocess
import sys

from conftest import PYTHON_DIR

RUNNER = os.path.join(PYTHON_DIR, "bench", "runner.py")
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def test_runner_quick_round_trip():
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env["TORCPY_BENCH_TIMEOUT"] = "40"
    p = subprocess.run([sys.executable, RUNNER, "--quick", "round"], env=env,
                       capture_output=True, text=True, timeout=90,
                       cwd=os.path.dirname(PYTHON_DIR))
    assert p.returncode == 0, f"runner failed:\n{p.stdout}\n{p.stderr}"
    lines = p.stdout.splitlines()
    assert any(line.startswith("machine: ") and "nproc" in line for line in lines), p.stdout
    assert any("mpi4py" in line and "MPI library" in line for line in lines), p.stdout
    row = [i for i, line in enumerate(lines) if line.startswith("round trip remote 2x1")]
    assert len(row) == 1, f"one round-trip row expected:\n{p.stdout}"
    first = re.match(rf"round trip remote 2x1\s+us/task\s+\d+\s+({NUMBER})\s+"
                     rf"ProcessPoolExecutor\(1\)\s+\d+\s+({NUMBER})\s+({NUMBER})\s+<= 30",
                     lines[row[0]])
    assert first, f"torcpy's and the process pool's figures expected:\n{lines[row[0]]}"
    second = re.match(rf"\s+MPIPoolExecutor\(1\)\s+\d+\s+({NUMBER})\s+({NUMBER})\s*$",
                      lines[row[0] + 1])
    assert second, f"mpi4py.futures's figure expected:\n{lines[row[0] + 1]}"
    # Only the selected row.
    assert not any(line.startswith(("submit", "map ", "images")) for line in lines), p.stdout
