"""Smoke tests of the benchmark runner (python/bench/runner.py), in its ``--quick`` mode: the
cheap round-trip row runs its jobs (torcpy under mpirun, ProcessPoolExecutor,
mpi4py.futures) and prints the table with that row and a figure for each; the six executor
rows (``executor``: TorcPoolExecutor under ``python -m torcpy`` at 1 process and under
mpirun at 2 ranks, beside ThreadPoolExecutor, ProcessPoolExecutor, MPIPoolExecutor and a
Dask LocalCluster) run theirs, every job checking its results, and print their lines. The
figures themselves are not judged."""

import os
import re
import subprocess
import sys

from conftest import PYTHON_DIR

RUNNER = os.path.join(PYTHON_DIR, "bench", "runner.py")
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def run_quick(words, timeout):
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env["TORCPY_BENCH_TIMEOUT"] = "40"
    p = subprocess.run([sys.executable, RUNNER, "--quick", *words], env=env,
                       capture_output=True, text=True, timeout=timeout,
                       cwd=os.path.dirname(PYTHON_DIR))
    assert p.returncode == 0, f"runner failed:\n{p.stdout}\n{p.stderr}"
    return p


def test_runner_quick_round_trip():
    p = run_quick(["round trip remote"], 90)
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


def test_runner_quick_executor_rows():
    p = run_quick(["executor"], 240)
    lines = p.stdout.splitlines()
    assert any("dask.distributed" in line and "not installed" not in line
               for line in lines), p.stdout
    rows = [("executor submit+result", "us/task", r"<= 3 us/task: (?:met|missed)",
             r"<= 10 us/task: (?:met|missed)"),
            ("executor map cs=100", "us/item", r"<= 0\.3 us/item: (?:met|missed)",
             r"<= 0\.3 us/item: (?:met|missed)"),
            ("executor round trip", "us/task", "-", "-")]
    for name, unit, *goals in rows:
        for w, goal in zip((1, 2), goals):
            title = f"{name} {w}x1"
            at = [i for i, line in enumerate(lines) if line.startswith(title + " ")]
            assert len(at) == 1, f"one {title!r} row expected:\n{p.stdout}"
            i = at[0]
            first = re.match(rf"{re.escape(title)}\s+{unit}\s+\d+\s+({NUMBER})\s+"
                             rf"ThreadPoolExecutor\({w}[^)]*\)\s+\d+\s+({NUMBER})\s+"
                             rf"({NUMBER})\s+{goal}\s*$", lines[i])
            assert first, f"torcpy's and the thread pool's figures expected:\n{lines[i]}"
            for k, peer in enumerate((rf"ProcessPoolExecutor\({w}\)",
                                      rf"MPIPoolExecutor\({w}\)",
                                      rf"Dask LocalCluster\({w}x1[^)]*\)"), 1):
                line = lines[i + k] if i + k < len(lines) else ""
                assert re.match(rf"\s+{peer}\s+\d+\s+({NUMBER})\s+({NUMBER})\s*$", line), \
                    f"{title}: the figure of {peer} expected:\n{line}"
    # Only the selected rows.
    assert not any(line.startswith(("submit", "round", "map ", "images")) for line in lines), \
        p.stdout
